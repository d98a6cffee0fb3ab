package storage

import (
	"database/sql"
	"fmt"
	"sync"
	"time"
)

// WAL checkpoints. SQLite's automatic checkpoint runs inside the commit
// that crosses its threshold, on the writer: that commit copies megabytes
// into the database file and fsyncs it while every other write waits (at
// a busy inbox, 20–50 ms stalls several times a second). Under a steady
// stream of commits it runs on nearly every commit, because a WAL that
// always has a reader and a writer in it is never restarted.
//
// So the writer does not checkpoint. A background connection copies the
// WAL into the database file often and passively, beside the writer and
// the readers. Between bursts the writer restarts the WAL by itself (it
// does when every frame is copied and no reader needs the old ones); only
// under writes that never pause does the WAL grow, and beyond
// walRestartFrames the checkpointer forces a restart, which waits for the
// readers of the old frames and holds off the writer meanwhile: one stall
// of tens of milliseconds per 256 MiB written, about a minute of the
// heaviest inbox load, instead of several per second.
const (
	checkpointInterval = 100 * time.Millisecond
	// walRestartFrames is the WAL length, in pages, beyond which the
	// checkpointer restarts it (256 MiB at 4 KiB pages).
	walRestartFrames = 65536
	// walSizeLimit is what a restarted WAL file is truncated back to.
	walSizeLimit = 64 << 20
)

// checkpointer checkpoints on its own connection until closed.
type checkpointer struct {
	conn *sql.DB
	stop chan struct{}
	done chan struct{}
	once sync.Once
}

func startCheckpointer(path string) (*checkpointer, error) {
	conn, err := sql.Open("sqlite", dsn(path, false))
	if err != nil {
		return nil, fmt.Errorf("open checkpointer %s: %w", path, err)
	}
	conn.SetMaxOpenConns(1)
	conn.SetMaxIdleConns(1)
	conn.SetConnMaxLifetime(0)
	conn.SetConnMaxIdleTime(0)
	c := &checkpointer{conn: conn, stop: make(chan struct{}), done: make(chan struct{})}
	go c.run()
	return c, nil
}

func (c *checkpointer) run() {
	defer close(c.done)
	t := time.NewTicker(checkpointInterval)
	defer t.Stop()
	for {
		select {
		case <-c.stop:
			return
		case <-t.C:
		}
		// Errors (SQLITE_BUSY while another process checkpoints, say)
		// only mean that this round did less; the next one goes on.
		var busy, frames, copied int
		if c.conn.QueryRow("PRAGMA wal_checkpoint(PASSIVE)").Scan(&busy, &frames, &copied) != nil {
			continue
		}
		if frames > walRestartFrames {
			_ = c.conn.QueryRow("PRAGMA wal_checkpoint(RESTART)").Scan(&busy, &frames, &copied)
		}
	}
}

// close stops the checkpointer; closing again does nothing (DB.Close may
// run twice).
func (c *checkpointer) close() error {
	var err error
	c.once.Do(func() {
		close(c.stop)
		<-c.done
		err = c.conn.Close()
	})
	return err
}
