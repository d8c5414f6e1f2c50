-- Postage of one letter in öre, set by the company: the send preview estimates a run's postage
-- from it (letters × postage). Null until set: no estimate.
ALTER TABLE companies ADD COLUMN postage_per_letter integer CHECK (postage_per_letter >= 0);
