-- An e-mailed invoice that is neither viewed, paid nor credited this many bank days after the
-- e-mail is sent again as a letter (central print, else own printer) by a daily scan (API.md
-- "From delivered to paid"). Null: never.
ALTER TABLE companies ADD COLUMN unopened_letter_after_bank_days integer
  CHECK (unopened_letter_after_bank_days BETWEEN 1 AND 30);
