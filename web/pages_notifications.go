package web

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"kring/content"
)

// notificationsPerPage is how many notifications one page lists.
const notificationsPerPage = 30

// notificationKeys are the sentence for each kind of notification: {0} is
// the actor, {1} the object (left out by kinds that have none).
var notificationKeys = map[content.NotificationKind]string{
	content.NotifyFollow:        "notifications.follow",
	content.NotifyFollowRequest: "notifications.follow_request",
	content.NotifyMention:       "notifications.mention",
	content.NotifyReply:         "notifications.reply",
	content.NotifyLike:          "notifications.like",
	content.NotifyAnnounce:      "notifications.announce",
	content.NotifyThread:        "notifications.thread",
	// The agenda's: {1} is the event.
	content.NotifyEventJoin:      "notifications.event_join",
	content.NotifyEventRequest:   "notifications.event_request",
	content.NotifyEventAccepted:  "notifications.event_accepted",
	content.NotifyEventRejected:  "notifications.event_rejected",
	content.NotifyEventReminder:  "notifications.event_reminder",
	content.NotifyEventChanged:   "notifications.event_changed",
	content.NotifyEventCancelled: "notifications.event_cancelled",
	// The speakers network's: {1} is the speaker request.
	content.NotifySpeakerRequest: "notifications.speaker_request",
	content.NotifySpeakerAnswer:  "notifications.speaker_answer",
	content.NotifySpeakerClosed:  "notifications.speaker_closed",
}

// notificationObjectKeys are the words the object's link shows.
var notificationObjectKeys = map[content.NotificationKind]string{
	content.NotifyMention:  "notifications.object_mention",
	content.NotifyReply:    "notifications.object_reply",
	content.NotifyLike:     "notifications.object_post",
	content.NotifyAnnounce: "notifications.object_post",
	content.NotifyThread:   "notifications.object_thread",
	// An event's link shows its title when it is still here.
	content.NotifyEventJoin:      "notifications.object_event",
	content.NotifyEventRequest:   "notifications.object_event",
	content.NotifyEventAccepted:  "notifications.object_event",
	content.NotifyEventRejected:  "notifications.object_event",
	content.NotifyEventReminder:  "notifications.object_event",
	content.NotifyEventChanged:   "notifications.object_event",
	content.NotifyEventCancelled: "notifications.object_event",
	content.NotifySpeakerRequest: "notifications.object_speaker_request",
	content.NotifySpeakerAnswer:  "notifications.object_speaker_request",
	content.NotifySpeakerClosed:  "notifications.object_speaker_request",
}

// notificationsView is what notifications.html shows.
type notificationsView struct {
	Items  []notificationItem
	Before int64 // this page starts below this ID; 0 for the newest
	Older  int64 // the before= of the next, older page; 0 when there is none
	UpTo   int64 // the newest ID shown, which marking read goes up to
	Unread bool  // something shown is unread
	Notice string
	Newest bool // this is the first page
	Empty  bool
}

// notificationItem is one notification as a sentence whose parts are text,
// the actor or the object; the template links the last two.
type notificationItem struct {
	Parts      []messagePart
	ActorName  string
	ActorURL   string // empty when the actor is not a web address
	ObjectText string
	ObjectURL  string
	Datetime   string // RFC 3339, for <time datetime>
	When       string // in words, in the visitor's language
	Unread     bool
}

// messagePart is literal text, or a slot ("actor", "object") the template
// fills with a link.
type messagePart struct {
	Text string
	Slot string
}

// splitMessage cuts a translated sentence at its {0} (the actor) and {1}
// (the object), so the template can put links there while escaping the
// rest: no HTML is built in Go.
func splitMessage(msg string) []messagePart {
	var parts []messagePart
	for msg != "" {
		i, slot := strings.Index(msg, "{0}"), "actor"
		if j := strings.Index(msg, "{1}"); j >= 0 && (i < 0 || j < i) {
			i, slot = j, "object"
		}
		if i < 0 {
			parts = append(parts, messagePart{Text: msg})
			break
		}
		if i > 0 {
			parts = append(parts, messagePart{Text: msg[:i]})
		}
		parts = append(parts, messagePart{Slot: slot})
		msg = msg[i+len("{0}"):]
	}
	return parts
}

