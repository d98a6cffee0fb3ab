package storage

import (
	"context"

	"kring/content"
)

// STUB (owned by the directory helper): the signatures are the contract
// with the web and the open data; the body is to be written.

// DirectoryFilter narrows the members directory. Empty fields do not
// filter; Limit 0 returns every match (the open-data export).
type DirectoryFilter struct {
	Organisation string // exact, case-insensitive
	Region       string // exact, case-insensitive
	TopicKey     string // content.TopicKey of a topic of expertise or speaker topic
	Query        string // words matched in name, username, organisation, role and topics
	Offset       int
	Limit        int
}

// DirectoryEntry is one listed member with their profile.
type DirectoryEntry struct {
	Member  content.Member
	Profile content.Profile
}

// Directory lists the members who chose to be listed and are neither
// suspended nor deleted, by name, with the number of matches before
// Offset and Limit apply.
func (db *DB) Directory(ctx context.Context, f DirectoryFilter) ([]DirectoryEntry, int, error) {
	return nil, 0, errNotBuilt
}
