-- E-discovery: searches a compliance officer saves for a matter. The
-- index itself is a directory per node (<data dir>/ediscovery), fed from
-- the journal; nothing of it is in the database.
CREATE TABLE ediscovery_saved_searches (
    id         TEXT PRIMARY KEY,
    matter     TEXT NOT NULL,               -- as legal holds name it
    name       TEXT NOT NULL,
    query      TEXT NOT NULL DEFAULT '',    -- the search language
    filters    TEXT NOT NULL DEFAULT '{}',  -- JSON: compliance.DiscoveryFilters
    sort       TEXT NOT NULL DEFAULT 'newest',
    created_by TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX ediscovery_saved_searches_matter ON ediscovery_saved_searches (matter, created_at);
