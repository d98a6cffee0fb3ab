package web

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"kring/content"
)

// threadActions are the buttons of a thread page. Each needs a logged-in
// member; the domain decides who may do what and says why not (403).
var threadActions = map[string]func(s *Server, ctx context.Context, a *threadActionRequest) (string, error){
	"reply":        (*Server).replyInThread,
	"watch":        watch(true),
	"unwatch":      watch(false),
	"lock":         moderate(content.ModLock),
	"unlock":       moderate(content.ModUnlock),
	"pin":          moderate(content.ModPin),
	"unpin":        moderate(content.ModUnpin),
	"delete":       (*Server).deleteThread,
	"delete-reply": (*Server).deleteReply,
	"ban":          (*Server).banFromThread,
	"answer":       (*Server).markAnswer,
	"move":         (*Server).moveThread,
	"edit":         (*Server).editInThread,
}

// threadActionRequest is one button press on a thread page.
type threadActionRequest struct {
	member *content.Member
	thread *content.Thread
	form   url.Values
	back   string // the thread's page
}

// threadAction handles POST /f/{name}/{id}/{action} and answers 303 to
// where the action leaves the member: mostly the thread again.
func (s *Server) threadAction(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	m, _, err := requireMember(ctx)
	if err != nil {
		return err
	}
	act, ok := threadActions[r.PathValue("action")]
	if !ok {
		return &problem{status: http.StatusNotFound, key: "error.not_found", detail: "no such thread action"}
	}
	t, err := s.threadAt(ctx, r.PathValue("name"), r.PathValue("id"))
	if err != nil {
		return err
	}
	if t.Deleted {
		return &problem{status: http.StatusGone, key: "error.thread_deleted", detail: "thread deleted"}
	}
	to, err := act(s, ctx, &threadActionRequest{member: m, thread: t, form: r.PostForm, back: threadPath(t)})
	if err != nil {
		return err
	}
	return redirect(w, r, to)
}

// inThread checks that an object belongs to the thread: the forms name
// replies by id, and a reply elsewhere is not this page's business.
func (s *Server) inThread(ctx context.Context, t *content.Thread, iri string) (*content.Object, error) {
	missing := &problem{status: http.StatusNotFound, key: "error.reply_not_found", detail: "no reply " + iri + " in " + t.IRI}
	if iri == "" {
		return nil, missing
	}
	o, err := s.db.ObjectByIRI(ctx, iri)
	if err != nil || (o.IRI != t.IRI && o.Root != t.IRI) {
		return nil, missing
	}
	return o, nil
}

func (s *Server) replyInThread(ctx context.Context, a *threadActionRequest) (string, error) {
	parent := a.thread.IRI
	if p := a.form.Get("in_reply_to"); p != "" {
		o, err := s.inThread(ctx, a.thread, p)
		if err != nil {
			return "", err
		}
		parent = o.IRI
	}
	if err := s.spendWriteAt(ctx, a.member); err != nil {
		return "", err
	}
	o, err := s.cfg.Federation.Reply(ctx, a.member, parent, a.form.Get("text"))
	if err != nil {
		return "", err
	}
	return a.back + "#c" + strconv.FormatInt(o.ID, 10), nil
}

// watch is the watch (on) or unwatch button: a watcher is told of every
// reply in the thread.
func watch(on bool) func(*Server, context.Context, *threadActionRequest) (string, error) {
	done := "?done=unwatch"
	if on {
		done = "?done=watch"
	}
	return func(s *Server, ctx context.Context, a *threadActionRequest) (string, error) {
		if err := s.db.Watch(ctx, a.member.ID, a.thread.IRI, on); err != nil {
			return "", fmt.Errorf("watch %s: %w", a.thread.IRI, err)
		}
		return a.back + done, nil
	}
}

// moderate is a moderator's lock, unlock, pin or unpin button.
func moderate(action content.ModAction) func(*Server, context.Context, *threadActionRequest) (string, error) {
	return func(s *Server, ctx context.Context, a *threadActionRequest) (string, error) {
		if err := s.cfg.Federation.ModerateThread(ctx, a.member, a.thread, action, reasonOf(a.form)); err != nil {
			return "", err
		}
		return a.back, nil
	}
}

