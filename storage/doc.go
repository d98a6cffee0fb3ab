// Package storage keeps Kring's state in one embedded SQLite database
// (modernc.org/sqlite, no cgo): one writer connection so writes are
// serialised, a small pool of readers, and numbered migrations embedded in
// the binary. It returns content types and content error kinds.
//
// It must not import federation, web, net/http or go-ap.
package storage
