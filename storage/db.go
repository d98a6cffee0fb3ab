package storage

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"time"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"kring/content"
)

// FileName is the database's name inside the data folder.
const FileName = "kring.db"

// ErrNotInitialised means the data folder holds no Kring database yet.
var ErrNotInitialised = errors.New("node not initialised")

// DB is the node's database: one writer connection, so writes queue in
// Go rather than fail with SQLITE_BUSY, and a pool of readers sized to the
// cores (more readers starve the writer).
type DB struct {
	path  string
	write *sql.DB
	read  *sql.DB
	now   func() time.Time

	// stmts caches prepared read statements by query text: preparing per
	// call costs more than the read itself (33 µs against 8 µs here).
	stmts sync.Map // string -> *sql.Stmt

	ckpt *checkpointer // copies the WAL back beside the writer (checkpoint.go)
}

// Options says how to open a database.
type Options struct {
	// Create makes the file when it does not exist; otherwise Open fails
	// with ErrNotInitialised.
	Create bool
	// Migrate applies pending migrations. Without it a database behind the
	// binary is opened as it is (for `kring migrate status`).
	Migrate bool
	// Readers is the size of the reader pool; 0 means the number of cores.
	Readers int
}

// Open opens the database at path with the pragmas Kring relies on and
// checks that they took. A database written by a newer Kring is refused.
func Open(ctx context.Context, path string, opts Options) (*DB, error) {
	if !opts.Create {
		if _, err := os.Stat(path); errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("open %s: %w", path, ErrNotInitialised)
		}
	}
	if opts.Create {
		if err := createPrivate(path); err != nil {
			return nil, err
		}
	}
	db := &DB{path: path, now: time.Now}
	var err error
	if db.write, err = sql.Open("sqlite", dsn(path, false)); err != nil {
		return nil, fmt.Errorf("open writer %s: %w", path, err)
	}
	db.write.SetMaxOpenConns(1)
	db.write.SetMaxIdleConns(1)
	db.write.SetConnMaxLifetime(0)
	db.write.SetConnMaxIdleTime(0)
	if err := db.checkPragmas(ctx); err != nil {
		db.write.Close()
		return nil, err
	}
	readers := opts.Readers
	if readers <= 0 {
		readers = runtime.NumCPU()
	}
	if db.read, err = sql.Open("sqlite", dsn(path, true)); err != nil {
		db.write.Close()
		return nil, fmt.Errorf("open readers %s: %w", path, err)
	}
	db.read.SetMaxOpenConns(readers)
	db.read.SetMaxIdleConns(readers)
	if err := db.migrateOnOpen(ctx, opts.Migrate); err != nil {
		db.Close()
		return nil, err
	}
	if db.ckpt, err = startCheckpointer(path); err != nil {
		db.Close()
		return nil, err
	}
	return db, nil
}

// createPrivate makes a new node's data folder, database file and media
// folder its user's alone (0700, 0600, 0700), whatever the umask: the
// database holds every private key. The file is made here, empty (an empty
// file is an empty SQLite database), because SQLite gives the -wal and
// -shm files it creates the mode of the database file, and would make them
// before any later chmod. A folder that exists already is narrowed only
// when the database is new in it, so that `kring init` in an empty folder
// made by hand (0755) yields a node `kring serve` accepts.
func createPrivate(path string) error {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("create data folder: %w", err)
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, fs.ErrExist) {
		return nil // an existing node: serve's start check judges its modes
	}
	if err != nil {
		return fmt.Errorf("create %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("create %s: %w", path, err)
	}
	for p, mode := range map[string]fs.FileMode{path: 0o600, dir: 0o700} {
		if err := os.Chmod(p, mode); err != nil { // the umask may have taken bits off 0600, never added any
			return fmt.Errorf("restrict %s: %w", p, err)
		}
	}
	if err := os.MkdirAll(MediaDir(dir), 0o700); err != nil {
		return fmt.Errorf("create media folder: %w", err)
	}
	return nil
}

func dsn(path string, readOnly bool) string {
	q := url.Values{}
	q.Add("_pragma", "busy_timeout(10000)")
	q.Add("_pragma", "foreign_keys(1)")
	q.Add("_pragma", "synchronous(NORMAL)")
	if readOnly {
		q.Add("_pragma", "query_only(1)")
	} else {
		q.Add("_pragma", "journal_mode(WAL)")
		// Checkpoints run on a connection of their own (checkpoint.go).
		q.Add("_pragma", "wal_autocheckpoint(0)")
		q.Add("_pragma", fmt.Sprintf("journal_size_limit(%d)", walSizeLimit))
		// BEGIN IMMEDIATE takes the write lock up front, so a transaction
		// never fails half-way when upgrading from a read lock.
		q.Set("_txlock", "immediate")
	}
	return "file:" + path + "?" + q.Encode()
}

