// Package content is Kring's domain: members, the node's settings, the rules
// that make them valid, password hashing, key pairs and the error kinds that
// every other layer maps to HTTP statuses or CLI messages.
//
// It does no I/O and must not import storage, federation, web, net/http,
// database/sql or go-ap.
package content
