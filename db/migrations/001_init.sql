-- Core schema. Every tenant-owned table carries tenant_id so that every query can filter on it.
CREATE TABLE tenants (
  id text PRIMARY KEY,
  name text NOT NULL,
  api_key_hash text NOT NULL UNIQUE,
  created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE companies (
  id text PRIMARY KEY,
  tenant_id text NOT NULL REFERENCES tenants(id),
  name text NOT NULL,
  org_number text NOT NULL,
  vat_number text,
  address jsonb NOT NULL,
  email text,
  phone text,
  bankgiro text,
  autogiro_customer_number text,
  peppol_id text,
  logo bytea,
  logo_content_type text,
  active_methods text[] NOT NULL DEFAULT '{}',
  default_method text,
  fallback_method text,
  reminder_distribution boolean NOT NULL DEFAULT false,
  undo_window_seconds integer NOT NULL DEFAULT 300 CHECK (undo_window_seconds BETWEEN 0 AND 86400),
  link_invoice_to_organization boolean NOT NULL DEFAULT false,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX companies_tenant ON companies(tenant_id);

CREATE TABLE templates (
  id text PRIMARY KEY,
  tenant_id text NOT NULL REFERENCES tenants(id),
  company_id text NOT NULL REFERENCES companies(id),
  name text NOT NULL,
  language text NOT NULL CHECK (language IN ('sv', 'en')),
  header_text text,
  footer_text text,
  accent_color text,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX templates_company ON templates(tenant_id, company_id);

CREATE TABLE organizations (
  id text PRIMARY KEY,
  tenant_id text NOT NULL REFERENCES tenants(id),
  name text NOT NULL,
  org_number text,
  email text,
  invoice_email text,
  address jsonb,
  distribution_method text,
  peppol_id text,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX organizations_tenant ON organizations(tenant_id);

CREATE TABLE invoice_references (
  id text PRIMARY KEY,
  tenant_id text NOT NULL REFERENCES tenants(id),
  organization_id text NOT NULL REFERENCES organizations(id),
  name text NOT NULL,
  email text,
  address jsonb,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX invoice_references_org ON invoice_references(tenant_id, organization_id);

CREATE TABLE persons (
  id text PRIMARY KEY,
  tenant_id text NOT NULL REFERENCES tenants(id),
  name text NOT NULL,
  email text,
  invoice_email text,
  address jsonb,
  distribution_method text,
  organization_id text REFERENCES organizations(id),
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX persons_tenant ON persons(tenant_id);

CREATE TABLE invoices (
  id text PRIMARY KEY,
  tenant_id text NOT NULL REFERENCES tenants(id),
  company_id text NOT NULL REFERENCES companies(id),
  number text NOT NULL,
  status text NOT NULL CHECK (status IN ('unsent','pending_send','sent','reminder','credited','paid')),
  person_id text NOT NULL REFERENCES persons(id),
  organization_id text REFERENCES organizations(id),
  invoice_reference_id text REFERENCES invoice_references(id),
  issue_date date NOT NULL,
  due_date date NOT NULL,
  currency text NOT NULL DEFAULT 'SEK',
  ocr text NOT NULL,
  email text,
  email_is_manual boolean NOT NULL DEFAULT false,
  lines jsonb NOT NULL,
  net_amount bigint NOT NULL,
  vat_amount bigint NOT NULL,
  total_amount bigint NOT NULL,
  reminder_count integer NOT NULL DEFAULT 0,
  reminder_date date,
  central_print_count integer NOT NULL DEFAULT 0,
  last_delivery jsonb,
  -- The send in flight: which workflow owns the invoice and what to restore if it fails.
  pending_workflow_id text,
  pending_kind text CHECK (pending_kind IN ('invoice', 'reminder')),
  pending_template_id text,
  pending_request_id text,
  pending_since timestamptz,
  pending_undo_until timestamptz,
  previous_status text,
  previous_reminder_count integer,
  previous_reminder_date date,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (company_id, number),
  CHECK ((status = 'pending_send') = (pending_workflow_id IS NOT NULL))
);
CREATE INDEX invoices_tenant_company ON invoices(tenant_id, company_id, id);
CREATE INDEX invoices_pending ON invoices(pending_since) WHERE status = 'pending_send';

CREATE TABLE invoice_history (
  id bigserial PRIMARY KEY,
  tenant_id text NOT NULL REFERENCES tenants(id),
  invoice_id text NOT NULL REFERENCES invoices(id),
  at timestamptz NOT NULL DEFAULT clock_timestamp(),
  type text NOT NULL,
  message text NOT NULL,
  method text,
  recipient text,
  workflow_id text,
  error text,
  -- Lets an activity retried by Temporal write its entry once.
  dedupe_key text UNIQUE
);
CREATE INDEX invoice_history_invoice ON invoice_history(invoice_id, id);

CREATE TABLE documents (
  id text PRIMARY KEY,
  tenant_id text NOT NULL REFERENCES tenants(id),
  invoice_id text NOT NULL REFERENCES invoices(id),
  kind text NOT NULL CHECK (kind IN ('invoice_pdf', 'reminder_pdf', 'ubl')),
  content_type text NOT NULL,
  content bytea NOT NULL,
  workflow_id text,
  created_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (workflow_id, kind)
);
CREATE INDEX documents_invoice ON documents(invoice_id);

-- One row per delivery attempt owned by a workflow: the idempotency record of the channels.
CREATE TABLE deliveries (
  workflow_id text PRIMARY KEY,
  tenant_id text NOT NULL REFERENCES tenants(id),
  invoice_id text NOT NULL REFERENCES invoices(id),
  method text NOT NULL,
  recipient text NOT NULL,
  document_id text REFERENCES documents(id),
  -- Groups a send request's own-printer deliveries into one print batch.
  send_request_id text NOT NULL,
  external_id text,
  state text NOT NULL CHECK (state IN ('started', 'delivered')),
  created_at timestamptz NOT NULL DEFAULT now(),
  delivered_at timestamptz
);

CREATE TABLE idempotency_keys (
  tenant_id text NOT NULL REFERENCES tenants(id),
  key text NOT NULL,
  request_hash text NOT NULL,
  status_code integer,
  response jsonb,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, key)
);

-- Autogiro mandates: a payer's consent to direct debit by one company.
CREATE TABLE autogiro_mandates (
  id text PRIMARY KEY,
  tenant_id text NOT NULL REFERENCES tenants(id),
  company_id text NOT NULL REFERENCES companies(id),
  person_id text REFERENCES persons(id),
  organization_id text REFERENCES organizations(id),
  payer_number text NOT NULL,
  status text NOT NULL CHECK (status IN ('active', 'inactive')),
  created_at timestamptz NOT NULL DEFAULT now(),
  CHECK ((person_id IS NULL) <> (organization_id IS NULL))
);
CREATE INDEX autogiro_mandates_company ON autogiro_mandates(tenant_id, company_id);