// notificationsNotices are the confirmations /notifications?done= may show.
var notificationsNotices = map[string]string{
	"read": "notifications.notice_read",
}

// notificationsPage lists the member's notifications, newest first.
func (s *Server) notificationsPage(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	m, _, err := requireMember(ctx)
	if err != nil {
		return redirect(w, r, "/login?next="+url.QueryEscape("/notifications"))
	}
	before, err := beforeParam(r.URL.Query().Get("before"))
	if err != nil {
		return err
	}
	list, err := s.db.Notifications(ctx, m.ID, before, notificationsPerPage+1)
	if err != nil {
		return fmt.Errorf("list notifications of member %d: %w", m.ID, err)
	}
	cat := s.catalogs[reqFrom(ctx).lang]
	view := notificationsView{Before: before, Newest: before == 0, Empty: len(list) == 0}
	if key, ok := notificationsNotices[r.URL.Query().Get("done")]; ok {
		view.Notice = cat.t(key)
	}
	if len(list) > notificationsPerPage {
		list = list[:notificationsPerPage]
		view.Older = list[len(list)-1].ID
	}
	for i, n := range list {
		if i == 0 {
			view.UpTo = n.ID
		}
		view.Unread = view.Unread || !n.Read
		it := s.notificationItem(cat, n)
		if notificationObjectKeys[n.Kind] == "notifications.object_event" {
			// The event's page here, with its title: a received event's
			// own address would lead away from the member's buttons.
			if path, title := s.eventLink(ctx, n.ObjectIRI); path != "" {
				it.ObjectURL, it.ObjectText = path, title
			}
		}
		view.Items = append(view.Items, it)
	}
	return s.render(w, r, http.StatusOK, "notifications", view)
}

func (s *Server) notificationItem(cat catalog, n content.Notification) notificationItem {
	key, ok := notificationKeys[n.Kind]
	if !ok {
		key = "notifications.other"
	}
	it := notificationItem{
		Parts:     splitMessage(cat.t(key)),
		ActorName: n.ActorName,
		Datetime:  n.CreatedAt.UTC().Format(time.RFC3339),
		When:      cat.t("notifications.when", formatDate(cat, n.CreatedAt), n.CreatedAt.UTC().Format("15:04")),
		Unread:    !n.Read,
	}
	if it.ActorName == "" {
		it.ActorName = n.Actor
	}
	if isActorIRI(n.Actor) {
		it.ActorURL = n.Actor
	}
	if k, ok := notificationObjectKeys[n.Kind]; ok {
		it.ObjectText = cat.t(k)
	}
	if isActorIRI(n.ObjectIRI) {
		it.ObjectURL = n.ObjectIRI
	}
	return it
}

// beforeParam reads the before= of a notifications page: empty for the
// newest, else a positive ID.
func beforeParam(v string) (int64, error) {
	if v == "" {
		return 0, nil
	}
	id, err := strconv.ParseInt(v, 10, 64)
	if err != nil || id <= 0 {
		return 0, &problem{status: http.StatusBadRequest, key: "error.bad_request", detail: "bad before " + strconv.Quote(v)}
	}
	return id, nil
}

// markNotificationsRead marks the notifications the page showed as read:
// everything up to the newest one on it, so that one arriving meanwhile
// stays unread.
func (s *Server) markNotificationsRead(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	m, _, err := requireMember(ctx)
	if err != nil {
		return err
	}
	upTo, err := beforeParam(r.PostForm.Get("up_to"))
	if err != nil || upTo == 0 {
		return &problem{status: http.StatusBadRequest, key: "error.bad_request", detail: "bad up_to"}
	}
	before, err := beforeParam(r.PostForm.Get("before"))
	if err != nil {
		return err
	}
	if err := s.db.MarkNotificationsRead(ctx, m.ID, upTo); err != nil {
		return fmt.Errorf("mark notifications of member %d read: %w", m.ID, err)
	}
	back := "/notifications?done=read"
	if before > 0 {
		back += "&before=" + strconv.FormatInt(before, 10)
	}
	return redirect(w, r, back)
}
