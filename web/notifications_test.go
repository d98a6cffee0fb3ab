package web

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"kring/content"
)

// notify adds a notification for member, failing the test unless it is new.
func (n *testNode) notify(member *content.Member, kind content.NotificationKind, actor, actorName, object string) *content.Notification {
	n.t.Helper()
	no := &content.Notification{MemberID: member.ID, Kind: kind, Actor: actor, ActorName: actorName, ObjectIRI: object}
	added, err := n.db.AddNotification(context.Background(), no)
	if err != nil || !added {
		n.t.Fatalf("add notification %+v: %v, %v", no, added, err)
	}
	return no
}

var notificationItemRE = regexp.MustCompile(`(?s)<li class="actor notification">.*?</li>`)

// notificationItems returns the list items of a notifications page.
func notificationItems(body string) []string { return notificationItemRE.FindAllString(body, -1) }

func TestNotificationsRequireLogin(t *testing.T) {
	t.Parallel()
	n := newTestNode(t)
	b := n.browser()
	res := b.get("/notifications")
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/login?next=%2Fnotifications" {
		t.Errorf("GET /notifications anonymous: %d to %q, want 303 to /login?next=%%2Fnotifications", res.StatusCode, res.Header.Get("Location"))
	}
	if res := b.post("/notifications/read", url.Values{"csrf": {b.csrf("/")}, "up_to": {"1"}}); res.StatusCode != http.StatusUnauthorized {
		t.Errorf("POST /notifications/read anonymous: %d, want 401", res.StatusCode)
	}
}

