-- expect: renaming-table
RENAME TABLE accounts TO users;
-- expect: dropping-database
DROP DATABASE legacy;
-- expect: syntax-error
ALTER TABLE accounts ADD COLUMN;
