package federation_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"kring/content"
	"kring/federation"
	"kring/federation/fedtest"
	"kring/storage"
	"kring/storage/storagetest"
)

const speakersWait = 15 * time.Second

// saveProfile stores a member's profile or fails the test.
func saveProfile(t *testing.T, db *storage.DB, m *content.Member, p content.Profile) {
	t.Helper()
	p.MemberID = m.ID
	if err := db.SaveProfile(context.Background(), &p); err != nil {
		t.Fatalf("profile of %s: %v", m.Username, err)
	}
}

// notificationsOf lists a member's notifications of one kind.
func notificationsOf(t *testing.T, db *storage.DB, m *content.Member, kind content.NotificationKind) []content.Notification {
	t.Helper()
	all, err := db.Notifications(context.Background(), m.ID, 0, 100)
	if err != nil {
		t.Fatal(err)
	}
	return slices.DeleteFunc(all, func(n content.Notification) bool { return n.Kind != kind })
}

// followSpeakersAs has a fedtest.Remote actor follow a's Speakers group
// with a signed Follow to the group's inbox, and waits for it to count.
func followSpeakersAs(t *testing.T, a *fedtest.Node, actor *fedtest.Actor, target string) {
	t.Helper()
	id := actor.ID + "/follows/" + strings.ReplaceAll(strings.TrimPrefix(target, "http://"), "/", "-")
	body, _ := json.Marshal(map[string]any{"@context": federation.ASContext, "id": id, "type": "Follow", "actor": actor.ID, "object": target})
	if got := fedtest.Post(t, a.IRIs().Inbox(target), body, actor.Signer().SignPost); got.Status != http.StatusAccepted {
		t.Fatalf("follow of %s: status %d (%s)", target, got.Status, got.Body)
	}
	if it := a.WaitProcessed(t, id, speakersWait); !strings.HasPrefix(it.Outcome, "accepted: ") {
		t.Fatalf("follow of %s: outcome %q", target, it.Outcome)
	}
}

