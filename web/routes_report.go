package web

import (
	"context"
	"html/template"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"kring/content"
	"kring/federation"
	"kring/storage"
)

func init() { pageNames = append(pageNames, "report", "admin_reports") }

// reportRoutes are the reports: a member reports a post, reply, event or
// member from its page (the report link leads to the form), and the
// node's moderators work through the queue.
func (s *Server) reportRoutes() []route {
	return []route{
		{pattern: "GET /report", handle: s.needsFederation(s.reportPage)},
		{pattern: "POST /report", handle: s.needsFederation(s.fileReport)},
		{pattern: "GET /admin/reports", handle: s.needsFederation(s.adminReportsPage)},
		{pattern: "POST /admin/reports/{id}", handle: s.needsFederation(s.actOnReport)},
	}
}

// reportView is what report.html shows: what is reported, the form, or
// the thanks once it is filed.
type reportView struct {
	Object     *reportObject // nil when an actor is reported without a post
	Actor      actorView
	ObjectIRI  string
	ActorIRI   string
	Comment    string
	MaxComment int
	Back       string // the page the member came from
	Done       bool
	Errors     map[string]string
	Problems   []fieldProblem
}

// reportObject is a reported object as the pages show it.
type reportObject struct {
	IRI       string
	Link      string // where to read it
	Kind      string // catalogue key: post, reply, event
	Held      bool
	Deleted   bool
	Name      string
	Summary   string
	HTML      template.HTML
	Author    actorView
	Published time.Time
	Context   string // catalogue key of where it was posted
	Where     string // the thread's title or the parent's id
	WhereURL  string
}

// reportSubject reads what a report link names: ?object= (a post,
// reply or event held here), ?member= (a member's username) or ?actor=.
func (s *Server) reportSubject(ctx context.Context, q url.Values) (*reportView, error) {
	v := &reportView{MaxComment: content.MaxReportComment, ObjectIRI: strings.TrimSpace(q.Get("object")),
		ActorIRI: strings.TrimSpace(q.Get("actor"))}
	if name := strings.TrimPrefix(strings.TrimSpace(q.Get("member")), "@"); name != "" && v.ActorIRI == "" {
		if _, err := s.db.MemberByUsername(ctx, name); err != nil {
			return nil, &problem{status: http.StatusNotFound, key: "error.member_not_found", err: err}
		}
		v.ActorIRI = s.cfg.Federation.IRIs().Actor(name)
	}
	notFound := &problem{status: http.StatusNotFound, key: "error.not_found", detail: "nothing to report"}
	if v.ObjectIRI != "" {
		o, err := s.db.ObjectByIRI(ctx, v.ObjectIRI)
		if err != nil || o.Deleted {
			return nil, notFound
		}
		ro, err := s.reportObjectOf(ctx, content.ReportedObject{IRI: o.IRI, Held: true, Type: o.Type, AttributedTo: o.AttributedTo,
			Name: o.Name, Summary: o.Summary, Content: o.Content, URL: o.URL, InReplyTo: o.InReplyTo, Published: o.Published})
		if err != nil {
			return nil, err
		}
		v.Object, v.ActorIRI = &ro, o.AttributedTo
	}
	if v.ActorIRI == "" {
		return nil, notFound
	}
	if v.Object == nil && !s.cfg.Federation.IRIs().IsLocal(v.ActorIRI) {
		// Only an actor the node has dealt with: the form names no one else.
		if known, err := s.db.KnowsActor(ctx, v.ActorIRI); err != nil || !known {
			return nil, notFound
		}
	}
	var err error
	if v.Actor, err = s.reportActor(ctx, v.ActorIRI); err != nil {
		return nil, err
	}
	return v, nil
}

