-- Webhook endpoints (Standard Webhooks) and every delivery attempt made to them.
CREATE TABLE webhook_endpoints (
  id text PRIMARY KEY,
  tenant_id text NOT NULL REFERENCES tenants(id),
  url text NOT NULL,
  events text[] NOT NULL,
  description text,
  enabled boolean NOT NULL DEFAULT true,
  -- The signing key (whsec_…): needed for every signature, so kept, never shown after creation.
  secret text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  deleted_at timestamptz,
  -- How far into the feed this endpoint has been served: only events after creation are sent.
  cursor_txid xid8 NOT NULL DEFAULT pg_current_xact_id(),
  cursor_seq bigint NOT NULL DEFAULT 0
);
CREATE INDEX webhook_endpoints_tenant ON webhook_endpoints(tenant_id, created_at) WHERE deleted_at IS NULL;

CREATE TABLE webhook_deliveries (
  id bigserial PRIMARY KEY,
  endpoint_id text NOT NULL REFERENCES webhook_endpoints(id),
  event_id text NOT NULL,
  event_type text NOT NULL,
  attempt integer NOT NULL,
  at timestamptz NOT NULL DEFAULT clock_timestamp(),
  response_status integer,
  error text,
  succeeded boolean NOT NULL
);
CREATE INDEX webhook_deliveries_endpoint ON webhook_deliveries(endpoint_id, id DESC);

-- A `webhook.test` event is for one endpoint only, and not part of the public feed.
ALTER TABLE events ADD COLUMN endpoint_id text REFERENCES webhook_endpoints(id);
