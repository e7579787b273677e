-- Facts about the store itself, by name. `seal_check`: a known text sealed with the key the
-- store's tokens are sealed with, so an engine started with another key is refused at once
-- instead of failing every send.
CREATE TABLE store_facts (
    name   TEXT PRIMARY KEY,
    value  BLOB NOT NULL
);