// reportObjectOf describes a reported object: what it is, by whom, and
// where it was posted.
func (s *Server) reportObjectOf(ctx context.Context, o content.ReportedObject) (reportObject, error) {
	ro := reportObject{IRI: o.IRI, Link: o.IRI, Held: o.Held, Deleted: o.Deleted, Name: o.Name, Summary: o.Summary,
		HTML: safeHTML(o.Content), Published: o.Published, Kind: "report.kind_post"}
	if isActorIRI(o.URL) {
		ro.Link = o.URL
	}
	if !o.Held {
		return ro, nil
	}
	switch {
	case o.Type == "Event":
		ro.Kind = "report.kind_event"
	case o.InReplyTo != "":
		ro.Kind = "report.kind_reply"
	}
	var err error
	if ro.Author, err = s.reportActor(ctx, o.AttributedTo); err != nil {
		return ro, err
	}
	if t, err := s.db.ThreadOf(ctx, o.IRI); err == nil {
		ro.Context, ro.Where, ro.WhereURL = "report.in_thread", t.Title, threadPath(t)
		if t.IRI == o.IRI {
			ro.Kind = "report.kind_thread"
		}
	} else if o.InReplyTo != "" {
		ro.Context, ro.Where, ro.WhereURL = "report.in_reply_to", o.InReplyTo, o.InReplyTo
	}
	return ro, nil
}

// reportPage shows the report form for what the link names.
func (s *Server) reportPage(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	if _, _, err := requireMember(ctx); err != nil {
		return redirect(w, r, "/login?next="+url.QueryEscape(r.URL.RequestURI()))
	}
	q := r.URL.Query()
	if q.Get("done") == "1" {
		return s.render(w, r, http.StatusOK, "report", &reportView{Done: true, Back: localPath(q.Get("back"))})
	}
	v, err := s.reportSubject(ctx, q)
	if err != nil {
		return err
	}
	v.Back = s.refererPath(r)
	return s.render(w, r, http.StatusOK, "report", v)
}

// fileReport files a member's report and thanks them; a comment that is
// too long shows the form again.
func (s *Server) fileReport(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	m, _, err := requireMember(ctx)
	if err != nil {
		return err
	}
	pf := r.PostForm
	v, err := s.reportSubject(ctx, pf)
	if err != nil {
		return err
	}
	v.Comment, v.Back = pf.Get("comment"), localPath(pf.Get("back"))
	var objects []string
	if v.Object != nil {
		objects = []string{v.Object.IRI}
	}
	rep, err := s.cfg.Federation.ReportLocal(ctx, m, v.ActorIRI, objects, v.Comment)
	if err != nil {
		p := s.problemOf(err)
		if p.status != http.StatusBadRequest || p.field != "comment" {
			return err
		}
		msg := s.catalogs[reqFrom(ctx).lang].t(p.key, p.args...)
		v.Errors, v.Problems = map[string]string{"comment": msg}, []fieldProblem{{Field: "comment", Message: msg}}
		return s.render(w, r, http.StatusUnprocessableEntity, "report", v)
	}
	s.log.Info("report filed", "request_id", reqFrom(ctx).id, "member_id", m.ID, "report", rep.ID, "target", rep.Target)
	return redirect(w, r, "/report?done=1&back="+url.QueryEscape(v.Back))
}

// adminReportsView is what admin_reports.html shows: the queue (or every
// report, with ?all=1), each with what was reported and what can be done.
type adminReportsView struct {
	Reports   []reportCard
	All       bool
	Open      int
	Notice    string // catalogue key of what was just done
	NoticeArg string
	Problems  []fieldProblem
	Errors    map[string]string // "report-ID" → message
	Actions   []reportChoice
}

// reportChoice is one action of the resolve form.
type reportChoice struct {
	Value string
	Label string // catalogue key
	Hint  string // catalogue key
}

// reportChoices are the actions in the order the form offers them.
var reportChoices = []reportChoice{
	{Value: string(content.ReportDismiss), Label: "report.action_dismiss", Hint: "report.action_dismiss_hint"},
	{Value: string(content.ReportDelete), Label: "report.action_delete", Hint: "report.action_delete_hint"},
	{Value: string(content.ReportSuspend), Label: "report.action_suspend", Hint: "report.action_suspend_hint"},
	{Value: string(content.ReportBlockDomain), Label: "report.action_block", Hint: "report.action_block_hint"},
}

