package web

import (
	"context"
	"net/http"
	"strings"
	"unicode/utf8"

	"kring/content"
)

// speakerAnswerView is the answer page: the request, the speaker's
// current answer and, while the request is open, the form.
type speakerAnswerView struct {
	speakerRequestDetails
	Notice string
	Form   *speakerAnswerForm
}

// speakerAnswerForm is one speaker's answer: what they answered so far
// and the form to answer (again), which posts to their answer link.
type speakerAnswerForm struct {
	Action        string
	RecipientName string
	Current       string // the answer in words; empty before the first
	CurrentNote   string
	CurrentISO    string
	CurrentWhen   string
	Closed        bool
	Answer        string // the choice the form shows
	Note          string
	Options       []answerOption
	formErrors
	MaxNote int
}

// answerOption is one radio button of the answer.
type answerOption struct {
	Value, Label, Hint string
	Checked            bool
}

// answerReferrerPolicy keeps the answer link's secret from other sites.
const answerReferrerPolicy = "same-origin"

var answerChoices = []content.SpeakerAnswer{content.AnswerAvailable, content.AnswerUnavailable, content.AnswerNote}

// answerKeys name the answers; answerHintKeys explain the choices.
var (
	answerKeys = map[content.SpeakerAnswer]string{content.AnswerNone: "speakers.answer_none",
		content.AnswerAvailable: "speakers.answer_available", content.AnswerUnavailable: "speakers.answer_unavailable",
		content.AnswerNote: "speakers.answer_note"}
	answerHintKeys = map[content.SpeakerAnswer]string{content.AnswerAvailable: "speakers.answer_available_hint",
		content.AnswerUnavailable: "speakers.answer_unavailable_hint", content.AnswerNote: "speakers.answer_note_hint"}
	viaKeys = map[content.AnswerVia]string{content.ViaLink: "speakers.via_link", content.ViaReply: "speakers.via_reply"}
)

func speakerAnswerPath(token string) string { return "/speakers/answer/" + token }

func (f *speakerAnswerForm) addError(field, msg string) { f.add(nil, field, msg) }

// newAnswerForm is a recipient's form, filled with their answer so far.
func (s *Server) newAnswerForm(cat catalog, rc *content.SpeakerRecipient, req *content.SpeakerRequest) *speakerAnswerForm {
	f := &speakerAnswerForm{Action: speakerAnswerPath(rc.AnswerToken), RecipientName: firstNonEmpty(rc.Name, rc.Actor),
		Closed: req.State == content.RequestClosed, Answer: string(rc.Answer), Note: rc.AnswerNote, MaxNote: content.MaxAnswerNote}
	if rc.Answer != content.AnswerNone {
		f.Current, f.CurrentNote = answerLabel(cat, rc.Answer), rc.AnswerNote
	}
	if !rc.AnsweredAt.IsZero() {
		f.CurrentISO, f.CurrentWhen = isoWords(cat, rc.AnsweredAt)
	}
	f.setOptions(cat)
	return f
}

func (f *speakerAnswerForm) setOptions(cat catalog) {
	f.Options = f.Options[:0]
	for _, a := range answerChoices {
		f.Options = append(f.Options, answerOption{Value: string(a), Label: cat.t(answerKeys[a]),
			Hint: cat.t(answerHintKeys[a]), Checked: string(a) == f.Answer})
	}
}

// answerAt finds the recipient and request of an answer link; an unknown
// token is a 404.
func (s *Server) answerAt(ctx context.Context, token string) (*content.SpeakerRecipient, *content.SpeakerRequest, error) {
	rc, req, err := s.db.SpeakerRecipientByToken(ctx, token)
	if content.KindOf(err) == content.KindNotFound {
		return nil, nil, requestHidden("no answer link " + token)
	}
	return rc, req, err
}

// speakerAnswerPage shows a speaker the request and their answer form. It
// needs no login: the link's token is the capability, as the link reaches
// speakers on other servers too. The page carries that secret in its
// address, so it is never cached (render sends no-store) and never
// named to another site: same-origin sends no Referer away at all, not
// even the origin. (no-referrer would do that too, but browsers then send
// "Origin: null" with the form, which the CSRF check rightly refuses.)
func (s *Server) speakerAnswerPage(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	w.Header().Set("Referrer-Policy", answerReferrerPolicy)
	rc, req, err := s.answerAt(ctx, r.PathValue("token"))
	if err != nil {
		return err
	}
	cat := s.catalogs[reqFrom(ctx).lang]
	v := speakerAnswerView{speakerRequestDetails: s.requestDetails(ctx, cat, req), Form: s.newAnswerForm(cat, rc, req)}
	if r.URL.Query().Get("done") == "answered" {
		v.Notice = cat.t("speakers.notice_answered")
	}
	return s.render(w, r, http.StatusOK, "speaker_answer", v)
}

