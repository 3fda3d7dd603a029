-- Citation keys a resource answers to besides its own (see DESIGN.md, "Identity"): the
-- keys of `.bib` entries and pages that an import found to be the same work as a stored
-- resource with another key. `GET /resources/{key}` redirects from them, and exports
-- keep them citable. A key is unique ignoring case across `resources.citation_key` and
-- this table (the store checks the first; this table's key checks the second).
CREATE TABLE citation_key_aliases (
    key_lower       TEXT PRIMARY KEY,
    key             TEXT NOT NULL,
    resource_id     BIGINT NOT NULL REFERENCES resources (id) ON DELETE CASCADE
);
CREATE INDEX citation_key_aliases_resource ON citation_key_aliases (resource_id);