// checkPragmas reads the settings back: a pragma that silently did not
// apply (WAL on a read-only folder, say) would cost durability or speed.
func (db *DB) checkPragmas(ctx context.Context) error {
	var mode string
	if err := db.write.QueryRowContext(ctx, "PRAGMA journal_mode").Scan(&mode); err != nil {
		return fmt.Errorf("open %s: %w", db.path, explainOpen(err))
	}
	if !strings.EqualFold(mode, "wal") {
		return fmt.Errorf("open %s: journal_mode is %q, want wal", db.path, mode)
	}
	var fk, sync int
	if err := db.write.QueryRowContext(ctx, "PRAGMA foreign_keys").Scan(&fk); err != nil {
		return fmt.Errorf("read foreign_keys: %w", err)
	}
	if err := db.write.QueryRowContext(ctx, "PRAGMA synchronous").Scan(&sync); err != nil {
		return fmt.Errorf("read synchronous: %w", err)
	}
	if fk != 1 || sync != 1 {
		return fmt.Errorf("open %s: foreign_keys=%d synchronous=%d, want 1 and 1 (NORMAL)", db.path, fk, sync)
	}
	var autoCheckpoint int
	if err := db.write.QueryRowContext(ctx, "PRAGMA wal_autocheckpoint").Scan(&autoCheckpoint); err != nil {
		return fmt.Errorf("read wal_autocheckpoint: %w", err)
	}
	if autoCheckpoint != 0 {
		return fmt.Errorf("open %s: wal_autocheckpoint=%d, want 0 (checkpoints run in the background)", db.path, autoCheckpoint)
	}
	return nil
}

func explainOpen(err error) error {
	var se *sqlite.Error
	if errors.As(err, &se) && se.Code() == sqlite3.SQLITE_NOTADB {
		return fmt.Errorf("not a Kring database (file is not SQLite): %w", err)
	}
	return err
}

// Path is the database file's path.
func (db *DB) Path() string { return db.path }

// queryRow runs a hot read through a cached prepared statement.
func (db *DB) queryRow(ctx context.Context, query string, args ...any) *sql.Row {
	if st, ok := db.stmts.Load(query); ok {
		return st.(*sql.Stmt).QueryRowContext(ctx, args...)
	}
	st, err := db.read.PrepareContext(ctx, query)
	if err != nil {
		// Let the unprepared query report the error through the Row.
		return db.read.QueryRowContext(ctx, query, args...)
	}
	if prev, loaded := db.stmts.LoadOrStore(query, st); loaded {
		st.Close()
		st = prev.(*sql.Stmt)
	}
	return st.QueryRowContext(ctx, args...)
}

// Close checkpoints the WAL and closes every connection.
func (db *DB) Close() error {
	var errs []error
	db.stmts.Range(func(k, v any) bool {
		v.(*sql.Stmt).Close()
		db.stmts.Delete(k)
		return true
	})
	if db.ckpt != nil {
		errs = append(errs, db.ckpt.close())
	}
	if db.read != nil {
		errs = append(errs, db.read.Close())
	}
	if db.write != nil {
		// Fold the WAL back so the file alone is a complete copy.
		_, _ = db.write.Exec("PRAGMA wal_checkpoint(TRUNCATE)")
		errs = append(errs, db.write.Close())
	}
	return errors.Join(errs...)
}

// SetClock replaces the clock, for tests.
func (db *DB) SetClock(now func() time.Time) { db.now = now }

// Ping checks that both pools answer, for health checks.
func (db *DB) Ping(ctx context.Context) error {
	if err := db.read.PingContext(ctx); err != nil {
		return fmt.Errorf("ping readers: %w", err)
	}
	if err := db.write.PingContext(ctx); err != nil {
		return fmt.Errorf("ping writer: %w", err)
	}
	return nil
}

// IntegrityCheck runs PRAGMA integrity_check and returns its findings.
func (db *DB) IntegrityCheck(ctx context.Context) error {
	rows, err := db.read.QueryContext(ctx, "PRAGMA integrity_check")
	if err != nil {
		return fmt.Errorf("integrity check: %w", err)
	}
	defer rows.Close()
	var problems []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			return fmt.Errorf("integrity check: %w", err)
		}
		if s != "ok" {
			problems = append(problems, s)
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("integrity check: %w", err)
	}
	if len(problems) > 0 {
		return fmt.Errorf("integrity check: %s", strings.Join(problems, "; "))
	}
	return nil
}

// writeTx runs fn in one write transaction: committed when fn returns nil,
// rolled back otherwise.
func (db *DB) writeTx(ctx context.Context, fn func(tx *sql.Tx) error) error {
	tx, err := db.write.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	defer tx.Rollback()
	if err := fn(tx); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}

func millis(t time.Time) int64 { return t.UnixMilli() }

func fromMillis(ms int64) time.Time { return time.UnixMilli(ms).UTC() }

// isUniqueViolation reports whether err is a UNIQUE or PRIMARY KEY
// constraint failure.
func isUniqueViolation(err error) bool {
	var se *sqlite.Error
	if errors.As(err, &se) {
		c := se.Code()
		return c == sqlite3.SQLITE_CONSTRAINT_UNIQUE || c == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY
	}
	return false
}

func notFound(what string) error {
	return content.Errorf(content.KindNotFound, "", "not_found", "%s not found", what)
}
