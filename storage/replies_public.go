package storage

import (
	"context"
	"fmt"
)

// PublicReplies pages the live public replies to an object, oldest first:
// what its replies collection shows to everyone. A reply addressed to its
// author's followers alone is theirs to read and is left out.
func (db *DB) PublicReplies(ctx context.Context, iri string, offset, limit int) (total int, iris []string, err error) {
	const where = "FROM objects WHERE in_reply_to = ? AND deleted = 0 AND public = 1"
	if err := db.queryRow(ctx, "SELECT COUNT(*) "+where, iri).Scan(&total); err != nil {
		return 0, nil, fmt.Errorf("count public replies to %s: %w", iri, err)
	}
	if limit == 0 {
		return total, nil, nil
	}
	rows, err := db.read.QueryContext(ctx, "SELECT iri "+where+" ORDER BY id LIMIT ? OFFSET ?", iri, limit, offset)
	if err != nil {
		return 0, nil, fmt.Errorf("list public replies to %s: %w", iri, err)
	}
	defer rows.Close()
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			return 0, nil, fmt.Errorf("list public replies to %s: %w", iri, err)
		}
		iris = append(iris, s)
	}
	return total, iris, rows.Err()
}
