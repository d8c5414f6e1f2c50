-- Channels beyond e-mail: page counts for print, own-printer batches, Autogiro payment records.
ALTER TABLE documents ADD COLUMN page_count integer;
ALTER TABLE deliveries ADD COLUMN customer_name text;

CREATE TABLE print_batches (
  id text PRIMARY KEY,
  tenant_id text NOT NULL REFERENCES tenants(id),
  company_id text NOT NULL REFERENCES companies(id),
  send_request_id text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (send_request_id, company_id)
);
CREATE INDEX print_batches_company ON print_batches(tenant_id, company_id, created_at);
ALTER TABLE deliveries ADD COLUMN print_batch_id text REFERENCES print_batches(id);

-- One withdrawal (TK82) per Autogiro delivery; the day's file is written from these rows.
CREATE TABLE autogiro_records (
  workflow_id text PRIMARY KEY,
  tenant_id text NOT NULL REFERENCES tenants(id),
  company_id text NOT NULL REFERENCES companies(id),
  invoice_id text NOT NULL REFERENCES invoices(id),
  file_date date NOT NULL,
  record text NOT NULL CHECK (length(record) = 80),
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX autogiro_records_file ON autogiro_records(company_id, file_date, created_at);
