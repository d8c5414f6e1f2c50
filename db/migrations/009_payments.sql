-- Payments in: Bankgirot's files, each record applied once, and what they did to the invoices.
ALTER TABLE invoices ADD COLUMN paid_amount bigint NOT NULL DEFAULT 0;
ALTER TABLE invoices ADD COLUMN paid_at date;
CREATE INDEX invoices_ocr ON invoices(company_id, ocr);

CREATE TABLE payment_files (
  id text PRIMARY KEY,
  tenant_id text NOT NULL REFERENCES tenants(id),
  company_id text NOT NULL REFERENCES companies(id),
  kind text NOT NULL CHECK (kind IN ('bgmax', 'autogiro_payments', 'autogiro_rejected', 'autogiro_mandates')),
  -- The same bytes twice are the same file: answered with the first, applied once.
  content_hash text NOT NULL,
  content bytea NOT NULL,
  source text NOT NULL CHECK (source IN ('api', 'inbox')),
  file_name text,
  records integer NOT NULL,
  received_at timestamptz NOT NULL DEFAULT now(),
  status text NOT NULL DEFAULT 'processing' CHECK (status IN ('processing', 'done')),
  UNIQUE (company_id, content_hash)
);
CREATE INDEX payment_files_tenant ON payment_files(tenant_id, id);

-- One row per applied record, keyed as formats/payments.md suggests: a record seen again (the
-- same file twice, a retried activity after a worker died) finds its key and changes nothing.
CREATE TABLE payment_records (
  company_id text NOT NULL REFERENCES companies(id),
  record_key text NOT NULL,
  tenant_id text NOT NULL REFERENCES tenants(id),
  file_id text NOT NULL REFERENCES payment_files(id),
  line integer NOT NULL,
  invoice_id text REFERENCES invoices(id),
  outcome text NOT NULL CHECK (outcome IN ('paid', 'partially_paid', 'unmatched', 'deduction', 'failed', 'waiting', 'mandate')),
  amount bigint NOT NULL,
  applied_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (company_id, record_key)
);
CREATE INDEX payment_records_file ON payment_records(file_id);

-- Money that could not be put on an invoice (no or unknown reference, a surplus): for a person to look at.
CREATE TABLE unmatched_payments (
  id text PRIMARY KEY,
  tenant_id text NOT NULL REFERENCES tenants(id),
  company_id text NOT NULL REFERENCES companies(id),
  file_id text NOT NULL REFERENCES payment_files(id),
  record_key text NOT NULL,
  amount bigint NOT NULL,
  reference text NOT NULL,
  payer_name text,
  payment_date date NOT NULL,
  reason text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (company_id, record_key)
);

-- An Autogiro withdrawal that failed: that invoice is never drawn by Autogiro again, and the
-- send made instead goes by the company's fallback method only.
ALTER TABLE invoices ADD COLUMN autogiro_failed boolean NOT NULL DEFAULT false;
ALTER TABLE invoices ADD COLUMN pending_fallback_only boolean NOT NULL DEFAULT false;
