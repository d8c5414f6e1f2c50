-- The attempt delivering an endpoint's events right now, and until when its claim holds unless
-- renewed: a retry Temporal starts after a missed heartbeat, while the first attempt still posts,
-- would otherwise post the same events again (seen once in a 1,000-invoice soak).
ALTER TABLE webhook_endpoints ADD COLUMN claimed_by text, ADD COLUMN claimed_until timestamptz;
