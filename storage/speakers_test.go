package storage_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"kring/content"
	"kring/storage"
	"kring/storage/storagetest"
)

// speakerProfile saves a profile with the given speaker topics (none: not
// a speaker) and profile topics.
func speakerProfile(t *testing.T, db *storage.DB, m *content.Member, speakerTopics, topics []string) {
	t.Helper()
	p := &content.Profile{MemberID: m.ID, Topics: topics, SpeakerTopics: speakerTopics, Speaker: len(speakerTopics) > 0}
	if err := db.SaveProfile(context.Background(), p); err != nil {
		t.Fatalf("profile of %s: %v", m.Username, err)
	}
}

func speakerNames(es []storage.SpeakerEntry) []string {
	var out []string
	for _, e := range es {
		out = append(out, e.Member.Username)
	}
	return out
}

// TestSpeakersByTopic: the speakers page lists live speakers by name, one
// topic narrows by TopicKey whatever the spelling, a profile topic is not
// a speaker topic, and suspended or deleted members are left out; the
// topic counts count the same people, spellings together.
func TestSpeakersByTopic(t *testing.T) {
	ctx := context.Background()
	db := storagetest.Open(t)
	ann := storagetest.Member(t, db, "ann", content.RoleMember, "correct horse battery")
	bas := storagetest.Member(t, db, "bas", content.RoleMember, "correct horse battery")
	cor := storagetest.Member(t, db, "cor", content.RoleMember, "correct horse battery")
	dirk := storagetest.Member(t, db, "dirk", content.RoleMember, "correct horse battery")
	eva := storagetest.Member(t, db, "eva", content.RoleMember, "correct horse battery")
	fem := storagetest.Member(t, db, "fem", content.RoleMember, "correct horse battery")
	// By name: "Zoë" sorts bas last, whatever the username.
	if err := db.UpdateProfile(ctx, bas.ID, "Zoë", "", content.LanguageDutch); err != nil {
		t.Fatal(err)
	}
	speakerProfile(t, db, ann, []string{"Open data", "Klimaat"}, nil)
	speakerProfile(t, db, bas, []string{"open-data"}, nil)
	speakerProfile(t, db, cor, []string{"Klimaat"}, []string{"Open data"}) // open data only as a profile topic
	speakerProfile(t, db, dirk, nil, []string{"Open data"})                // not a speaker
	speakerProfile(t, db, eva, []string{"OpenData"}, nil)
	speakerProfile(t, db, fem, []string{"Open Data"}, nil)
	if err := db.SetMemberSuspended(ctx, "eva", true); err != nil {
		t.Fatal(err)
	}
	if _, err := db.DeleteMember(ctx, fem.ID, "http://kring.test/users/fem", nil); err != nil {
		t.Fatal(err)
	}

	all, err := db.Speakers(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	if got, want := speakerNames(all), []string{"ann", "cor", "bas"}; !slices.Equal(got, want) {
		t.Errorf("all speakers %v, want %v (by name, live speakers only)", got, want)
	}
	open, err := db.Speakers(ctx, content.TopicKey("Open Data"))
	if err != nil {
		t.Fatal(err)
	}
	if got, want := speakerNames(open), []string{"ann", "bas"}; !slices.Equal(got, want) {
		t.Errorf("speakers on open data %v, want %v", got, want)
	}
	if len(open) > 0 && !slices.Equal(open[0].Profile.SpeakerTopics, []string{"Open data", "Klimaat"}) {
		t.Errorf("ann's profile comes without her topics: %+v", open[0].Profile)
	}

	topics, err := db.SpeakerTopics(ctx)
	if err != nil {
		t.Fatal(err)
	}
	want := []storage.TopicCount{{Key: "klimaat", Label: "Klimaat", Count: 2}, {Key: "opendata", Label: "Open data", Count: 2}}
	if diff := cmp.Diff(want, topics); diff != "" {
		t.Errorf("speaker topics (-want +got):\n%s", diff)
	}
}

// TestSpeakerRequestRecords: a request and its recipients are stored
// together with fresh unguessable tokens, found by request token, answer
// token and message id; answers replace each other, the same answer twice
// changes nothing, a closed request takes none, and closing is once.
func TestSpeakerRequestRecords(t *testing.T) {
	ctx := context.Background()
	db := storagetest.Open(t)
	clock := time.Date(2026, 5, 1, 9, 0, 0, 0, time.UTC)
	db.SetClock(func() time.Time { return clock })
	org := storagetest.Member(t, db, "org", content.RoleMember, "correct horse battery")
	ann := storagetest.Member(t, db, "ann", content.RoleMember, "correct horse battery")

	r := &content.SpeakerRequest{RequesterID: org.ID, EventTitle: "Datadag", EventDate: "2026-12-10", Online: true,
		Topic: "Open data", Language: "nl", Ask: "Een keynote van 20 minuten."}
	recipients := []content.SpeakerRecipient{
		{Actor: "http://kring.test/users/ann", MemberID: ann.ID, Name: "ann"},
		{Actor: "http://other.test/users/bo", Name: "Bo", URL: "http://other.test/@bo", NoteIRI: "http://kring.test/speakers/messages/1"},
	}
	if err := db.CreateSpeakerRequest(ctx, r, recipients); err != nil {
		t.Fatal(err)
	}
	if r.ID == 0 || len(r.Token) < 40 || r.State != content.RequestOpen || !r.CreatedAt.Equal(clock) {
		t.Errorf("request after create: %+v", r)
	}
	tokens := map[string]bool{r.Token: true}
	for _, rc := range recipients {
		if rc.ID == 0 || rc.RequestID != r.ID || len(rc.AnswerToken) < 40 || tokens[rc.AnswerToken] {
			t.Errorf("recipient after create: %+v", rc)
		}
		tokens[rc.AnswerToken] = true
	}

	got, err := db.SpeakerRequestByToken(ctx, r.Token)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(r, got); diff != "" {
		t.Errorf("request by token (-stored +read):\n%s", diff)
	}
	if _, err := db.SpeakerRequestByToken(ctx, "nope"); content.KindOf(err) != content.KindNotFound {
		t.Errorf("unknown token: %v, want not found", err)
	}
	rc, req, err := db.SpeakerRecipientByToken(ctx, recipients[1].AnswerToken)
	if err != nil || rc.Actor != "http://other.test/users/bo" || req.ID != r.ID {
		t.Fatalf("recipient by answer token: %+v, %+v, %v", rc, req, err)
	}
	if rc, _, err := db.SpeakerRecipientByNote(ctx, "http://kring.test/speakers/messages/1"); err != nil || rc.ID != recipients[1].ID {
		t.Errorf("recipient by note: %+v, %v", rc, err)
	}
	if _, _, err := db.SpeakerRecipientByNote(ctx, ""); content.KindOf(err) != content.KindNotFound {
		t.Errorf("recipient by empty note: %v, want not found (local recipients have none)", err)
	}
	if _, _, err := db.SpeakerRecipientByToken(ctx, r.Token); content.KindOf(err) != content.KindNotFound {
		t.Errorf("the request token opened an answer link: %v", err)
	}

	answer := func(id int64, a content.SpeakerAnswer, note string, via content.AnswerVia) bool {
		t.Helper()
		changed, err := db.RecordSpeakerAnswer(ctx, id, a, note, via)
		if err != nil {
			t.Fatalf("answer %s: %v", a, err)
		}
		return changed
	}
	if !answer(recipients[0].ID, content.AnswerAvailable, "", content.ViaLink) {
		t.Error("first answer changed nothing")
	}
	clock = clock.Add(time.Hour)
	if !answer(recipients[0].ID, content.AnswerUnavailable, "Toch niet.", content.ViaLink) {
		t.Error("a new answer changed nothing")
	}
	clock = clock.Add(time.Hour)
	if answer(recipients[0].ID, content.AnswerUnavailable, "Toch niet.", content.ViaLink) {
		t.Error("the same answer again changed something")
	}
	answer(recipients[1].ID, content.AnswerNote, "Graag, stuur me de details.", content.ViaReply)
	list, err := db.SpeakerRecipients(ctx, r.ID)
	if err != nil || len(list) != 2 {
		t.Fatalf("recipients: %+v, %v", list, err)
	}
	// By name: ann before Bo.
	if a := list[0]; a.Actor != recipients[0].Actor || a.Answer != content.AnswerUnavailable || a.AnswerNote != "Toch niet." ||
		a.AnsweredVia != content.ViaLink || !a.AnsweredAt.Equal(time.Date(2026, 5, 1, 10, 0, 0, 0, time.UTC)) || a.MemberID != ann.ID {
		t.Errorf("ann's answer: %+v", a)
	}
	if b := list[1]; b.Answer != content.AnswerNote || b.AnsweredVia != content.ViaReply || b.MemberID != 0 || b.URL != "http://other.test/@bo" {
		t.Errorf("Bo's answer: %+v", b)
	}

	inv, err := db.SpeakerRequestsFor(ctx, ann.ID)
	if err != nil || len(inv) != 1 || inv[0].Request.Token != r.Token || inv[0].Recipient.Answer != content.AnswerUnavailable {
		t.Errorf("requests for ann: %+v, %v", inv, err)
	}
	if mine, err := db.SpeakerRequestsBy(ctx, org.ID); err != nil || len(mine) != 1 || mine[0].ID != r.ID {
		t.Errorf("requests by org: %+v, %v", mine, err)
	}
	if theirs, err := db.SpeakerRequestsBy(ctx, ann.ID); err != nil || len(theirs) != 0 {
		t.Errorf("requests by ann: %+v, %v", theirs, err)
	}

	if closed, err := db.CloseSpeakerRequestPublishing(ctx, r.ID, nil); err != nil || !closed {
		t.Fatalf("close: %v, %v", closed, err)
	}
	if closed, err := db.CloseSpeakerRequestPublishing(ctx, r.ID, nil); err != nil || closed {
		t.Errorf("second close: %v, %v; want false, nil", closed, err)
	}
	if _, err := db.RecordSpeakerAnswer(ctx, recipients[1].ID, content.AnswerAvailable, "", content.ViaLink); content.KindOf(err) != content.KindConflict {
		t.Errorf("answer to a closed request: %v, want conflict", err)
	}
	if got, _ := db.SpeakerRequestByToken(ctx, r.Token); got.State != content.RequestClosed || !got.ClosedAt.Equal(clock) {
		t.Errorf("closed request: %+v", got)
	}

	// A second request gets other tokens; the same actor may be asked again.
	r2 := &content.SpeakerRequest{RequesterID: org.ID, EventTitle: "Tweede", EventDate: "2027-01-10", Place: "Utrecht",
		Topic: "Klimaat", Ask: "Een workshop."}
	again := []content.SpeakerRecipient{{Actor: "http://kring.test/users/ann", MemberID: ann.ID, Name: "ann"}}
	if err := db.CreateSpeakerRequest(ctx, r2, again); err != nil {
		t.Fatal(err)
	}
	if tokens[r2.Token] || tokens[again[0].AnswerToken] {
		t.Error("a token came twice")
	}
	if mine, _ := db.SpeakerRequestsBy(ctx, org.ID); len(mine) != 2 || mine[0].ID != r2.ID {
		t.Errorf("requests by org, newest first: %+v", mine)
	}
}
