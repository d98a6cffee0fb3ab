package storage

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strconv"
	"strings"
	"time"
)

//go:embed migrations/*.sql
var migrationFiles embed.FS

// Migration is one numbered schema step.
type Migration struct {
	Version   int
	Name      string
	SQL       string
	AppliedAt time.Time // zero when pending
}

// ErrNewerSchema means the database was written by a newer Kring.
var ErrNewerSchema = errors.New("database schema is newer than this kring binary")

var migrations = mustLoadMigrations(migrationFiles)

func mustLoadMigrations(fsys fs.FS) []Migration {
	ms, err := loadMigrations(fsys)
	if err != nil {
		panic(err) // the embedded files are part of the binary: a bad name is a build bug
	}
	return ms
}

func loadMigrations(fsys fs.FS) ([]Migration, error) {
	names, err := fs.Glob(fsys, "migrations/*.sql")
	if err != nil {
		return nil, err
	}
	var ms []Migration
	for _, name := range names {
		base := strings.TrimSuffix(path.Base(name), ".sql")
		num, label, ok := strings.Cut(base, "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil || v <= 0 {
			return nil, fmt.Errorf("migration %s: name must be NNNN_what.sql", name)
		}
		body, err := fs.ReadFile(fsys, name)
		if err != nil {
			return nil, err
		}
		ms = append(ms, Migration{Version: v, Name: label, SQL: string(body)})
	}
	sort.Slice(ms, func(i, j int) bool { return ms[i].Version < ms[j].Version })
	for i, m := range ms {
		if m.Version != i+1 {
			return nil, fmt.Errorf("migration %04d_%s: versions must run 1, 2, 3... without gaps", m.Version, m.Name)
		}
	}
	return ms, nil
}

// LatestVersion is the schema version this binary writes.
func LatestVersion() int { return len(migrations) }

const createMigrationsTable = `CREATE TABLE IF NOT EXISTS schema_migrations (
    version    INTEGER PRIMARY KEY,
    name       TEXT    NOT NULL,
    applied_at INTEGER NOT NULL
) STRICT`

func (db *DB) migrateOnOpen(ctx context.Context, apply bool) error {
	if _, err := db.write.ExecContext(ctx, createMigrationsTable); err != nil {
		return fmt.Errorf("create schema_migrations: %w", err)
	}
	v, err := db.SchemaVersion(ctx)
	if err != nil {
		return err
	}
	if v > LatestVersion() {
		return fmt.Errorf("%w: %s is at version %d, this binary knows up to %d; run the newer kring, or restore a backup made before the upgrade",
			ErrNewerSchema, db.path, v, LatestVersion())
	}
	if apply {
		return db.MigrateTo(ctx, LatestVersion())
	}
	return nil
}

// SchemaVersion is the highest migration applied to the database.
func (db *DB) SchemaVersion(ctx context.Context) (int, error) {
	var v int
	err := db.write.QueryRowContext(ctx, "SELECT COALESCE(MAX(version), 0) FROM schema_migrations").Scan(&v)
	if err != nil {
		return 0, fmt.Errorf("read schema version: %w", err)
	}
	return v, nil
}

// MigrateTo applies the pending migrations up to version, each in its own
// transaction together with its record, so a failed step leaves the
// database at the step before.
func (db *DB) MigrateTo(ctx context.Context, version int) error {
	current, err := db.SchemaVersion(ctx)
	if err != nil {
		return err
	}
	for _, m := range migrations {
		if m.Version <= current || m.Version > version {
			continue
		}
		err := db.writeTx(ctx, func(tx *sql.Tx) error {
			if _, err := tx.ExecContext(ctx, m.SQL); err != nil {
				return err
			}
			_, err := tx.ExecContext(ctx, "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)",
				m.Version, m.Name, millis(db.now()))
			return err
		})
		if err != nil {
			return fmt.Errorf("apply migration %04d_%s: %w", m.Version, m.Name, err)
		}
	}
	return nil
}

// Migrations lists every migration the binary knows and, for applied ones,
// when they ran.
func (db *DB) Migrations(ctx context.Context) ([]Migration, error) {
	rows, err := db.read.QueryContext(ctx, "SELECT version, applied_at FROM schema_migrations")
	if err != nil {
		return nil, fmt.Errorf("list migrations: %w", err)
	}
	defer rows.Close()
	applied := map[int]time.Time{}
	for rows.Next() {
		var v int
		var at int64
		if err := rows.Scan(&v, &at); err != nil {
			return nil, fmt.Errorf("list migrations: %w", err)
		}
		applied[v] = fromMillis(at)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list migrations: %w", err)
	}
	out := make([]Migration, len(migrations))
	for i, m := range migrations {
		m.AppliedAt = applied[m.Version]
		out[i] = m
	}
	return out, nil
}
