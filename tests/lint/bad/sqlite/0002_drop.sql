-- migrate:expand
-- expect: renaming-table
ALTER TABLE accounts RENAME TO users;
-- migrate:expand:down
ALTER TABLE users RENAME TO accounts;
-- migrate:backfill
UPDATE users SET active = 1 WHERE active IS NULL;
-- expect: contract-without-gate
-- migrate:contract
-- expect: unbatched-data-change
DELETE FROM sessions;
-- migrate:contract:down
SELECT 1;
