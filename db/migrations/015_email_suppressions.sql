-- A company's suppression list: addresses its invoices and reminders are not e-mailed to, because
-- an e-mail to them bounced for good (5.x.x). Planning and the send preview pass e-mail over for an
-- invoice whose e-mail is listed (code email_suppressed), so the fallback takes it at once; a clerk
-- removes an address to e-mail it again. Addresses are kept lower-cased and trimmed, and matched
-- so against the invoice's e-mail: another address on the invoice is not suppressed.
CREATE TABLE email_suppressions (
  tenant_id text NOT NULL REFERENCES tenants(id),
  company_id text NOT NULL REFERENCES companies(id),
  email text NOT NULL CHECK (email = lower(btrim(email)) AND email <> ''),
  -- The receiving server's words for the bounce.
  reason text NOT NULL,
  -- The invoice whose e-mail bounced, and the send that e-mailed it.
  invoice_id text REFERENCES invoices(id),
  workflow_id text,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (company_id, email)
);
CREATE INDEX email_suppressions_tenant ON email_suppressions (tenant_id, company_id, created_at DESC);