func TestNotificationsList(t *testing.T) {
	t.Parallel()
	n := newTestNode(t)
	ada := n.member("ada", "Ada")
	bob := n.member("bob", "")
	post := "https://" + n.srv.cfg.Host + "/@ada/posts/1"

	n.clock.mu.Lock()
	n.clock.now = time.Date(2026, 3, 3, 9, 5, 0, 0, time.UTC)
	n.clock.mu.Unlock()
	n.notify(ada, content.NotifyFollow, "https://social.example/users/erik", "Erik", "")
	n.clock.Advance(time.Minute)
	n.notify(ada, content.NotifyLike, "https://social.example/users/erik", "Erik", post)
	n.notify(ada, content.NotifyAnnounce, "https://social.example/users/fien", "", post)
	n.notify(ada, content.NotifyMention, "https://other.example/u/gert", "Gert <b>G</b>", "https://other.example/notes/9")
	n.notify(ada, content.NotifyReply, "javascript:alert(1)", "Mallory", "javascript:alert(2)")
	newest := n.notify(ada, content.NotifyFollowRequest, "https://social.example/users/hans", "Hans", "")
	n.notify(bob, content.NotifyFollow, "https://social.example/users/erik", "Erik", "")

	b := n.browser()
	b.header.Set("Accept-Language", "nl")
	b.login("ada", testPassword)
	res := b.get("/notifications")
	if res.StatusCode != http.StatusOK {
		t.Fatalf("status %d", res.StatusCode)
	}
	items := notificationItems(res.body)
	want := []string{
		`<a href="https://social.example/users/hans" class="actor-name" rel="nofollow ugc">Hans</a> wil u volgen.`,
		`<span class="actor-name">Mallory</span> gaf een reactie op uw bericht.`,
		`<a href="https://other.example/u/gert" class="actor-name" rel="nofollow ugc">Gert &lt;b&gt;G&lt;/b&gt;</a> noemde u in <a href="https://other.example/notes/9" rel="nofollow ugc">een bericht</a>.`,
		`<a href="https://social.example/users/fien" class="actor-name" rel="nofollow ugc">https://social.example/users/fien</a> deelde <a href="` + post + `" rel="nofollow ugc">uw bericht</a>.`,
		`<a href="https://social.example/users/erik" class="actor-name" rel="nofollow ugc">Erik</a> vindt <a href="` + post + `" rel="nofollow ugc">uw bericht</a> leuk.`,
		`<a href="https://social.example/users/erik" class="actor-name" rel="nofollow ugc">Erik</a> volgt u nu.`,
	}
	if len(items) != len(want) {
		t.Fatalf("%d notifications listed, want %d:\n%s", len(items), len(want), strings.Join(items, "\n"))
	}
	for i, w := range want {
		if !strings.Contains(items[i], w) {
			t.Errorf("item %d lacks %q:\n%s", i, w, items[i])
		}
		if !strings.Contains(items[i], `<strong class="notification-new">Nieuw:</strong>`) {
			t.Errorf("item %d is not marked new in words:\n%s", i, items[i])
		}
	}
	if !strings.Contains(items[len(items)-1], `<time datetime="2026-03-03T09:05:00Z">3 maart 2026 om 09:05 (UTC)</time>`) {
		t.Errorf("oldest item's time:\n%s", items[len(items)-1])
	}
	if strings.Contains(res.body, "javascript:") {
		t.Error("a javascript: URL was linked")
	}
	if strings.Contains(res.body, "rel=\"prev\"") || strings.Contains(res.body, "/notifications?before=") {
		t.Error("one page of notifications links to another page")
	}

	t.Run("unread count in the menu", func(t *testing.T) {
		nav := navOf(b.get("/").body)
		if want := `<a href="/notifications">Meldingen (6<span class="visually-hidden"> ongelezen</span>)</a>`; !strings.Contains(nav, want) {
			t.Errorf("menu lacks %q:\n%s", want, nav)
		}
		if want := `<a href="/write">Schrijven</a>`; !strings.Contains(nav, want) {
			t.Errorf("menu lacks %q", want)
		}
		bobs := n.browser()
		bobs.login("bob", testPassword)
		if nav := navOf(bobs.get("/").body); !strings.Contains(nav, `Meldingen (1<span`) {
			t.Errorf("bob's menu does not count his one:\n%s", nav)
		}
		if items := notificationItems(bobs.get("/notifications").body); len(items) != 1 {
			t.Errorf("bob sees %d notifications, want his 1", len(items))
		}
	})

	t.Run("mark read up to the newest shown", func(t *testing.T) {
		// A notification that arrives after the page was shown stays unread.
		late := n.notify(ada, content.NotifyFollow, "https://social.example/users/ilse", "Ilse", "")
		form := regexp.MustCompile(`name="up_to" value="(\d+)"`).FindStringSubmatch(res.body)
		if form == nil || form[1] != strconv.FormatInt(newest.ID, 10) {
			t.Fatalf("mark-read form carries up_to %v, want %d", form, newest.ID)
		}
		marked := b.post("/notifications/read", url.Values{"csrf": {b.csrf("/")}, "up_to": {form[1]}})
		if marked.StatusCode != http.StatusSeeOther || marked.Header.Get("Location") != "/notifications?done=read" {
			t.Fatalf("mark read: %d to %q", marked.StatusCode, marked.Header.Get("Location"))
		}
		unread, err := n.db.UnreadNotifications(context.Background(), ada.ID)
		if err != nil || unread != 1 {
			t.Errorf("unread after marking = %d, %v; want 1 (the late one)", unread, err)
		}
		page := b.get("/notifications?done=read")
		if !strings.Contains(page.body, `<p class="notice" role="status">De meldingen zijn als gelezen gemarkeerd.</p>`) {
			t.Error("no confirmation")
		}
		if nav := navOf(page.body); !strings.Contains(nav, `Meldingen (1<span class="visually-hidden"> ongelezen</span>)`) {
			t.Errorf("menu after marking:\n%s", nav)
		}
		items := notificationItems(page.body)
		if len(items) != 7 || !strings.Contains(items[0], "Nieuw:") || strings.Contains(strings.Join(items[1:], ""), "Nieuw:") {
			t.Errorf("only the late one should be new:\n%s", strings.Join(items, "\n"))
		}
		if err := n.db.MarkNotificationsRead(context.Background(), ada.ID, late.ID); err != nil {
			t.Fatal(err)
		}
		page = b.get("/notifications")
		if nav := navOf(page.body); !strings.Contains(nav, `<a href="/notifications" aria-current="page">Meldingen</a>`) {
			t.Errorf("menu with nothing unread:\n%s", nav)
		}
		if strings.Contains(page.body, `action="/notifications/read"`) {
			t.Error("the mark-read button shows with nothing unread")
		}
	})

	t.Run("bad input", func(t *testing.T) {
		for _, up := range []string{"", "0", "-3", "x"} {
			if res := b.post("/notifications/read", url.Values{"csrf": {b.csrf("/")}, "up_to": {up}}); res.StatusCode != http.StatusBadRequest {
				t.Errorf("up_to=%q: %d, want 400", up, res.StatusCode)
			}
		}
		if res := b.get("/notifications?before=abc"); res.StatusCode != http.StatusBadRequest {
			t.Errorf("before=abc: %d, want 400", res.StatusCode)
		}
		if res := b.post("/notifications/read", url.Values{"up_to": {"1"}}); res.StatusCode != http.StatusForbidden {
			t.Errorf("without a CSRF token: %d, want 403", res.StatusCode)
		}
	})
}

