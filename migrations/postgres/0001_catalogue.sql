-- Resources, concepts, typed links and the change log (see DESIGN.md, "Data model").
-- Structured values (authors, attributes, aliases) are JSON text: they are read and
-- written whole, never queried by part.

CREATE TABLE resources (
    id              BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    slug            TEXT NOT NULL UNIQUE,
    kind            TEXT NOT NULL,
    title           TEXT NOT NULL,
    -- Normalised title and URL, computed by lore, for matching the same work on import.
    title_key       TEXT NOT NULL,
    url             TEXT,
    url_key         TEXT,
    level           TEXT,
    description     TEXT,
    authors         TEXT NOT NULL DEFAULT '[]',
    authors_truncated BIGINT NOT NULL DEFAULT 0,
    year            BIGINT,
    month           BIGINT,
    journal         TEXT,
    booktitle       TEXT,
    publisher       TEXT,
    institution     TEXT,
    volume          TEXT,
    number          TEXT,
    pages           TEXT,
    doi             TEXT,
    arxiv_id        TEXT,
    arxiv_class     TEXT,
    isbn            TEXT,
    urldate         TEXT,
    citation_key    TEXT,
    -- 'generated' keys give way once to the author's own key from a .bib entry;
    -- 'imported' keys never change.
    key_origin      TEXT,
    attributes      TEXT NOT NULL DEFAULT '{}',
    enriched_from   TEXT,
    source_file     TEXT,
    heading_path    TEXT NOT NULL DEFAULT '[]',
    source_line     BIGINT,
    version         BIGINT NOT NULL DEFAULT 1,
    created_at      TEXT NOT NULL,
    updated_at      TEXT NOT NULL
);
CREATE UNIQUE INDEX resources_citation_key ON resources (lower(citation_key));
CREATE INDEX resources_level ON resources (level);
CREATE INDEX resources_kind ON resources (kind);
CREATE INDEX resources_url_key ON resources (url_key);
CREATE INDEX resources_title_key ON resources (title_key);
CREATE INDEX resources_doi ON resources (lower(doi));
CREATE INDEX resources_arxiv_id ON resources (arxiv_id);

CREATE TABLE concepts (
    id              BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    slug            TEXT NOT NULL UNIQUE,
    name            TEXT NOT NULL,
    -- Normalised name, computed by lore, for matching the same concept on import.
    name_key        TEXT NOT NULL,
    category        TEXT,
    definition      TEXT,
    note            TEXT,
    aliases         TEXT NOT NULL DEFAULT '[]',
    citation_keys   TEXT NOT NULL DEFAULT '[]',
    source_file     TEXT,
    heading_path    TEXT NOT NULL DEFAULT '[]',
    source_line     BIGINT,
    version         BIGINT NOT NULL DEFAULT 1,
    created_at      TEXT NOT NULL,
    updated_at      TEXT NOT NULL
);
CREATE INDEX concepts_category ON concepts (category);
CREATE INDEX concepts_name_key ON concepts (name_key);

-- A link joins two records by id; `source_type`/`target_type` say which table.
CREATE TABLE links (
    id              BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    source_type     TEXT NOT NULL,
    source_id       BIGINT NOT NULL,
    relation        TEXT NOT NULL,
    target_type     TEXT NOT NULL,
    target_id       BIGINT NOT NULL,
    source_file     TEXT,
    source_line     BIGINT,
    created_at      TEXT NOT NULL,
    UNIQUE (source_type, source_id, relation, target_type, target_id)
);
CREATE INDEX links_target ON links (target_type, target_id);

-- Every write appends here in its own transaction; `seq` orders changes.
CREATE TABLE changes (
    seq             BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    entity          TEXT NOT NULL,
    entity_id       BIGINT NOT NULL,
    slug            TEXT NOT NULL,
    op              TEXT NOT NULL,
    at              TEXT NOT NULL,
    actor           TEXT
);
