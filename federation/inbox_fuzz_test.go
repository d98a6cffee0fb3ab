package federation

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"kring/content"
	"kring/storage/storagetest"
)

// FuzzInboxProcess processes arbitrary activities as the inbox worker
// does once a signature has been verified: the body is stored as the
// inbox stores it (after the same envelope checks), from a remote actor
// already known (as verifying left it), and processPending works on it
// against a real database. Nothing may panic; the activity ends recorded
// with an outcome, or (when processing failed) still pending, never
// anything in between; and no stored HTML holds a script, style or frame
// or a javascript: link.
//
// The database is made once per fuzzing process; the client reaches no
// network (processing that fetches gets an error, as from a peer that is
// down).
func FuzzInboxProcess(f *testing.F) {
	for _, b := range corpusActivities(f) {
		f.Add(b)
	}
	f.Add([]byte(`{"id":"https://r.example/a/1","type":"Follow","actor":"https://r.example/users/bob","object":"https://kring.test/users/alice"}`))
	f.Add([]byte(`{"id":"https://r.example/a/2","type":"Create","actor":"https://r.example/users/bob","to":["https://www.w3.org/ns/activitystreams#Public"],` +
		`"object":{"id":"https://r.example/n/1","type":"Note","attributedTo":"https://r.example/users/bob","content":"<p>hi <script>alert(1)</script><a href=\"javascript:x\">x</a></p>","tag":[{"type":"Mention","href":"https://kring.test/users/alice"}]}}`))
	n, _ := fuzzNode(f)
	ctx := context.Background()
	alice := storagetest.Member(f, n.db, "alice", content.RoleMember, "password one two")
	aliceIRI := n.iris.Actor(alice.Username)
	pemText := sigSPKI(f, sigKey(0))
	raw, err := sql.Open("sqlite", "file:"+n.db.Path()+"?mode=ro&_pragma=busy_timeout(10000)")
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { raw.Close() })
	known := map[string]bool{}
	seq := 0
	f.Fuzz(func(t *testing.T, body []byte) {
		// The inbox refuses bodies over MaxInboxBody and these.
		var env envelope
		if len(body) > MaxInboxBody || json.Unmarshal(body, &env) != nil {
			return
		}
		actor, typ := soleID(env.Actor), typeOf(env.Type)
		if env.ID == "" || typ == "" || actor == "" || hostOf(env.ID) != hostOf(actor) {
			return
		}
		if !known[actor] {
			// As verifying the signature left it: the actor stored, and
			// followed by alice, so that what it posts concerns her.
			a := &content.RemoteActor{IRI: actor, Type: "Person", Username: "remote", Host: hostOf(actor),
				Inbox: actor + "/inbox", KeyID: actor + "#main-key", PublicKeyPEM: pemText, Raw: "{}", FetchedAt: time.Now()}
			if err := n.db.PutRemoteActor(ctx, a); err != nil {
				t.Fatalf("store actor %q: %v", actor, err)
			}
			if err := n.db.PutFollow(ctx, &content.Follow{IRI: aliceIRI + "#follows/" + fmt.Sprint(len(known)), Follower: aliceIRI,
				Followee: actor, State: content.FollowAccepted}); err != nil {
				t.Fatalf("alice follows %q: %v", actor, err)
			}
			known[actor] = true
		}
		// A fresh inbox id for every input: the fuzzer varies bodies
		// under one activity id, and the inbox would drop them all as
		// redeliveries. Processing reads the id from the body.
		seq++
		it := &content.InboxItem{ActivityIRI: fmt.Sprintf("%s#fuzz-%d-%d", env.ID, os.Getpid(), seq), Actor: actor, Type: typ, Body: body}
		if inserted, err := n.db.PutInbox(ctx, it); err != nil || !inserted {
			t.Fatalf("store the activity: inserted %v, %v", inserted, err)
		}
		retry := map[int64]retryState{}
		within(t, 20*time.Second, "processPending", func() { n.processPending(ctx, retry) })
		got, err := n.db.InboxItemByIRI(ctx, it.ActivityIRI)
		if err != nil {
			t.Fatalf("read the activity back: %v", err)
		}
		if _, failed := retry[it.ID]; failed {
			if !got.ProcessedAt.IsZero() {
				t.Fatalf("processing %s failed, yet it is recorded as done: %q", typ, got.Outcome)
			}
			// Out of the way of the next input's processPending.
			if err := n.db.FinishInbox(ctx, it.ID, "fuzz: failed"); err != nil {
				t.Fatal(err)
			}
		} else if got.ProcessedAt.IsZero() || got.Outcome == "" {
			t.Fatalf("processing %s neither failed nor recorded an outcome (processed at %v, outcome %q)", typ, got.ProcessedAt, got.Outcome)
		}
		checkStoredHTML(t, raw)
	})
}

// storedHTML are the tables and the columns of each that hold sanitised
// HTML, and unsafeHTML a LIKE pattern (LIKE ignores ASCII case) for each
// thing none of them may hold.
var (
	storedHTML = map[string]string{"objects": "name || ' ' || summary || ' ' || content", "events": "content"}
	unsafeHTML = []string{"%<script%", "%<style%", "%<iframe%", "%<object%", "%<embed%", `%="javascript:%`, `%="vbscript:%`, `%="data:%`}
)

// checkStoredHTML looks through every stored row, one query a table.
func checkStoredHTML(t *testing.T, raw *sql.DB) {
	t.Helper()
	for table, html := range storedHTML {
		var where []string
		args := make([]any, len(unsafeHTML))
		for i, p := range unsafeHTML {
			where, args[i] = append(where, html+" LIKE ?"), p
		}
		var iri, val string
		err := raw.QueryRow("SELECT iri, "+html+" FROM "+table+" WHERE "+strings.Join(where, " OR ")+" LIMIT 1", args...).Scan(&iri, &val)
		switch {
		case err == sql.ErrNoRows:
		case err != nil:
			t.Fatalf("read %s: %v", table, err)
		default:
			t.Fatalf("stored HTML of %s %s holds a script, style, frame or script URL: %q", table, iri, val)
		}
	}
}

// corpusActivities are the payloads of ../shared/fixtures/activitypub,
// HTTP captures unwrapped to their bodies; without the corpus it says so
// and returns nothing.
func corpusActivities(f *testing.F) [][]byte {
	f.Helper()
	dir := fuzzCorpusDir()
	if dir == "" {
		f.Log("../shared/fixtures/activitypub is not there: fuzzing without the real payloads as seeds")
		return nil
	}
	var out [][]byte
	err := filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || filepath.Ext(path) != ".json" {
			return err
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		var capture struct {
			Headers json.RawMessage `json:"headers"`
			Body    *string         `json:"body"`
		}
		if json.Unmarshal(b, &capture) == nil && capture.Headers != nil && capture.Body != nil {
			b = []byte(*capture.Body)
		}
		out = append(out, b)
		return nil
	})
	if err != nil {
		f.Fatalf("read the fixture corpus: %v", err)
	}
	return out
}
