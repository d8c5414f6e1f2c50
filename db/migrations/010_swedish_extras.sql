-- Kivra: the company's tenant key at Kivra, and the person's personal identity number (12 digits).
ALTER TABLE companies ADD COLUMN kivra_tenant_key text;
ALTER TABLE persons ADD COLUMN personal_identity_number text
  CHECK (personal_identity_number ~ '^[0-9]{12}$');

-- Reminder fee (at most the statutory 60 kr) and late-payment interest (reference rate + 8 points).
ALTER TABLE companies ADD COLUMN reminder_fee integer NOT NULL DEFAULT 0 CHECK (reminder_fee BETWEEN 0 AND 6000);
ALTER TABLE companies ADD COLUMN late_interest_mode text NOT NULL DEFAULT 'none'
  CHECK (late_interest_mode IN ('none', 'reference_plus_8'));
ALTER TABLE companies ADD COLUMN reference_rate_percent numeric(5, 2);
ALTER TABLE companies ADD COLUMN reference_rate_date date;
ALTER TABLE companies ADD CONSTRAINT late_interest_has_rate
  CHECK (late_interest_mode = 'none' OR (reference_rate_percent IS NOT NULL AND reference_rate_date IS NOT NULL));

-- What the latest reminder charged (fee, interest and its day count, the new total and due date),
-- and what a reminder in flight would give back if it fails.
ALTER TABLE invoices ADD COLUMN reminder_charges jsonb;
ALTER TABLE invoices ADD COLUMN previous_reminder_charges jsonb;

-- One envelope per customer in a print run.
ALTER TABLE companies ADD COLUMN combine_envelopes boolean NOT NULL DEFAULT true;
