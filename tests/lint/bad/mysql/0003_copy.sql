-- expect: contract-without-gate
-- migrate:contract
-- expect: mysql-table-copy
ALTER TABLE accounts CONVERT TO CHARACTER SET utf8mb4;
-- migrate:contract:down
SELECT 1;
