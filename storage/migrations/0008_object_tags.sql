-- An object's hashtags, also kept on its row: an edit or a deletion
-- clears exactly those entries of object_tags by their key, where an index
-- on object_tags(object_iri) would cost every insert.
ALTER TABLE objects ADD COLUMN tags TEXT NOT NULL DEFAULT '';

UPDATE objects SET tags = COALESCE((SELECT group_concat(tag, ' ') FROM object_tags WHERE object_iri = objects.iri), '')
    WHERE iri IN (SELECT object_iri FROM object_tags);
