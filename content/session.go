package content

import "time"

// Session is a logged-in browser. Only a hash of the cookie token is
// stored, so a copy of the database does not let anyone log in.
type Session struct {
	TokenHash string
	MemberID  int64
	CSRFToken string
	CreatedAt time.Time
	ExpiresAt time.Time
}