// reportCard is one report in the queue.
type reportCard struct {
	ID          int64
	Anchor      string // "report-ID", the card's id and its form's field
	Origin      string // catalogue key
	Reporter    actorView
	Target      actorView
	TargetHost  string
	TargetLocal bool
	About       int // reports ever filed about the target
	Comment     string
	Objects     []reportObject
	Created     time.Time
	Open        bool
	State       string // catalogue key
	Resolution  string // catalogue key
	Moderator   string
	Reason      string
	Resolved    time.Time
	Forwarded   bool
	CanForward  bool
	Choices     []reportChoice // the actions that apply
}

// adminReportNotices are the notices after an action (?done=...).
var adminReportNotices = map[string]string{
	"resolved":  "report.notice_resolved",
	"dismissed": "report.notice_dismissed",
	"forwarded": "report.notice_forwarded",
}

var (
	reportOriginKeys = map[content.ReportOrigin]string{content.ReportLocal: "report.origin_local", content.ReportRemote: "report.origin_remote"}
	reportStateKeys  = map[content.ReportState]string{content.ReportOpen: "report.state_open", content.ReportResolved: "report.state_resolved",
		content.ReportDismissed: "report.state_dismissed"}
	reportActionKeys = map[content.ReportAction]string{content.ReportDismiss: "report.action_dismiss", content.ReportDelete: "report.action_delete",
		content.ReportSuspend: "report.action_suspend", content.ReportBlockDomain: "report.action_block"}
)

// requireReportModerator lets the node's moderators and admins in.
func requireReportModerator(ctx context.Context) (*content.Member, error) {
	m, _, err := requireMember(ctx)
	if err != nil {
		return nil, err
	}
	if !federation.IsReportModerator(m) {
		return nil, &problem{status: http.StatusForbidden, key: "error.forbidden", detail: "member " + m.Username + " does not moderate the node"}
	}
	return m, nil
}

func (s *Server) adminReportsPage(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	if _, _, err := requireMember(ctx); err != nil {
		return redirect(w, r, "/login?next="+url.QueryEscape(r.URL.RequestURI()))
	}
	if _, err := requireReportModerator(ctx); err != nil {
		return err
	}
	q := r.URL.Query()
	v := adminReportsView{All: q.Get("all") == "1"}
	if key, ok := adminReportNotices[q.Get("done")]; ok {
		if id, err := strconv.ParseInt(q.Get("report"), 10, 64); err == nil {
			v.Notice, v.NoticeArg = key, strconv.FormatInt(id, 10)
		}
	}
	return s.renderAdminReports(w, r, http.StatusOK, v)
}

// reportsShown is how many reports one page of the queue shows.
const reportsShown = 50

func (s *Server) renderAdminReports(w http.ResponseWriter, r *http.Request, status int, v adminReportsView) error {
	ctx := r.Context()
	reports, err := s.db.Reports(ctx, storage.ReportFilter{All: v.All, Limit: reportsShown})
	if err != nil {
		return err
	}
	if v.Open, _, err = s.db.CountReports(ctx, ""); err != nil {
		return err
	}
	for i := range reports {
		c, err := s.reportCard(ctx, &reports[i])
		if err != nil {
			return err
		}
		v.Reports = append(v.Reports, c)
	}
	return s.render(w, r, status, "admin_reports", v)
}

