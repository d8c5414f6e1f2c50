-- Back-office sign-ins: the browser holds a random token in an HttpOnly cookie; only its hash is
-- kept here, with the tenant it signed in as and the CSRF token every form of the session carries.
CREATE TABLE back_office_sessions (
  token_hash text PRIMARY KEY,
  tenant_id text NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  csrf_token text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  expires_at timestamptz NOT NULL
);
CREATE INDEX back_office_sessions_expiry ON back_office_sessions(expires_at);
