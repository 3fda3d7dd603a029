-- What a learner should take away from the page section that defines a concept (a book
-- page's `Key takeaways`), as a JSON array of strings.
ALTER TABLE concepts ADD COLUMN learning_objectives TEXT NOT NULL DEFAULT '[]';
