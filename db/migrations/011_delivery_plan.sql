-- The plan a delivery was begun with (method, recipient, the methods passed over and why), so a
-- retried send records what was actually delivered instead of planning again.
ALTER TABLE deliveries ADD COLUMN plan jsonb;
