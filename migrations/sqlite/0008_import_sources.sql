-- Which files each record was imported from (see DESIGN.md, "Re-import is sync"). A file
-- is the source of the records it describes: importing it again removes those it no
-- longer describes, unless another file also describes them or they were edited through
-- the API since. `version` is the record's version when an import last wrote or confirmed
-- it; a record whose version is higher was edited through the API since.
CREATE TABLE import_sources (
    entity_type     TEXT NOT NULL,
    entity_id       INTEGER NOT NULL,
    file            TEXT NOT NULL,
    version         INTEGER NOT NULL,
    PRIMARY KEY (entity_type, entity_id, file)
);
CREATE INDEX import_sources_file ON import_sources (file);

-- Records imported before this migration: their page and their `.bib` file.
INSERT INTO import_sources (entity_type, entity_id, file, version)
    SELECT 'resource', id, source_file, version FROM resources WHERE source_file IS NOT NULL;
INSERT INTO import_sources (entity_type, entity_id, file, version)
    SELECT 'resource', id, enriched_from, version FROM resources
    WHERE enriched_from IS NOT NULL AND enriched_from <> COALESCE(source_file, '')
    ON CONFLICT DO NOTHING;
INSERT INTO import_sources (entity_type, entity_id, file, version)
    SELECT 'concept', id, source_file, version FROM concepts WHERE source_file IS NOT NULL;
