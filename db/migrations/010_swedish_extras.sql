-- Kivra: the company's tenant key at Kivra, and the person's personal identity number (12 digits).
ALTER TABLE companies ADD COLUMN kivra_tenant_key text;
ALTER TABLE persons ADD COLUMN personal_identity_number text
  CHECK (personal_identity_number ~ '^[0-9]{12}$');

-- Reminder fee (at most the statutory 60 kr) and late-payment interest (reference rate + 8 points).
ALTER TABLE companies ADD COLUMN reminder_fee integer NOT NULL DEFAULT 0 CHECK (reminder_fee BETWEEN 0 AND 6000);
ALTER TABLE companies ADD COLUMN late_interest_mode text NOT NULL DEFAULT 'none'
  CHECK (late_interest_mode IN ('none', 'reference_plus_8'));
ALTER TABLE companies ADD COLUMN reference_rate_percent numeric(5, 2);
ALTER TABLE companies ADD COLUMN reference_rate_date date;
ALTER TABLE companies ADD CONSTRAINT late_interest_has_rate
  CHECK (late_interest_mode = 'none' OR (reference_rate_percent IS NOT NULL AND reference_rate_date IS NOT NULL));

-- What the latest reminder charged (fee, interest and its day count, the new total and due date),
-- and what a reminder in flight would give back if it fails.
ALTER TABLE invoices ADD COLUMN reminder_charges jsonb;
ALTER TABLE invoices ADD COLUMN previous_reminder_charges jsonb;

-- One envelope per customer in a print run.
ALTER TABLE companies ADD COLUMN combine_envelopes boolean NOT NULL DEFAULT true;

-- Central print: the letters of one send run to one address share an envelope. The first letter
-- opens it; the one that seals it (when every sibling has joined or gone another way) submits
-- one print job for all of them; the others take that job's id.
CREATE TABLE print_envelopes (
  id text PRIMARY KEY,
  tenant_id text NOT NULL REFERENCES tenants(id),
  company_id text NOT NULL REFERENCES companies(id),
  send_request_id text NOT NULL,
  recipient text NOT NULL,
  opened_at timestamptz NOT NULL DEFAULT now(),
  sealed_at timestamptz,
  sealed_by text,
  -- Holds as many letters as one envelope takes: the next letter opens another.
  is_full boolean NOT NULL DEFAULT false,
  content bytea,
  page_count integer,
  job_id text,
  failure text
);
CREATE UNIQUE INDEX print_envelopes_open ON print_envelopes(send_request_id, company_id, recipient) WHERE sealed_at IS NULL AND NOT is_full;
CREATE TABLE print_envelope_letters (
  workflow_id text PRIMARY KEY,
  envelope_id text NOT NULL REFERENCES print_envelopes(id),
  invoice_id text NOT NULL REFERENCES invoices(id),
  joined_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX print_envelope_letters_envelope ON print_envelope_letters(envelope_id);
-- A letter's siblings: the same customer's other invoices in the same run.
CREATE INDEX invoices_customer ON invoices(company_id, person_id);
CREATE INDEX send_run_items_invoice ON send_run_items(invoice_id);
