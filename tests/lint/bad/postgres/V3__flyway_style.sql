-- A Flyway migration: plain SQL, phase unknown.
-- expect: unbatched-data-change
UPDATE accounts SET active = true;
-- expect: not-null-column-without-default
ALTER TABLE accounts ADD COLUMN tier integer NOT NULL;
-- expect: constraint-without-not-valid
ALTER TABLE accounts ADD CONSTRAINT accounts_org_fk FOREIGN KEY (org_id) REFERENCES orgs (id);
-- expect: syntax-error
ALTER TABLE accounts ADD COLUMN ;
-- expect: volatile-default
ALTER TABLE accounts ADD COLUMN token uuid DEFAULT gen_random_uuid();
