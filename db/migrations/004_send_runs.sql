-- A send request (billing run): what was asked, accepted and refused. Its progress is counted
-- from its items, so no single row is updated by every send of a 10,000-invoice run.
CREATE TABLE send_runs (
  id text PRIMARY KEY,
  tenant_id text NOT NULL REFERENCES tenants(id),
  kind text NOT NULL CHECK (kind IN ('invoice', 'reminder')),
  company_ids text[] NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  total integer NOT NULL,
  accepted integer NOT NULL,
  refused integer NOT NULL
);
CREATE INDEX send_runs_tenant ON send_runs(tenant_id, id DESC);
CREATE INDEX send_runs_company ON send_runs USING gin (company_ids);

-- One accepted send of a run. It is also the durable start queue: the accepting process starts
-- the workflow right after answering; should it die first, its start lease runs out and any
-- reconciler starts it from the input stored here.
CREATE TABLE send_run_items (
  workflow_id text PRIMARY KEY,
  run_id text NOT NULL REFERENCES send_runs(id),
  tenant_id text NOT NULL REFERENCES tenants(id),
  invoice_id text NOT NULL REFERENCES invoices(id),
  input jsonb NOT NULL,
  started boolean NOT NULL DEFAULT false,
  start_lease_until timestamptz NOT NULL,
  outcome text NOT NULL DEFAULT 'pending' CHECK (outcome IN ('pending', 'sent', 'failed', 'undone')),
  settled_at timestamptz
);
CREATE INDEX send_run_items_run ON send_run_items(run_id, outcome);
CREATE INDEX send_run_items_unstarted ON send_run_items(start_lease_until) WHERE NOT started;
