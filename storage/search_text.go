package storage

import (
	"database/sql/driver"
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"
	"modernc.org/sqlite"

	"kring/content"
)

// The search index (migration 0013) holds plain text, never HTML: its
// triggers call these two functions, registered with the driver for every
// connection this binary opens. A tool without them (the sqlite3 shell)
// can read the database but cannot write the tables the triggers watch.
func init() {
	sqlite.MustRegisterDeterministicScalarFunction("kring_html_text", 1, func(_ *sqlite.FunctionContext, args []driver.Value) (driver.Value, error) {
		return searchText(content.HTMLToText(valueString(args[0]))), nil
	})
	sqlite.MustRegisterDeterministicScalarFunction("kring_plain_text", 1, func(_ *sqlite.FunctionContext, args []driver.Value) (driver.Value, error) {
		return searchText(valueString(args[0])), nil
	})
}

func valueString(v driver.Value) string {
	switch s := v.(type) {
	case string:
		return s
	case []byte:
		return string(s)
	}
	return ""
}

// Highlight marks: snippet() and highlight() wrap matched terms in them.
// They are control characters that searchText removes from every indexed
// text, so a mark can only come from the index, never from what a member
// or another server wrote.
const (
	markOpen  = "\x02"
	markClose = "\x03"
)

// searchText is how text goes into the index: composed (NFC, so that "ö"
// typed or received as o plus a combining diaeresis folds the same way)
// and without control characters other than line breaks and tabs.
func searchText(s string) string {
	s = norm.NFC.String(s)
	if !strings.ContainsFunc(s, isSearchControl) {
		return s
	}
	return strings.Map(func(r rune) rune {
		if isSearchControl(r) {
			return ' '
		}
		return r
	}, s)
}

func isSearchControl(r rune) bool {
	return unicode.IsControl(r) && r != '\n' && r != '\t'
}
