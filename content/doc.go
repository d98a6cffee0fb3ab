// Package content is Kring's domain: members, the node's settings, posts,
// media, forums, events and the rules that make them valid; password
// hashing, key pairs and the error kinds that every other layer maps to HTTP
// statuses or CLI messages; and the text pipeline every piece of HTML passes
// through: Markdown (goldmark, with Mastodon-shaped hashtags and mentions),
// the one sanitiser (bluemonday) that all stored HTML comes out of, and image
// checking with metadata stripped. For events: recurring series (RFC 5545
// RRULEs with rrule-go, the wall clock kept across clock changes), when and
// where in words (the summary Mastodon shows), and iCalendar feeds.
//
// It does no I/O and must not import storage, federation, web, net/http,
// database/sql or go-ap.
package content
