-- A hard-bounced invoice e-mail is sent again by the company's fallback method unless turned off.
ALTER TABLE companies ADD COLUMN bounce_fallback boolean NOT NULL DEFAULT true;
-- A send made because an e-mail bounced: only the fallback method, never e-mail again.
ALTER TABLE invoices ADD COLUMN pending_after_bounce boolean NOT NULL DEFAULT false;