// TestSpeakerRequestAcrossNodes is the first acceptance point with two
// real nodes on loopback and real signatures. On a: two speakers on "Open
// data", a speaker on another topic, a speaker on the topic who speaks
// only English, a suspended one, a member with open data only as a
// profile topic, and the requester (a speaker on the topic too). On b:
// bea, a speaker on "Open Data" who follows a's Speakers group through
// WebFinger, Follow and Accept, and bram, who follows it with another
// topic; and a plain fediverse actor (mast) who follows it without any
// hashtag. A request on a for "open data" in Dutch reaches the two local
// speakers by notification and bea by direct message, nobody else; their
// answers (two by link, bea's by replying on b) are bundled on a; closing
// tells all three.
func TestSpeakerRequestAcrossNodes(t *testing.T) {
	ctx := context.Background()
	a := fedtest.NewNode(t, fedtest.NodeOptions{})
	b := fedtest.NewNode(t, fedtest.NodeOptions{})
	group := a.IRIs().SpeakersGroup()
	member := func(n *fedtest.Node, name string) *content.Member {
		return storagetest.Member(t, n.DB, name, content.RoleMember, "correct horse battery")
	}

	anna, daan := member(a, "anna"), member(a, "daan")
	saveProfile(t, a.DB, anna, content.Profile{Speaker: true, SpeakerTopics: []string{"Open data"}, Languages: []string{"nl", "en"}})
	saveProfile(t, a.DB, daan, content.Profile{Speaker: true, SpeakerTopics: []string{"Klimaat", "open data"}}) // no languages: any
	kees := member(a, "kees")
	saveProfile(t, a.DB, kees, content.Profile{Speaker: true, SpeakerTopics: []string{"Klimaat"}})
	emma := member(a, "emma")
	saveProfile(t, a.DB, emma, content.Profile{Speaker: true, SpeakerTopics: []string{"Open data"}, SpeakerLanguages: []string{"en"}, Languages: []string{"nl"}})
	sam := member(a, "sam")
	saveProfile(t, a.DB, sam, content.Profile{Speaker: true, SpeakerTopics: []string{"Open data"}})
	if err := a.DB.SetMemberSuspended(ctx, "sam", true); err != nil {
		t.Fatal(err)
	}
	pim := member(a, "pim")
	saveProfile(t, a.DB, pim, content.Profile{Topics: []string{"open data"}})
	rita := member(a, "rita")
	saveProfile(t, a.DB, rita, content.Profile{Speaker: true, SpeakerTopics: []string{"Open data"}})

	bea, bram := member(b, "bea"), member(b, "bram")
	saveProfile(t, b.DB, bea, content.Profile{Speaker: true, SpeakerTopics: []string{"Open Data"}})
	saveProfile(t, b.DB, bram, content.Profile{Speaker: true, SpeakerTopics: []string{"Klimaat"}})
	for _, m := range []*content.Member{bea, bram} {
		g, err := b.Follow(ctx, m, "speakers@"+a.Host)
		if err != nil {
			t.Fatalf("%s follows speakers@%s: %v", m.Username, a.Host, err)
		}
		if g.IRI != group || g.Type != "Group" {
			t.Fatalf("speakers@%s resolved to %s (%s), want the Group %s", a.Host, g.IRI, g.Type, group)
		}
	}
	remote := fedtest.NewRemote(t)
	mast := remote.AddActor("mast", fedtest.Key(t, 0))
	followSpeakersAs(t, a, mast, group)
	followSpeakersAs(t, b, mast, b.Actor("bea")) // mast follows bea: her answer must still not reach mast
	remote.WaitFor(t, speakersWait, "the Speakers group's Accept, signed by the group", func(r fedtest.Received) bool {
		_, typ, _ := r.Activity()
		return typ == "Accept" && r.Signer == group && r.Err == nil
	})
	waitFor(t, "b's follows of the Speakers group to be accepted", speakersWait, func() bool {
		for _, m := range []*content.Member{bea, bram} {
			if f, err := b.DB.FollowBetween(ctx, b.Actor(m.Username), group); err != nil || f.State != content.FollowAccepted {
				return false
			}
		}
		return true
	})

	// The request.
	req := &content.SpeakerRequest{EventTitle: "Dag van de open overheid", EventDate: "2026-12-10", Place: "Utrecht",
		Audience: "Beleidsmakers", Topic: "open data", Language: "nl", Ask: "Een verhaal van 20 minuten over open data bij gemeenten."}
	recipients, err := a.RequestSpeakers(ctx, rita, req)
	if err != nil {
		t.Fatal(err)
	}
	byActor := map[string]content.SpeakerRecipient{}
	for _, rc := range recipients {
		byActor[rc.Actor] = rc
	}
	beaActor := b.Actor("bea")
	want := []string{a.Actor("anna"), a.Actor("daan"), beaActor}
	if len(recipients) != len(want) {
		t.Fatalf("the request reached %d: %+v; want exactly %v", len(recipients), recipients, want)
	}
	for _, w := range want {
		if _, ok := byActor[w]; !ok {
			t.Fatalf("the request did not reach %s; it reached %+v", w, recipients)
		}
	}
	page := a.IRIs().SpeakerRequest(req.Token)
	for _, m := range []*content.Member{anna, daan} {
		got := notificationsOf(t, a.DB, m, content.NotifySpeakerRequest)
		if len(got) != 1 || got[0].Actor != a.Actor("rita") || got[0].ObjectIRI != page || got[0].ActorName != "rita" {
			t.Errorf("%s's speaker request notifications: %+v", m.Username, got)
		}
	}
	for _, m := range []*content.Member{kees, emma, sam, pim, rita} {
		if got := notificationsOf(t, a.DB, m, content.NotifySpeakerRequest); len(got) != 0 {
			t.Errorf("%s was told of the request: %+v", m.Username, got)
		}
	}

	// bea's direct message, stored on b and told as a mention.
	beaRC := byActor[beaActor]
	noteIRI := beaRC.NoteIRI
	if !strings.HasPrefix(noteIRI, a.IRIs().Base()+"/speakers/messages/") {
		t.Fatalf("bea's message id %q", noteIRI)
	}
	var dm *content.Object
	waitFor(t, "b to store the direct message to bea", speakersWait, func() bool {
		dm, err = b.DB.ObjectByIRI(ctx, noteIRI)
		return err == nil
	})
	if dm.Public || dm.AttributedTo != group || !strings.Contains(dm.Content, a.IRIs().SpeakerAnswer(beaRC.AnswerToken)) ||
		!strings.Contains(dm.Content, "Dag van de open overheid") || !strings.Contains(dm.Content, "10 december 2026") {
		t.Errorf("the direct message as b stored it: %+v", dm)
	}
	var raw struct {
		To []string        `json:"to"`
		CC json.RawMessage `json:"cc"`
	}
	if err := json.Unmarshal([]byte(dm.Raw), &raw); err != nil || !slices.Equal(raw.To, []string{beaActor}) || strings.Contains(string(raw.CC), "http") {
		t.Errorf("the message is not addressed to bea alone: %s", dm.Raw)
	}
	if got := notificationsOf(t, b.DB, bea, content.NotifyMention); len(got) != 1 || got[0].Actor != group || got[0].ObjectIRI != noteIRI {
		t.Errorf("bea's mention notifications: %+v", got)
	}
	if got, _ := b.DB.Notifications(ctx, bram.ID, 0, 10); len(got) != 0 {
		t.Errorf("bram was told something: %+v", got)
	}
	t.Run("the message is served to its addressee only", func(t *testing.T) {
		key, err := content.ParsePrivateKey(bea.PrivateKeyPEM)
		if err != nil {
			t.Fatal(err)
		}
		cases := []struct {
			name   string
			signer *federation.Signer
			want   int
		}{
			{"unsigned", nil, http.StatusNotFound},
			{"signed by mast", &federation.Signer{KeyID: mast.KeyID, Key: mast.Key}, http.StatusNotFound},
			{"signed by bea", &federation.Signer{KeyID: beaActor + "#main-key", Key: key}, http.StatusOK},
		}
		for _, c := range cases {
			r, _ := http.NewRequest(http.MethodGet, noteIRI, nil)
			r.Header.Set("Accept", "application/activity+json")
			if c.signer != nil {
				if err := c.signer.SignGet(r); err != nil {
					t.Fatal(err)
				}
			}
			resp, err := http.DefaultClient.Do(r)
			if err != nil {
				t.Fatal(err)
			}
			var doc struct {
				ID string `json:"id"`
			}
			json.NewDecoder(resp.Body).Decode(&doc)
			resp.Body.Close()
			if resp.StatusCode != c.want || (c.want == http.StatusOK && doc.ID != noteIRI) {
				t.Errorf("%s: status %d, id %q; want %d", c.name, resp.StatusCode, doc.ID, c.want)
			}
		}
	})

	// Answers: two by link on a, bea's by replying on b.
	if _, err := a.AnswerSpeakerRequest(ctx, byActor[a.Actor("anna")].AnswerToken, content.AnswerAvailable, ""); err != nil {
		t.Fatal(err)
	}
	if _, err := a.AnswerSpeakerRequest(ctx, byActor[a.Actor("daan")].AnswerToken, content.AnswerUnavailable, "Die week ben ik weg."); err != nil {
		t.Fatal(err)
	}
	if _, err := a.AnswerSpeakerRequest(ctx, "not-a-token", content.AnswerAvailable, ""); content.KindOf(err) != content.KindNotFound {
		t.Errorf("answer with an unknown token: %v, want not found", err)
	}
	reply, err := b.Reply(ctx, bea, noteIRI, "Ja, ik kom graag!")
	if err != nil {
		t.Fatal(err)
	}
	var replyDoc struct {
		To []string `json:"to"`
		CC []string `json:"cc"`
	}
	if err := json.Unmarshal([]byte(reply.Raw), &replyDoc); err != nil || !slices.Equal(replyDoc.To, []string{group}) || len(replyDoc.CC) != 0 || reply.Public {
		t.Errorf("bea's reply to a direct message is not direct (to the group alone): %s", reply.Raw)
	}
	replyActivity := strings.Replace(reply.IRI, "/notes/", "/activities/", 1)
	if it := a.WaitProcessed(t, replyActivity, speakersWait); !strings.HasPrefix(it.Outcome, "answered: ") {
		t.Errorf("a's outcome of bea's reply: %q", it.Outcome)
	}
	if _, err := a.DB.ObjectByIRI(ctx, reply.IRI); content.KindOf(err) != content.KindNotFound {
		t.Errorf("a stored bea's answer as a post: %v", err)
	}

	// Someone it was not sent to cannot answer by reply.
	fake := map[string]any{"id": mast.ID + "/statuses/1", "type": "Note", "attributedTo": mast.ID, "inReplyTo": noteIRI,
		"content": "<p>Ik ook!</p>", "to": []string{group}}
	body, _ := json.Marshal(map[string]any{"@context": federation.ASContext, "id": mast.ID + "/statuses/1/activity", "type": "Create",
		"actor": mast.ID, "to": []string{group}, "object": fake})
	if got := fedtest.Post(t, a.SharedInbox(), body, mast.Signer().SignPost); got.Status != http.StatusAccepted {
		t.Fatalf("mast's reply: status %d (%s)", got.Status, got.Body)
	}
	if it := a.WaitProcessed(t, mast.ID+"/statuses/1/activity", speakersWait); !strings.HasPrefix(it.Outcome, "ignored: ") {
		t.Errorf("a's outcome of mast's reply: %q", it.Outcome)
	}

	// The bundle on a.
	bundle, err := a.DB.SpeakerRecipients(ctx, req.ID)
	if err != nil {
		t.Fatal(err)
	}
	answers := map[string]string{}
	for _, rc := range bundle {
		answers[rc.Actor] = fmt.Sprintf("%s/%s/%s", rc.Answer, rc.AnsweredVia, rc.AnswerNote)
	}
	wantAnswers := map[string]string{
		a.Actor("anna"): "available/link/",
		a.Actor("daan"): "unavailable/link/Die week ben ik weg.",
		beaActor:        "note/reply/Ja, ik kom graag!",
	}
	if fmt.Sprint(answers) != fmt.Sprint(wantAnswers) {
		t.Errorf("answers on a: %v\nwant %v", answers, wantAnswers)
	}
	told := notificationsOf(t, a.DB, rita, content.NotifySpeakerAnswer)
	var who []string
	for _, nt := range told {
		if nt.ObjectIRI != page {
			t.Errorf("answer notification about %s, want the request page %s", nt.ObjectIRI, page)
		}
		who = append(who, nt.Actor)
	}
	slices.Sort(who)
	if sortedWant := slices.Sorted(slices.Values(want)); !slices.Equal(who, sortedWant) {
		t.Errorf("rita was told of answers by %v, want %v", who, sortedWant)
	}

	// Closing.
	if err := a.CloseSpeakerRequest(ctx, anna, req.Token); content.KindOf(err) != content.KindForbidden {
		t.Errorf("anna closes rita's request: %v, want forbidden", err)
	}
	if err := a.CloseSpeakerRequest(ctx, rita, req.Token); err != nil {
		t.Fatal(err)
	}
	if err := a.CloseSpeakerRequest(ctx, rita, req.Token); err != nil {
		t.Errorf("closing twice: %v", err)
	}
	for _, m := range []*content.Member{anna, daan} {
		if got := notificationsOf(t, a.DB, m, content.NotifySpeakerClosed); len(got) != 1 || got[0].ObjectIRI != page {
			t.Errorf("%s's closed notifications: %+v", m.Username, got)
		}
	}
	for _, m := range []*content.Member{kees, emma, pim, rita} {
		if got := notificationsOf(t, a.DB, m, content.NotifySpeakerClosed); len(got) != 0 {
			t.Errorf("%s was told of the closing: %+v", m.Username, got)
		}
	}
	if _, err := a.AnswerSpeakerRequest(ctx, byActor[a.Actor("anna")].AnswerToken, content.AnswerUnavailable, ""); content.KindOf(err) != content.KindConflict {
		t.Errorf("answer to a closed request: %v, want conflict", err)
	}
	var closing *content.Object
	waitFor(t, "b to store the closing message to bea", speakersWait, func() bool {
		for _, nt := range notificationsOf(t, b.DB, bea, content.NotifyMention) {
			if nt.ObjectIRI != noteIRI {
				closing, err = b.DB.ObjectByIRI(ctx, nt.ObjectIRI)
				return err == nil
			}
		}
		return false
	})
	if closing.AttributedTo != group || closing.InReplyTo != noteIRI || closing.Public || !strings.Contains(closing.Content, "gesloten") {
		t.Errorf("the closing message as b stored it: %+v", closing)
	}

	// A reply after the closing is ignored; the answer stays.
	late, err := b.Reply(ctx, bea, noteIRI, "Toch nog een vraag.")
	if err != nil {
		t.Fatal(err)
	}
	lateActivity := strings.Replace(late.IRI, "/notes/", "/activities/", 1)
	if it := a.WaitProcessed(t, lateActivity, speakersWait); it.Outcome != "ignored: reply to a closed speaker request" {
		t.Errorf("a's outcome of a reply to the closed request: %q", it.Outcome)
	}
	if rc, _, err := a.DB.SpeakerRecipientByToken(ctx, beaRC.AnswerToken); err != nil || rc.AnswerNote != "Ja, ik kom graag!" {
		t.Errorf("bea's answer after the closing: %+v, %v", rc, err)
	}

	// By now every delivery above is done: mast received no request and
	// not bea's answer, though it follows both the group and bea.
	for _, r := range remote.Received() {
		if _, typ, obj := r.Activity(); typ == "Create" {
			t.Errorf("mast received a Create of %s", obj)
		}
	}
}
