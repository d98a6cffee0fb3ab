package content

import (
	"errors"
	"fmt"
)

// Kind classifies an error so that the HTTP edge and the CLI can answer it
// without knowing where it came from.
type Kind int

// The error kinds. KindInternal is the zero value so that a plain error is
// never mistaken for a user's mistake.
const (
	KindInternal Kind = iota
	KindInvalid
	KindNotFound
	KindConflict
	KindForbidden
	KindUnauthorized
)

func (k Kind) String() string {
	switch k {
	case KindInvalid:
		return "invalid"
	case KindNotFound:
		return "not found"
	case KindConflict:
		return "conflict"
	case KindForbidden:
		return "forbidden"
	case KindUnauthorized:
		return "unauthorized"
	default:
		return "internal"
	}
}

// Error is a domain error: what went wrong, with which field, in words a
// user can act on. Message is English; the web layer localises by Code.
type Error struct {
	Kind    Kind
	Field   string // the input field at fault, if any
	Code    string // a stable identifier for translations, e.g. "username.reserved"
	Message string
}

func (e *Error) Error() string {
	if e.Field != "" {
		return e.Field + ": " + e.Message
	}
	return e.Message
}

// Errorf builds a domain error.
func Errorf(kind Kind, field, code, format string, args ...any) *Error {
	return &Error{Kind: kind, Field: field, Code: code, Message: fmt.Sprintf(format, args...)}
}

// KindOf returns the kind of the first domain error in err's chain, or
// KindInternal when there is none.
func KindOf(err error) Kind {
	var e *Error
	if errors.As(err, &e) {
		return e.Kind
	}
	return KindInternal
}

// AsError returns the first domain error in err's chain.
func AsError(err error) (*Error, bool) {
	var e *Error
	ok := errors.As(err, &e)
	return e, ok
}

// ErrNotFound is a generic not-found error for lookups.
var ErrNotFound = &Error{Kind: KindNotFound, Code: "not_found", Message: "not found"}
