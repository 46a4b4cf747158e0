-- expect-file: missing-down
CREATE TABLE tags (id BIGINT PRIMARY KEY, name TEXT);