// answerSpeakerRequest takes an answer from the form. Posts count against
// the client's address (and the member's budget when one is logged in),
// since anyone holding a link may post.
func (s *Server) answerSpeakerRequest(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	w.Header().Set("Referrer-Policy", answerReferrerPolicy)
	if err := s.spendAnswer(ctx); err != nil {
		return err
	}
	token := r.PathValue("token")
	rc, req, err := s.answerAt(ctx, token)
	if err != nil {
		return err
	}
	if req.State == content.RequestClosed {
		return answerClosed(token)
	}
	cat := s.catalogs[reqFrom(ctx).lang]
	f := s.newAnswerForm(cat, rc, req)
	a, note := readAnswer(cat, r, f)
	if len(f.ErrorList) == 0 {
		if _, err = s.cfg.Federation.AnswerSpeakerRequest(ctx, token, a, note); err != nil {
			if err := s.answerRefused(cat, f, token, err); err != nil {
				return err
			}
		}
	}
	if len(f.ErrorList) > 0 {
		f.setOptions(cat)
		v := speakerAnswerView{speakerRequestDetails: s.requestDetails(ctx, cat, req), Form: f}
		return s.render(w, r, http.StatusUnprocessableEntity, "speaker_answer", v)
	}
	if m := reqFrom(ctx).member; m != nil && rc.MemberID == m.ID {
		return redirect(w, r, speakerRequestPath(req.Token)+"?done=answered")
	}
	return redirect(w, r, speakerAnswerPath(token)+"?done=answered")
}

// readAnswer reads the choice and the note into f, with their errors.
func readAnswer(cat catalog, r *http.Request, f *speakerAnswerForm) (content.SpeakerAnswer, string) {
	f.Answer = strings.TrimSpace(r.PostForm.Get("answer"))
	f.Note = strings.ReplaceAll(strings.TrimSpace(r.PostForm.Get("note")), "\r\n", "\n")
	a, err := content.ParseSpeakerAnswer(f.Answer)
	if err != nil {
		f.addError("answer-available", cat.t("speakers.error_answer"))
	}
	switch {
	case utf8.RuneCountInString(f.Note) > content.MaxAnswerNote:
		f.addError("note", cat.t("speakers.error_note_long", content.MaxAnswerNote))
	case a == content.AnswerNote && f.Note == "":
		f.addError("note", cat.t("speakers.error_note_empty"))
	}
	return a, f.Note
}

// answerRefused turns the domain's refusal of an answer into a form
// error, or into the page's answer: a request closed meanwhile is a 409.
func (s *Server) answerRefused(cat catalog, f *speakerAnswerForm, token string, err error) error {
	e, ok := content.AsError(err)
	switch {
	case ok && e.Kind == content.KindConflict:
		return answerClosed(token)
	case ok && e.Kind == content.KindNotFound:
		return requestHidden("no answer link " + token)
	case ok && e.Kind == content.KindInvalid && e.Field == "note":
		f.addError("note", cat.t(s.problemOf(err).key))
		return nil
	case ok && e.Kind == content.KindInvalid:
		f.addError("answer-available", cat.t(s.problemOf(err).key))
		return nil
	}
	return err
}

func answerClosed(token string) *problem {
	return &problem{status: http.StatusConflict, key: "speakers.answer_closed", detail: "speaker request of answer link " + token + " is closed"}
}

// spendAnswer counts an answer against the client's address, and
// against the member's budget too when one is logged in.
func (s *Server) spendAnswer(ctx context.Context) error {
	if m := reqFrom(ctx).member; m != nil {
		return s.spendWriteAt(ctx, m)
	}
	ip := clientKeyFrom(ctx)
	if ip == "" {
		return nil
	}
	if ok, wait := s.ipWriteLimit.allow(ip); !ok {
		return rateLimitedAs("limits.too_many_writes", wait, "answers from "+ip)
	}
	s.ipWriteLimit.add(ip)
	return nil
}
