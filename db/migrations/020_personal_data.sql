-- Personal data (API.md "Personal data"): a person's erasure, what it kept for the Bookkeeping Act
-- (bokföringslagen: seven years after the end of the invoice's calendar year) and what the daily
-- retention job deleted once that time had passed.
ALTER TABLE persons ADD COLUMN erased_at timestamptz;

CREATE TABLE person_erasures (
  id text PRIMARY KEY,
  tenant_id text NOT NULL REFERENCES tenants(id),
  person_id text NOT NULL REFERENCES persons(id),
  -- The clerk's reason, as given.
  reason text NOT NULL,
  erased_at timestamptz NOT NULL DEFAULT now(),
  -- How many stored values (table cells) and outbox files had a copy replaced.
  replaced_values integer NOT NULL,
  replaced_files integer NOT NULL
);
CREATE INDEX person_erasures_person ON person_erasures(tenant_id, person_id);

-- What an erasure kept: an issued document (invoice_pdf, reminder_pdf, ubl), or an invoice's
-- history (item_id = the invoice id), until its retention ends; deleted_at once the job deleted it.
CREATE TABLE retained_items (
  tenant_id text NOT NULL REFERENCES tenants(id),
  kind text NOT NULL CHECK (kind IN ('invoice_pdf', 'reminder_pdf', 'ubl', 'history')),
  item_id text NOT NULL,
  invoice_id text NOT NULL REFERENCES invoices(id),
  erasure_id text NOT NULL REFERENCES person_erasures(id),
  until date NOT NULL,
  deleted_at timestamptz,
  -- What the job deleted: the document's bytes, or the number of history entries.
  deleted_count integer,
  PRIMARY KEY (kind, item_id)
);
CREATE INDEX retained_items_due ON retained_items(until) WHERE deleted_at IS NULL;

-- An event's own payload, for events that announce no invoice (person.erased: ids only).
ALTER TABLE events ADD COLUMN data jsonb;