func TestNotificationsPaging(t *testing.T) {
	t.Parallel()
	n := newTestNode(t)
	ada := n.member("ada", "")
	var ids []int64
	for i := range 35 {
		n.clock.Advance(time.Second)
		no := n.notify(ada, content.NotifyFollow, fmt.Sprintf("https://social.example/users/u%02d", i), fmt.Sprintf("Volger %02d", i), "")
		ids = append(ids, no.ID)
	}
	b := n.browser()
	b.login("ada", testPassword)
	// The member's own language is Dutch; the switch outranks it.
	b.post("/language", url.Values{"csrf": {b.csrf("/")}, "lang": {"en"}})

	page1 := b.get("/notifications")
	items := notificationItems(page1.body)
	if len(items) != 30 {
		t.Fatalf("first page lists %d, want 30", len(items))
	}
	if !strings.Contains(items[0], "Volger 34</a> now follows you.") || !strings.Contains(items[29], "Volger 05<") {
		t.Errorf("first page is not the newest 30, newest first: first %q, last %q", items[0], items[29])
	}
	older := fmt.Sprintf(`<a href="/notifications?before=%d" rel="next">Older notifications</a>`, ids[5])
	if !strings.Contains(page1.body, older) {
		t.Errorf("first page lacks %s", older)
	}
	if !strings.Contains(navOf(page1.body), "Notifications (35<span class=\"visually-hidden\"> unread</span>)") {
		t.Errorf("English menu count:\n%s", navOf(page1.body))
	}

	path := fmt.Sprintf("/notifications?before=%d", ids[5])
	page2 := b.get(path)
	items = notificationItems(page2.body)
	if len(items) != 5 || !strings.Contains(items[0], "Volger 04<") || !strings.Contains(items[4], "Volger 00<") {
		t.Errorf("second page:\n%s", strings.Join(items, "\n"))
	}
	if strings.Contains(page2.body, "rel=\"next\"") || !strings.Contains(page2.body, `<a href="/notifications">Newest notifications</a>`) {
		t.Error("second page should link to the newest and to nothing older")
	}

	// Marking read from the second page marks what it shows (and older),
	// not the newer page, and returns to it.
	up := regexp.MustCompile(`name="up_to" value="(\d+)"`).FindStringSubmatch(page2.body)
	if up == nil || up[1] != strconv.FormatInt(ids[4], 10) {
		t.Fatalf("second page's up_to = %v, want %d", up, ids[4])
	}
	res := b.post("/notifications/read", url.Values{"csrf": {b.csrf("/")}, "up_to": {up[1]}, "before": {strconv.FormatInt(ids[5], 10)}})
	if want := "/notifications?done=read&before=" + strconv.FormatInt(ids[5], 10); res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != want {
		t.Errorf("mark read: %d to %q, want 303 to %q", res.StatusCode, res.Header.Get("Location"), want)
	}
	if unread, _ := n.db.UnreadNotifications(context.Background(), ada.ID); unread != 30 {
		t.Errorf("unread = %d, want 30", unread)
	}

	past := b.get(fmt.Sprintf("/notifications?before=%d", ids[0]))
	if len(notificationItems(past.body)) != 0 || !strings.Contains(past.body, "There are no older notifications.") {
		t.Error("before the oldest should say there are none")
	}
	empty := n.browser()
	n.member("cas", "")
	empty.login("cas", testPassword)
	if body := empty.get("/notifications").body; !strings.Contains(body, "U hebt nog geen meldingen.") {
		t.Error("a member without notifications is not told so")
	}
}

func TestSplitMessage(t *testing.T) {
	tests := []struct {
		msg  string
		want string
	}{
		{"{0} vindt {1} leuk.", "[actor]| vindt |[object]| leuk."},
		{"{0} volgt u nu.", "[actor]| volgt u nu."},
		{"Iets {1} met {0}", "Iets |[object]| met |[actor]"},
		{"{2} {x} {", "{2} {x} {"},
		{"", ""},
	}
	for _, tt := range tests {
		var got []string
		for _, p := range splitMessage(tt.msg) {
			if p.Slot != "" {
				got = append(got, "["+p.Slot+"]")
				continue
			}
			got = append(got, p.Text)
		}
		if strings.Join(got, "|") != tt.want {
			t.Errorf("splitMessage(%q) = %q, want %q", tt.msg, strings.Join(got, "|"), tt.want)
		}
	}
}
