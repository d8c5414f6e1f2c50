-- The dunning list: a company's sent or reminded invoices by due date.
CREATE INDEX invoices_dunning ON invoices(tenant_id, company_id, due_date) WHERE status IN ('sent', 'reminder');
-- The invoice list filtered by status, in id order.
CREATE INDEX invoices_by_status ON invoices(tenant_id, company_id, status, id);
CREATE INDEX deliveries_invoice ON deliveries(invoice_id);
CREATE INDEX deliveries_print_batch ON deliveries(print_batch_id) WHERE print_batch_id IS NOT NULL;
-- Idempotency keys live 24 hours; the purge finds the old ones by age.
CREATE INDEX idempotency_keys_created ON idempotency_keys(created_at);
-- A print batch is merged into one PDF once; it is merged again only when deliveries joined it since.
ALTER TABLE print_batches ADD COLUMN merged_pdf bytea, ADD COLUMN merged_delivery_count integer;
