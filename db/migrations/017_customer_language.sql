-- A customer's language (API.md "From delivered to paid"): the PDF, the e-mail and the invoice
-- page are in it; without one, in the template's language, else Swedish.
ALTER TABLE persons ADD COLUMN language text CHECK (language IN ('sv', 'en'));
ALTER TABLE organizations ADD COLUMN language text CHECK (language IN ('sv', 'en'));
