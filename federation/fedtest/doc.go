// Package fedtest holds helpers for federation tests: the loader of the
// shared corpus of real ActivityPub payloads (../shared/fixtures/activitypub
// from the repository root). Only tests import it.
package fedtest
