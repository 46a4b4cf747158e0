-- migrate:description An index built with a lock, and a drop before its time
-- migrate:expand
-- expect: non-concurrent-index
CREATE INDEX accounts_email ON accounts (email);
-- migrate:expand:down
DROP INDEX CONCURRENTLY accounts_email;

-- migrate:expand
-- expect: destructive-outside-contract
ALTER TABLE accounts DROP COLUMN nickname;
-- migrate:expand:down
ALTER TABLE accounts ADD COLUMN nickname text;
