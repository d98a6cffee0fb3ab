package web

import (
	"context"
	"net/http"
	"net/url"
	"time"

	"kring/content"
)

// speakerRequestsView is a member's requests page: those they sent and
// those they received as a speaker.
type speakerRequestsView struct {
	Mine       []speakerRequestRow
	Received   []speakerRequestRow
	CanRequest bool
}

// speakerRequestRow is one request in a list.
type speakerRequestRow struct {
	Href       string
	EventTitle string
	DateISO    string
	Date       string
	Topic      string
	Closed     bool
	Answer     string // the viewer's own answer, in words (received requests)
}

// speakerRequestDetails is what every view of a request shows.
type speakerRequestDetails struct {
	EventTitle    string
	EventHref     string // the agenda's event, when the request links one
	DateISO       string
	Date          string
	Place         string
	Online        bool
	Audience      string
	Topic         string
	TopicHref     string
	Language      string // in words; empty: any language
	Ask           string
	Closed        bool
	ClosedISO     string
	ClosedAt      string
	CreatedISO    string
	CreatedAt     string
	RequesterName string
	RequesterHref string
}

// speakerRequestView is a request's page. Its requester (and an admin)
// sees whom it reached with their answers; a speaker it reached sees
// their own answer form.
type speakerRequestView struct {
	speakerRequestDetails
	Path       string
	Notice     string
	Manager    bool // the requester or an admin
	CanClose   bool // the requester, while the request is open
	Recipients []speakerRecipientView
	Counts     answerCounts
	Form       *speakerAnswerForm // the viewer is a speaker the request reached
}

// answerCounts counts the recipients per answer.
type answerCounts struct {
	Total, Available, Unavailable, Note, None int
}

// speakerRecipientView is one speaker the request reached.
type speakerRecipientView struct {
	Name    string
	Href    string
	Remote  bool
	Answer  string // in words
	Kind    string // the answer's value: available, unavailable, note or ""
	Note    string
	Via     string // in words; empty without an answer
	WhenISO string
	When    string
}

// speakerRequestNotices are the confirmations ?done= may show.
var speakerRequestNotices = map[string]string{
	"sent":     "speakers.notice_sent",
	"closed":   "speakers.notice_closed",
	"answered": "speakers.notice_answered",
}

// requestHidden answers every request page the viewer may not see, and
// every token that names none, alike: a 404 tells no one a request exists.
func requestHidden(detail string) *problem {
	return &problem{status: http.StatusNotFound, key: "speakers.request_not_found", detail: detail}
}

// speakerRequestsPage lists the member's own requests and those they
// received.
func (s *Server) speakerRequestsPage(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	m, _, err := requireMember(ctx)
	if err != nil {
		return redirect(w, r, loginHref("/speakers/requests"))
	}
	cat := s.catalogs[reqFrom(ctx).lang]
	mine, err := s.db.SpeakerRequestsBy(ctx, m.ID)
	if err != nil {
		return err
	}
	received, err := s.db.SpeakerRequestsFor(ctx, m.ID)
	if err != nil {
		return err
	}
	v := speakerRequestsView{CanRequest: s.cfg.Federation != nil}
	for i := range mine {
		v.Mine = append(v.Mine, requestRow(cat, &mine[i]))
	}
	for _, inv := range received {
		row := requestRow(cat, &inv.Request)
		row.Answer = answerLabel(cat, inv.Recipient.Answer)
		v.Received = append(v.Received, row)
	}
	return s.render(w, r, http.StatusOK, "speaker_requests", v)
}

func requestRow(cat catalog, req *content.SpeakerRequest) speakerRequestRow {
	iso, words := requestDate(cat, req.EventDate)
	return speakerRequestRow{Href: speakerRequestPath(req.Token), EventTitle: req.EventTitle, DateISO: iso, Date: words,
		Topic: req.Topic, Closed: req.State == content.RequestClosed}
}

// requestDate is a request's event date for <time datetime> and in words.
func requestDate(cat catalog, date string) (iso, words string) {
	d, err := time.Parse(time.DateOnly, date)
	if err != nil {
		return "", date
	}
	return date, formatDate(cat, d)
}

func answerLabel(cat catalog, a content.SpeakerAnswer) string {
	if key, ok := answerKeys[a]; ok {
		return cat.t(key)
	}
	return string(a)
}

// requestDetails describes a request for any of its pages.
func (s *Server) requestDetails(ctx context.Context, cat catalog, req *content.SpeakerRequest) speakerRequestDetails {
	d := speakerRequestDetails{EventTitle: req.EventTitle, Place: req.Place, Online: req.Online, Audience: req.Audience,
		Topic: req.Topic, TopicHref: "/speakers?topic=" + url.QueryEscape(content.TopicKey(req.Topic)), Ask: req.Ask,
		Closed: req.State == content.RequestClosed}
	d.DateISO, d.Date = requestDate(cat, req.EventDate)
	if req.Language != "" {
		d.Language = languageLabel(cat, req.Language)
	}
	if req.EventID != 0 && s.cfg.Federation != nil { // eventPath needs the node's IRIs
		if ev := s.linkableEvent(ctx, req.EventID); ev != nil {
			d.EventHref = s.eventPath(ev)
		}
	}
	d.CreatedISO, d.CreatedAt = isoWords(cat, req.CreatedAt)
	if !req.ClosedAt.IsZero() {
		d.ClosedISO, d.ClosedAt = isoWords(cat, req.ClosedAt)
	}
	if m, err := s.db.MemberByID(ctx, req.RequesterID); err == nil {
		d.RequesterName, d.RequesterHref = m.Name(), "/@"+m.Username
	}
	return d
}

