-- The event feed (API.md "Events and webhooks"). Every history entry of an invoice produces its
-- event in the same transaction, by trigger, so no code path can write one without the other.
-- Readers page by (txid, seq) and see only events of transactions older than every one still
-- running: an event committed late can never appear behind a cursor that has passed it.
CREATE TABLE events (
  seq bigserial PRIMARY KEY,
  id text GENERATED ALWAYS AS ('evt_' || seq::text) STORED UNIQUE,
  txid xid8 NOT NULL DEFAULT pg_current_xact_id(),
  tenant_id text NOT NULL REFERENCES tenants(id),
  company_id text,
  invoice_id text,
  run_id text,
  type text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
  history_id bigint,
  -- The invoice as it was when the event happened (mapped to the API's Invoice when read).
  invoice_row jsonb
);
CREATE INDEX events_feed ON events(tenant_id, txid, seq);
-- A run completes once.
CREATE UNIQUE INDEX events_run_completed ON events(run_id) WHERE type = 'send_run.completed';

-- One INSERT per statement (a run's 10,000 send_requested entries are one statement), over the
-- rows really inserted: an entry skipped by its dedupe key announces nothing.
CREATE FUNCTION record_history_events() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO events (tenant_id, company_id, invoice_id, run_id, type, created_at, history_id, invoice_row)
  SELECT n.tenant_id, i.company_id, n.invoice_id, s.run_id, 'invoice.' || n.type, n.at, n.id, to_jsonb(i)
  FROM new_entries n
  JOIN invoices i ON i.id = n.invoice_id
  LEFT JOIN send_run_items s ON s.workflow_id = n.workflow_id
  ORDER BY n.id;
  RETURN NULL;
END $$;

CREATE TRIGGER invoice_history_events AFTER INSERT ON invoice_history
  REFERENCING NEW TABLE AS new_entries
  FOR EACH STATEMENT EXECUTE FUNCTION record_history_events();
