package content

import (
	"strings"
	"time"
	"unicode/utf8"
)

// ReportOrigin says where a report came from: a member of this node, or
// another server (a Flag activity).
type ReportOrigin string

// The report origins.
const (
	ReportLocal  ReportOrigin = "local"
	ReportRemote ReportOrigin = "remote"
)

// ReportState is where a report stands in the moderators' queue.
type ReportState string

// The report states: open until a moderator acts, then resolved (something
// was done) or dismissed (nothing needed doing).
const (
	ReportOpen      ReportState = "open"
	ReportResolved  ReportState = "resolved"
	ReportDismissed ReportState = "dismissed"
)

// ReportAction is what a moderator does about a report.
type ReportAction string

// The actions that resolve a report.
const (
	ReportDismiss     ReportAction = "dismiss"      // nothing wrong: close it
	ReportDelete      ReportAction = "delete"       // delete the reported posts
	ReportSuspend     ReportAction = "suspend"      // suspend the reported actor
	ReportBlockDomain ReportAction = "block-domain" // block the reported actor's server
)

// ReportActions lists the actions in the order forms offer them.
var ReportActions = []ReportAction{ReportDismiss, ReportDelete, ReportSuspend, ReportBlockDomain}

// ParseReportAction reads an action as typed; "block" is short for
// block-domain.
func ParseReportAction(s string) (ReportAction, error) {
	switch a := ReportAction(strings.ToLower(strings.TrimSpace(s))); a {
	case ReportDismiss, ReportDelete, ReportSuspend, ReportBlockDomain:
		return a, nil
	case "block":
		return ReportBlockDomain, nil
	}
	return "", Errorf(KindInvalid, "action", "report.unknown_action", "unknown action %q: use dismiss, delete, suspend or block", s)
}

// The moderation log's names for what reports lead to, beside the forum
// actions (a deletion is logged as ModDelete).
const (
	ModDismissReport ModAction = "dismiss_report"
	ModForwardReport ModAction = "forward_report"
	ModSuspendMember ModAction = "suspend_member"
)

// MaxReportComment is the longest comment a member may add to a report:
// Mastodon's own limit.
const MaxReportComment = 1000

// MaxRemoteReportComment bounds what is kept of another server's comment.
const MaxRemoteReportComment = 5000

// MaxReportObjects bounds how many objects one report names.
const MaxReportObjects = 20

// ReportedObject is a reported object as the node held it when the report
// came in: moderators judge what the reporter saw, even after the author
// edited or deleted it. Content is sanitised HTML, as stored.
type ReportedObject struct {
	IRI          string    `json:"iri"`
	Held         bool      `json:"held"` // false: the node had no copy of it
	Type         string    `json:"type,omitempty"`
	AttributedTo string    `json:"attributedTo,omitempty"`
	Name         string    `json:"name,omitempty"`
	Summary      string    `json:"summary,omitempty"`
	Content      string    `json:"content,omitempty"`
	URL          string    `json:"url,omitempty"`
	InReplyTo    string    `json:"inReplyTo,omitempty"`
	Published    time.Time `json:"published,omitzero"`
	Deleted      bool      `json:"deleted,omitempty"` // already a tombstone when reported
}

// Report is a complaint about an actor and, often, some of its posts.
type Report struct {
	ID         int64
	Origin     ReportOrigin
	ReporterID int64  // the reporting member; 0 for a report from elsewhere
	Reporter   string // the reporter's actor id (a remote server's instance actor, often)
	Target     string // the reported actor
	Objects    []string
	Snapshot   []ReportedObject
	Comment    string
	FlagIRI    string // the Flag received, for a report from elsewhere

	State      ReportState
	Resolution ReportAction
	Moderator  string // actor id of who resolved it
	Reason     string // the moderator's note
	Forwarded  string // the id of the Flag sent on to the target's server
	CreatedAt  time.Time
	ResolvedAt time.Time
}

// NewLocalReport checks a member's report: an actor, at most
// MaxReportObjects objects, a comment of at most MaxReportComment
// characters.
func NewLocalReport(reporterID int64, reporter, target string, objects []string, comment string) (*Report, error) {
	comment = strings.TrimSpace(strings.ReplaceAll(comment, "\r\n", "\n"))
	switch {
	case strings.TrimSpace(target) == "":
		return nil, Errorf(KindInvalid, "target", "report.no_target", "say who or what you report")
	case target == reporter:
		return nil, Errorf(KindInvalid, "target", "report.self", "you cannot report yourself")
	case len(objects) > MaxReportObjects:
		return nil, Errorf(KindInvalid, "object", "report.too_many", "a report names at most %d posts", MaxReportObjects)
	case utf8.RuneCountInString(comment) > MaxReportComment:
		return nil, Errorf(KindInvalid, "comment", "report.comment_too_long", "the comment is longer than %d characters", MaxReportComment)
	}
	return &Report{Origin: ReportLocal, ReporterID: reporterID, Reporter: reporter, Target: target,
		Objects: dedupe(objects), Comment: comment, State: ReportOpen}, nil
}

// ClipComment shortens another server's comment to what is kept.
func ClipComment(s string) string {
	s = strings.TrimSpace(s)
	if utf8.RuneCountInString(s) <= MaxRemoteReportComment {
		return s
	}
	return string([]rune(s)[:MaxRemoteReportComment-1]) + "…"
}

func dedupe(ss []string) []string {
	seen := make(map[string]bool, len(ss))
	out := make([]string, 0, len(ss))
	for _, s := range ss {
		if s = strings.TrimSpace(s); s != "" && !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	return out
}
