-- Sorting and filtering lists (see DESIGN.md, "Querying"). The keys are computed by lore
-- (ASCII-folded, lower case); rows written before this migration get them when the
-- store opens (`title_sort IS NULL` marks them). Sort and match keys are ASCII and
-- compare as bytes (the "C" collation), as in SQLite.

-- Letters and digits of the title, for `sort=title`.
ALTER TABLE resources ADD COLUMN title_sort TEXT COLLATE "C";
-- The journal's or, failing that, the book title's match key, for `venue=`.
ALTER TABLE resources ADD COLUMN venue_key TEXT COLLATE "C";
ALTER TABLE concepts ADD COLUMN name_sort TEXT COLLATE "C";

-- The keys each resource's authors are found by (`author=`): family names with and
-- without their particle, organisations' names.
CREATE TABLE resource_authors (
    resource_id     BIGINT NOT NULL REFERENCES resources (id) ON DELETE CASCADE,
    family_key      TEXT COLLATE "C" NOT NULL,
    PRIMARY KEY (resource_id, family_key)
);
CREATE INDEX resource_authors_family_key ON resource_authors (family_key, resource_id);

-- One index per sort order, its last column the tie-break; scanned backwards for `-key`.
CREATE INDEX resources_title_sort ON resources (title_sort, id);
-- Records without a year sort (and are stored in the index) as year -2147483648.
CREATE INDEX resources_year_sort ON resources (COALESCE(year, -2147483648), id);
CREATE INDEX resources_created_at ON resources (created_at, id);
-- Also serves `updated_since=`.
CREATE INDEX resources_updated_at ON resources (updated_at, id);
CREATE INDEX resources_venue_key ON resources (venue_key);
-- `has=`: partial indexes hold only the rows that have the identifier.
CREATE INDEX resources_has_doi ON resources (id) WHERE doi IS NOT NULL;
CREATE INDEX resources_has_url ON resources (id) WHERE url IS NOT NULL;
CREATE INDEX resources_has_arxiv ON resources (id) WHERE arxiv_id IS NOT NULL;

CREATE INDEX concepts_name_sort ON concepts (name_sort, id);
CREATE INDEX concepts_created_at ON concepts (created_at, id);
CREATE INDEX concepts_updated_at ON concepts (updated_at, id);
