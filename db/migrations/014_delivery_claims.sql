-- The attempt that is delivering an e-mail right now, and until when its claim holds unless
-- renewed. SMTP cannot recognise a message sent twice, so two attempts of one send (a retry
-- Temporal starts after a heartbeat timeout while the first attempt still talks to the server)
-- must never both hand it over: the second finds the claim held and is retried later.
ALTER TABLE deliveries ADD COLUMN claimed_by text, ADD COLUMN claimed_until timestamptz;