// reasonOf is the reason a moderator typed, on one line.
func reasonOf(form url.Values) string {
	return strings.Join(strings.Fields(form.Get("reason")), " ")
}

func (s *Server) deleteThread(ctx context.Context, a *threadActionRequest) (string, error) {
	fed := s.cfg.Federation
	var err error
	if a.thread.Author == fed.IRIs().Actor(a.member.Username) {
		err = fed.DeleteOwn(ctx, a.member, a.thread.IRI)
	} else {
		err = fed.ModerateThread(ctx, a.member, a.thread, content.ModDelete, reasonOf(a.form))
	}
	if err != nil {
		return "", err
	}
	return "/f/" + a.thread.Forum, nil
}

// deleteReply deletes a reply: its author's own, or anyone's by a
// moderator.
func (s *Server) deleteReply(ctx context.Context, a *threadActionRequest) (string, error) {
	o, err := s.inThread(ctx, a.thread, a.form.Get("object"))
	if err != nil {
		return "", err
	}
	if o.IRI == a.thread.IRI {
		return s.deleteThread(ctx, a)
	}
	fed := s.cfg.Federation
	if o.AttributedTo == fed.IRIs().Actor(a.member.Username) {
		err = fed.DeleteOwn(ctx, a.member, o.IRI)
	} else {
		err = fed.DeleteInForum(ctx, a.member, o.IRI, reasonOf(a.form))
	}
	if err != nil {
		return "", err
	}
	return a.back + "#replies", nil
}

// banFromThread bans an actor from the thread's forum: the page offers
// the authors of the question and of the replies.
func (s *Server) banFromThread(ctx context.Context, a *threadActionRequest) (string, error) {
	actor := strings.TrimSpace(a.form.Get("actor"))
	if actor == "" {
		return "", &problem{status: http.StatusBadRequest, key: "error.invalid", field: "actor", detail: "no actor to ban"}
	}
	f, err := s.db.ForumByID(ctx, a.thread.ForumID)
	if err != nil {
		return "", err
	}
	if err := s.cfg.Federation.Ban(ctx, a.member, f, actor, reasonOf(a.form), true); err != nil {
		return "", err
	}
	return a.back + "?done=ban", nil
}

// markAnswer marks a reply as the answer, or clears the mark (reply "").
func (s *Server) markAnswer(ctx context.Context, a *threadActionRequest) (string, error) {
	reply := a.form.Get("reply")
	if err := s.cfg.Federation.MarkAnswer(ctx, a.member, a.thread, reply); err != nil {
		return "", err
	}
	if reply == "" {
		return a.back, nil
	}
	return a.back + "#answer", nil
}

func (s *Server) moveThread(ctx context.Context, a *threadActionRequest) (string, error) {
	to, err := s.forumNamed(ctx, strings.TrimSpace(a.form.Get("to")))
	if err != nil {
		return "", err
	}
	if err := s.cfg.Federation.MoveThread(ctx, a.member, a.thread, to, reasonOf(a.form)); err != nil {
		return "", err
	}
	return "/f/" + to.Name + "/" + strconv.FormatInt(a.thread.ID, 10) + "?done=move", nil
}

// editInThread saves the viewer's edit of their question (field object
// empty) or of one of their replies.
func (s *Server) editInThread(ctx context.Context, a *threadActionRequest) (string, error) {
	iri := a.form.Get("object")
	if iri == "" {
		iri = a.thread.IRI
	}
	if iri != a.thread.IRI {
		if _, err := s.inThread(ctx, a.thread, iri); err != nil {
			return "", err
		}
	}
	if err := s.spendWriteAt(ctx, a.member); err != nil {
		return "", err
	}
	text := strings.ReplaceAll(a.form.Get("text"), "\r\n", "\n")
	o, err := s.cfg.Federation.EditInForum(ctx, a.member, iri, a.form.Get("title"), text)
	if err != nil {
		return "", err
	}
	if o.IRI == a.thread.IRI {
		return a.back, nil
	}
	return a.back + "#c" + strconv.FormatInt(o.ID, 10), nil
}