func (s *Server) reportCard(ctx context.Context, rep *content.Report) (reportCard, error) {
	iris := s.cfg.Federation.IRIs()
	c := reportCard{ID: rep.ID, Anchor: "report-" + strconv.FormatInt(rep.ID, 10), Origin: reportOriginKeys[rep.Origin],
		Comment: rep.Comment, Created: rep.CreatedAt, Open: rep.State == content.ReportOpen, State: reportStateKeys[rep.State],
		Resolution: reportActionKeys[rep.Resolution], Reason: rep.Reason, Resolved: rep.ResolvedAt, Forwarded: rep.Forwarded != "",
		TargetLocal: iris.IsLocal(rep.Target)}
	var err error
	if c.Reporter, err = s.reportActor(ctx, rep.Reporter); err != nil {
		return c, err
	}
	if c.Target, err = s.reportActor(ctx, rep.Target); err != nil {
		return c, err
	}
	if u, err := url.Parse(rep.Target); err == nil {
		c.TargetHost = u.Host
	}
	if _, c.About, err = s.db.CountReports(ctx, rep.Target); err != nil {
		return c, err
	}
	c.Moderator = rep.Moderator
	if name, ok := iris.LocalUsername(rep.Moderator); ok {
		c.Moderator = "@" + name
	}
	deletable := false
	for _, o := range rep.Snapshot {
		ro, err := s.reportObjectOf(ctx, o)
		if err != nil {
			return c, err
		}
		c.Objects = append(c.Objects, ro)
		deletable = deletable || o.Held
	}
	c.CanForward = c.Open && !c.TargetLocal && !c.Forwarded
	for _, ch := range reportChoices {
		switch {
		case ch.Value == string(content.ReportDelete) && !deletable,
			ch.Value == string(content.ReportBlockDomain) && c.TargetLocal:
			continue
		}
		c.Choices = append(c.Choices, ch)
	}
	return c, nil
}

// actOnReport resolves a report (do=resolve) or passes it on to the
// reported actor's server (do=forward).
func (s *Server) actOnReport(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	m, err := requireReportModerator(ctx)
	if err != nil {
		return err
	}
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return &problem{status: http.StatusNotFound, key: "error.not_found", detail: "no report " + r.PathValue("id")}
	}
	fed, pf := s.cfg.Federation, r.PostForm
	done := "forwarded"
	switch pf.Get("do") {
	case "resolve":
		var action content.ReportAction
		if action, err = content.ParseReportAction(pf.Get("action")); err == nil {
			var rep *content.Report
			if rep, err = fed.ResolveReport(ctx, m, id, action, pf.Get("reason")); err == nil {
				done = string(rep.State)
			}
		}
	case "forward":
		_, err = fed.ForwardReport(ctx, m, id, pf.Get("comment"))
	default:
		return &problem{status: http.StatusBadRequest, key: "error.bad_request", detail: "unknown report action"}
	}
	if err != nil {
		return s.reportRefused(w, r, id, err)
	}
	s.log.Info("report "+done, "request_id", reqFrom(ctx).id, "member_id", m.ID, "report", id)
	return redirect(w, r, "/admin/reports?done="+done+"&report="+strconv.FormatInt(id, 10))
}

// reportRefused shows the queue again with the message at the report, for
// what a moderator can fix (a closed report, an action that does not
// apply); other failures are the error page's.
func (s *Server) reportRefused(w http.ResponseWriter, r *http.Request, id int64, err error) error {
	p := s.problemOf(err)
	if !slices.Contains([]int{http.StatusBadRequest, http.StatusConflict}, p.status) {
		return err
	}
	s.logProblem(r, p)
	field := "report-" + strconv.FormatInt(id, 10)
	msg := s.catalogs[reqFrom(r.Context()).lang].t(p.key, p.args...)
	// A report closed meanwhile is listed with the closed ones.
	v := adminReportsView{All: r.URL.Query().Get("all") == "1" || p.status == http.StatusConflict, Errors: map[string]string{field: msg},
		Problems: []fieldProblem{{Field: field, Message: msg}}}
	status := http.StatusUnprocessableEntity
	if p.status == http.StatusConflict {
		status = http.StatusConflict
	}
	return s.renderAdminReports(w, r, status, v)
}

// reportActor describes an actor as actorView does, with a member's
// display name: moderators read names before handles.
func (s *Server) reportActor(ctx context.Context, iri string) (actorView, error) {
	v, err := s.actorView(ctx, iri)
	if err != nil {
		return v, err
	}
	if name, ok := s.cfg.Federation.IRIs().LocalUsername(iri); ok && v.Name == "" {
		if m, err := s.db.MemberByUsername(ctx, name); err == nil && m.DisplayName != "" {
			v.Name = m.DisplayName
		}
	}
	return v, nil
}
