-- Lists and imports at scale (see DESIGN.md, "Scale"): every filter seeks an index that
-- also yields the list's id order, and imports find concepts by the keys they cite.

-- `level=` and `kind=` in id order (SQLite indexes end in the rowid already; the
-- explicit id keeps both backends' indexes alike).
DROP INDEX resources_level;
DROP INDEX resources_kind;
CREATE INDEX resources_level ON resources (level, id);
CREATE INDEX resources_kind ON resources (kind, id);
DROP INDEX concepts_category;
CREATE INDEX concepts_category ON concepts (category, id);
-- A concept's resources in id order: `topic=` and a concept's first resources stop
-- after a page.
CREATE INDEX links_source ON links (source_type, source_id, target_type, target_id);

-- The citation keys each concept's `{cite}` roles name, lower case: linking a resource
-- to the concepts that cite it is an index lookup, not a scan of every concept.
CREATE TABLE concept_citations (
    concept_id      INTEGER NOT NULL REFERENCES concepts (id) ON DELETE CASCADE,
    key_lower       TEXT NOT NULL,
    PRIMARY KEY (concept_id, key_lower)
);
CREATE INDEX concept_citations_key ON concept_citations (key_lower, concept_id);
INSERT OR IGNORE INTO concept_citations (concept_id, key_lower)
SELECT c.id, lower(j.value) FROM concepts c, json_each(c.citation_keys) j;
