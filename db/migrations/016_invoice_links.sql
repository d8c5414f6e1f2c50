-- The invoice page (API.md "From delivered to paid"): GET /i/{token} shows the invoice without a
-- login. A random token (256 bits) is made for each e-mail delivery and kept here only as its
-- SHA-256, so the table cannot be used to open an invoice; it expires 90 days after the due date.
-- An attempt that writes the e-mail makes its own token (a retry cannot read back the one before,
-- and an e-mail already accepted with it must keep working), so a delivery may have more than one.
CREATE TABLE invoice_links (
  token_hash bytea PRIMARY KEY CHECK (octet_length(token_hash) = 32),
  tenant_id text NOT NULL REFERENCES tenants(id),
  invoice_id text NOT NULL REFERENCES invoices(id),
  -- The delivery (send workflow) the link was e-mailed with, and its document.
  workflow_id text NOT NULL,
  document_id text REFERENCES documents(id),
  kind text NOT NULL CHECK (kind IN ('invoice', 'reminder')),
  language text NOT NULL CHECK (language IN ('sv', 'en')),
  expires_at timestamptz NOT NULL,
  viewed_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX invoice_links_invoice ON invoice_links (tenant_id, invoice_id);
CREATE INDEX invoice_links_workflow ON invoice_links (workflow_id);

-- The first view of any of the invoice's pages (the history says which delivery's).
ALTER TABLE invoices ADD COLUMN viewed_at timestamptz;
-- With a Swish number the page also offers Swish for the amount, with the OCR as message.
ALTER TABLE companies ADD COLUMN swish_number text;
