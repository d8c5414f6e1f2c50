-- A bank's payment file naming an erased person (BgMax carries the payer's name and address) is
-- kept as the company's accounting record until its retention ends, like the issued documents;
-- it belongs to no one invoice.
ALTER TABLE retained_items DROP CONSTRAINT retained_items_kind_check;
ALTER TABLE retained_items ADD CONSTRAINT retained_items_kind_check
  CHECK (kind IN ('invoice_pdf', 'reminder_pdf', 'ubl', 'history', 'payment_file'));
ALTER TABLE retained_items ALTER COLUMN invoice_id DROP NOT NULL;
CREATE INDEX retained_items_erasure ON retained_items(erasure_id);
