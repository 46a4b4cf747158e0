-- migrate:description Add orders.status, NOT NULL with a constant default (no table rewrite)

-- migrate:expand
ALTER TABLE orders ADD COLUMN status VARCHAR(20) NOT NULL DEFAULT 'pending';

-- migrate:expand:down
ALTER TABLE orders DROP COLUMN status;
