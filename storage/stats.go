package storage

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"time"
)

// QueueDepth is the delivery queue as a monitor sees it.
type QueueDepth struct {
	Pending int
	// OldestPending is when the oldest pending delivery was queued; zero
	// when nothing is pending. Its age says whether the queue keeps up.
	OldestPending time.Time
}

// DeliveryQueueDepth counts the pending deliveries and finds the oldest.
// It is DeliveryStats without the per-host breakdown, cheap enough for
// every metrics scrape.
func (db *DB) DeliveryQueueDepth(ctx context.Context) (QueueDepth, error) {
	var q QueueDepth
	var oldest sql.NullInt64
	err := db.queryRow(ctx, "SELECT COUNT(*), MIN(created_at) FROM deliveries WHERE state = 'pending'").Scan(&q.Pending, &oldest)
	if err != nil {
		return q, fmt.Errorf("delivery queue depth: %w", err)
	}
	if oldest.Valid {
		q.OldestPending = fromMillis(oldest.Int64)
	}
	return q, nil
}

// Sizes are the database's files in bytes.
type Sizes struct {
	// Database is the pages the main file holds (page_count × page_size),
	// free pages included.
	Database int64
	// Free is the part of Database in free pages, which VACUUM would give
	// back.
	Free int64
	// WAL is the write-ahead log beside it, which checkpoints copy back and
	// truncate.
	WAL int64
}

// Sizes reads the database's page counts and the size of its WAL file.
func (db *DB) Sizes(ctx context.Context) (Sizes, error) {
	var s Sizes
	var pages, free, pageSize int64
	err := db.queryRow(ctx, "SELECT p.page_count, f.freelist_count, s.page_size FROM pragma_page_count() p, pragma_freelist_count() f, pragma_page_size() s").
		Scan(&pages, &free, &pageSize)
	if err != nil {
		return s, fmt.Errorf("database size: %w", err)
	}
	s.Database, s.Free = pages*pageSize, free*pageSize
	fi, err := os.Stat(db.path + "-wal")
	switch {
	case err == nil:
		s.WAL = fi.Size()
	case !errors.Is(err, fs.ErrNotExist):
		return s, fmt.Errorf("wal size: %w", err)
	}
	return s, nil
}
