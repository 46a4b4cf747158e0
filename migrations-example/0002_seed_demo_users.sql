-- migrate:description Seed 12,000 demo users, so the backfill in 0004 has real work to do

-- migrate:expand
INSERT INTO users (username, email)
WITH RECURSIVE seq(n) AS (
    SELECT 1
    UNION ALL
    SELECT n + 1 FROM seq WHERE n < 12000
)
SELECT 'user' || n, 'user' || n || '@example.com' FROM seq;

-- migrate:expand:down
DELETE FROM users WHERE username LIKE 'user%' AND email LIKE 'user%@example.com';
