// Package web is Kring's HTTP face: one routes table, handlers that return
// errors, middleware (security headers, sessions, CSRF, rate limits),
// embedded templates and static files, and the nl/en message catalogues.
//
// It may import content, storage and federation; it must not import
// database/sql.
package web
