-- Event ids say nothing across tenants: a random id per event instead of the global sequence
-- (from which one tenant could read another's volume). Ids already given out stay as they are,
-- so cursors held by integrators keep working; the feed is ordered by (txid, seq), not by id.
ALTER TABLE events ALTER COLUMN id DROP EXPRESSION;
ALTER TABLE events ALTER COLUMN id SET DEFAULT ('evt_' || replace(gen_random_uuid()::text, '-', ''));
ALTER TABLE events ALTER COLUMN id SET NOT NULL;
