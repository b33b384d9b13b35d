-- A counteroffer's components, like our offers', so the two compare like for like (total over
-- the period and per year). `basis` says what was recorded: `components`, or `annual` for a
-- single yearly figure (every counteroffer recorded before this migration: its one value was
-- compared with our annualised offer, so it is kept as an annual base). `value` keeps the
-- annualised value.
ALTER TABLE counteroffers ADD COLUMN base BIGINT NOT NULL DEFAULT 0;
ALTER TABLE counteroffers ADD COLUMN bonus BIGINT NOT NULL DEFAULT 0;
ALTER TABLE counteroffers ADD COLUMN sign_on BIGINT NOT NULL DEFAULT 0;
ALTER TABLE counteroffers ADD COLUMN equity BIGINT NOT NULL DEFAULT 0;
ALTER TABLE counteroffers ADD COLUMN vesting_months BIGINT NOT NULL DEFAULT 0;
ALTER TABLE counteroffers ADD COLUMN cliff_months BIGINT NOT NULL DEFAULT 0;
ALTER TABLE counteroffers ADD COLUMN basis TEXT NOT NULL DEFAULT 'annual';
UPDATE counteroffers SET base = value;