// isoWords is a moment for <time datetime> and as a date with its time.
func isoWords(cat catalog, t time.Time) (iso, words string) {
	return t.UTC().Format(time.RFC3339), cat.t("notifications.when", formatDate(cat, t), t.UTC().Format("15:04"))
}

// speakerRequestPage shows a request to its requester and admins, with
// the answers bundled, and to a local speaker it reached, with their
// answer form. A visitor is sent to log in first whatever the token, so
// that neither answer tells whether the request exists.
func (s *Server) speakerRequestPage(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	m, _, err := requireMember(ctx)
	if err != nil {
		return redirect(w, r, loginHref(r.URL.Path))
	}
	req, recipients, err := s.visibleRequest(ctx, m, r.PathValue("token"))
	if err != nil {
		return err
	}
	cat := s.catalogs[reqFrom(ctx).lang]
	v := speakerRequestView{speakerRequestDetails: s.requestDetails(ctx, cat, req), Path: speakerRequestPath(req.Token),
		Manager: isRequestManager(m, req)}
	// Only the requester closes (federation refuses anyone else): an
	// admin sees the answers but does not speak for the organiser.
	v.CanClose = m.ID == req.RequesterID && !v.Closed
	if key, ok := speakerRequestNotices[r.URL.Query().Get("done")]; ok {
		v.Notice = cat.t(key, len(recipients))
		if key == "speakers.notice_sent" && len(recipients) == 0 {
			v.Notice = cat.t("speakers.notice_sent_none")
		}
	}
	for _, rc := range recipients {
		if rc.MemberID == m.ID && rc.MemberID != 0 {
			v.Form = s.newAnswerForm(cat, &rc, req)
		}
		if v.Manager {
			v.Recipients = append(v.Recipients, recipientView(cat, rc))
			v.Counts.add(rc.Answer)
		}
	}
	return s.render(w, r, http.StatusOK, "speaker_request", v)
}

func (c *answerCounts) add(a content.SpeakerAnswer) {
	c.Total++
	switch a {
	case content.AnswerAvailable:
		c.Available++
	case content.AnswerUnavailable:
		c.Unavailable++
	case content.AnswerNote:
		c.Note++
	default:
		c.None++
	}
}

func isRequestManager(m *content.Member, req *content.SpeakerRequest) bool {
	return m.ID == req.RequesterID || m.Role == content.RoleAdmin
}

// visibleRequest finds the request a member may see: their own (or any,
// for an admin), or one that reached them. Anything else is hidden.
func (s *Server) visibleRequest(ctx context.Context, m *content.Member, token string) (*content.SpeakerRequest, []content.SpeakerRecipient, error) {
	req, err := s.db.SpeakerRequestByToken(ctx, token)
	if content.KindOf(err) == content.KindNotFound {
		return nil, nil, requestHidden("no speaker request " + token)
	}
	if err != nil {
		return nil, nil, err
	}
	recipients, err := s.db.SpeakerRecipients(ctx, req.ID)
	if err != nil {
		return nil, nil, err
	}
	if isRequestManager(m, req) {
		return req, recipients, nil
	}
	for _, rc := range recipients {
		if rc.MemberID != 0 && rc.MemberID == m.ID {
			return req, recipients, nil
		}
	}
	return nil, nil, requestHidden("speaker request " + token + " is not for " + m.Username)
}

func recipientView(cat catalog, rc content.SpeakerRecipient) speakerRecipientView {
	v := speakerRecipientView{Name: firstNonEmpty(rc.Name, rc.Actor), Href: rc.URL, Remote: rc.MemberID == 0,
		Answer: answerLabel(cat, rc.Answer), Kind: string(rc.Answer), Note: rc.AnswerNote}
	if v.Href == "" && isActorIRI(rc.Actor) {
		v.Href = rc.Actor
	}
	if key, ok := viaKeys[rc.AnsweredVia]; ok && rc.Answer != content.AnswerNone {
		v.Via = cat.t(key)
	}
	if !rc.AnsweredAt.IsZero() {
		v.WhenISO, v.When = isoWords(cat, rc.AnsweredAt)
	}
	return v
}

// closeSpeakerRequest closes the request from its page; federation tells
// every speaker it reached.
func (s *Server) closeSpeakerRequest(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	m, _, err := requireMember(ctx)
	if err != nil {
		return err
	}
	req, _, err := s.visibleRequest(ctx, m, r.PathValue("token"))
	if err != nil {
		return err
	}
	if !isRequestManager(m, req) {
		return requestHidden("speaker request " + req.Token + " is not " + m.Username + "'s to close")
	}
	if err := s.spendWriteAt(ctx, m); err != nil {
		return err
	}
	if err := s.cfg.Federation.CloseSpeakerRequest(ctx, m, req.Token); err != nil {
		return err
	}
	return redirect(w, r, speakerRequestPath(req.Token)+"?done=closed")
}
