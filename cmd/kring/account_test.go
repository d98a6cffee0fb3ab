package main

import (
	"context"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"kring/content"
)

// The account lifecycle on real `kring` processes: the commands run while
// `kring serve` runs on the same data folder, as an operator runs them.

// getAS fetches an ActivityStreams document from a node, under its host
// name, and returns the status and the decoded body.
func getAS(t *testing.T, n *e2eNode, path string) (int, map[string]any) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, "http://"+n.addr+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Host = n.host
	req.Header.Set("Accept", "application/activity+json")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var doc map[string]any
	_ = json.NewDecoder(res.Body).Decode(&doc)
	return res.StatusCode, doc
}

// TestKeysRotateCLI is the key rotation's acceptance test on processes:
// `kring keys rotate` runs beside a's `kring serve`, which has alice's
// old key in memory; b, which verified alice with the old key, accepts
// her next note (signed with the new key) and holds the new key.
func TestKeysRotateCLI(t *testing.T) {
	if testing.Short() {
		t.Skip("starts two kring serve processes; not with -short")
	}
	t.Parallel()
	ctx := context.Background()
	cl := newCluster(t, "a", "b")
	a, b := cl.nodes[0], cl.nodes[1]
	a.run(t, "user", "add", "alice")
	b.run(t, "user", "add", "bob")
	cl.start(t, a)
	cl.start(t, b)
	alice := a.actor("alice")
	if err := cl.follow(b, "bob", a.handle("alice")); err != nil {
		t.Fatal(err)
	}
	waitAccepted(t, b, b.actor("bob"), alice)
	before, beforeCreate := a.post(t, "alice", "before")
	b.waitStored(t, before, beforeCreate, alice, "before")

	r := a.run(t, "keys", "rotate", "--actor", "alice")
	if !strings.HasPrefix(r.stdout, "Rotated the key of "+alice+" (member).\nOld: SHA256:") ||
		!strings.Contains(r.stdout, "queued for 1 inbox(es)") {
		t.Errorf("kring keys rotate printed:\n%s", r.stdout)
	}
	m, err := a.db.MemberByUsername(ctx, "alice")
	if err != nil {
		t.Fatal(err)
	}
	after, afterCreate := a.post(t, "alice", "after")
	b.waitStored(t, after, afterCreate, alice, "after")
	eventually(t, "b to hold alice's new key", func() (bool, string) {
		ra, err := b.db.RemoteActor(ctx, alice)
		if err != nil {
			return false, err.Error()
		}
		return ra.PublicKeyPEM == m.PublicKeyPEM, "b holds another key"
	})
	if _, doc := getAS(t, a, "/users/alice"); doc["publicKey"].(map[string]any)["publicKeyPem"] != m.PublicKeyPEM {
		t.Error("a does not serve alice's new key")
	}
	a.waitDrained(t)

	r = a.run(t, "keys", "list")
	if !regexp.MustCompile(`(?m)^alice +member +SHA256:[0-9a-f]{64} +\d{4}-\d\d-\d\d \d\d:\d\d \(1×\)$`).MatchString(r.stdout) ||
		!regexp.MustCompile(`(?m)^instance +instance +SHA256:[0-9a-f]{64} +never$`).MatchString(r.stdout) {
		t.Errorf("kring keys list printed:\n%s", r.stdout)
	}
	wantError(t, kring(t, "keys", "rotate", "--data", a.data), exitUsage,
		"--actor is missing: name the member, forum, organisation or instance whose key to rotate", "kring keys rotate --help")
	wantError(t, kring(t, "keys", "rotate", "--actor", "ghost", "--data", a.data), exitFailure,
		`no member, forum or organisation is called "ghost" here (the instance actor is "instance", the Speakers group "speakers")`, "kring keys list shows the actors and their keys")
}

// TestMoveCLI is the Move acceptance test on processes: carol on c
// follows alice on a; alice2 on b names alice with `kring user alias`;
// `kring move` moves alice to alice2, and c's carol follows alice2.
func TestMoveCLI(t *testing.T) {
	if testing.Short() {
		t.Skip("starts three kring serve processes; not with -short")
	}
	t.Parallel()
	ctx := context.Background()
	cl := newCluster(t, "a", "b", "c")
	a, b, c := cl.nodes[0], cl.nodes[1], cl.nodes[2]
	a.run(t, "user", "add", "alice")
	b.run(t, "user", "add", "alice2")
	c.run(t, "user", "add", "carol")
	for _, n := range cl.nodes {
		cl.start(t, n)
	}
	if err := cl.follow(c, "carol", a.handle("alice")); err != nil {
		t.Fatal(err)
	}
	waitAccepted(t, c, c.actor("carol"), a.actor("alice"))

	move := func() []string {
		return append([]string{"move", "--as", "alice", "--to", b.handle("alice2")}, cl.resolve...)
	}
	r := kring(t, append(move(), "--data", a.data)...)
	wantErrorContains(t, r, exitFailure, b.actor("alice2")+" does not list "+a.actor("alice")+" in alsoKnownAs",
		"Try: on the new account, add alice@"+a.host+" as an alias (on Kring: kring user alias --as NEW --add alice@"+a.host+"), then move again")

	r = b.run(t, append([]string{"user", "alias", "--as", "alice2", "--add", a.handle("alice")}, cl.resolve...)...)
	if want := "alice2 is also known as:\n  " + a.actor("alice") + "\n"; r.stdout != want {
		t.Errorf("kring user alias printed %q, want %q", r.stdout, want)
	}
	r = a.run(t, move()...)
	if want := "alice moved to " + b.actor("alice2") + "; the Move is queued for 1 inbox(es) of followers.\n"; r.stdout != want {
		t.Errorf("kring move printed %q, want %q", r.stdout, want)
	}
	if _, doc := getAS(t, a, "/users/alice"); doc["movedTo"] != b.actor("alice2") {
		t.Errorf("alice's movedTo = %v", doc["movedTo"])
	}
	waitAccepted(t, c, c.actor("carol"), b.actor("alice2"))
	eventually(t, "carol's follow of alice to go", func() (bool, string) {
		_, err := c.db.FollowBetween(ctx, c.actor("carol"), a.actor("alice"))
		return content.KindOf(err) == content.KindNotFound, "still there"
	})
	waitFollowers(t, a, a.actor("alice"))
	waitFollowers(t, b, b.actor("alice2"), c.actor("carol"))
}

// TestExportAndDeleteCLI: follows export and import as Mastodon's CSV, a
// member's export, and deleting the member, whose Delete reaches b.
func TestExportAndDeleteCLI(t *testing.T) {
	if testing.Short() {
		t.Skip("starts two kring serve processes; not with -short")
	}
	t.Parallel()
	ctx := context.Background()
	cl := newCluster(t, "a", "b")
	a, b := cl.nodes[0], cl.nodes[1]
	a.run(t, "user", "add", "alice")
	a.run(t, "user", "add", "ann")
	b.run(t, "user", "add", "bob")
	cl.start(t, a)
	cl.start(t, b)
	alice := a.actor("alice")
	if err := cl.follow(a, "alice", b.handle("bob")); err != nil {
		t.Fatal(err)
	}
	if err := cl.follow(b, "bob", a.handle("alice")); err != nil {
		t.Fatal(err)
	}
	waitAccepted(t, a, alice, b.actor("bob"))
	waitAccepted(t, b, b.actor("bob"), alice)
	note, create := a.post(t, "alice", "hallo")
	b.waitStored(t, note, create, alice, "hallo")

	// Follows: export, to standard output and to a file.
	wantCSV := "Account address,Show boosts,Notify on new posts,Languages\n" + b.handle("bob") + ",true,false,\n"
	if r := a.run(t, "follows", "export", "--as", "alice"); r.stdout != wantCSV {
		t.Errorf("kring follows export printed:\n%s\nwant:\n%s", r.stdout, wantCSV)
	}
	file := filepath.Join(t.TempDir(), "follows.csv")
	a.run(t, "follows", "export", "--as", "alice", "--out", file)
	if got, err := os.ReadFile(file); err != nil || string(got) != wantCSV {
		t.Errorf("--out file: %q, %v", got, err)
	}

	// Import for ann, with one bad line: the rest is followed, the bad
	// line named, and the exit code says something failed.
	if err := os.WriteFile(file, []byte(wantCSV+"nonsense,true,false,\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	imp := append([]string{"follows", "import", "--as", "ann", file, "--data", a.data}, cl.resolve...)
	r := kring(t, imp...)
	if r.code != exitFailure || !strings.Contains(r.stdout, "line 2: "+b.handle("bob")+": requested\n") ||
		!strings.Contains(r.stdout, "line 3: nonsense: not an account address") || !strings.Contains(r.stdout, "1 requested, 0 already followed or requested, 1 failed.") {
		t.Errorf("import: exit %d\nstdout:\n%s\nstderr:\n%s", r.code, r.stdout, r.stderr)
	}
	wantErrorContains(t, r, exitFailure, "Error: 1 of 2 line(s) could not be followed\n")
	waitAccepted(t, a, a.actor("ann"), b.actor("bob"))
	if r := kring(t, imp...); !strings.Contains(r.stdout, "line 2: "+b.handle("bob")+": already following\n") {
		t.Errorf("second import printed:\n%s", r.stdout)
	}

	// The member's export.
	dir := filepath.Join(t.TempDir(), "alice")
	r = a.run(t, "user", "export", "alice", "--out", dir)
	if want := `Exported "alice" to ` + dir + ": actor.json, outbox.json (1 item(s)), following_accounts.csv (1 account(s)).\n"; r.stdout != want {
		t.Errorf("kring user export printed %q, want %q", r.stdout, want)
	}
	var actor, outbox map[string]any
	for name, into := range map[string]*map[string]any{"actor.json": &actor, "outbox.json": &outbox} {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil || json.Unmarshal(b, into) != nil {
			t.Fatalf("%s: %v", name, err)
		}
	}
	if actor["id"] != alice || outbox["totalItems"] != float64(1) {
		t.Errorf("actor.json id %v; outbox.json totalItems %v", actor["id"], outbox["totalItems"])
	}
	if got, _ := os.ReadFile(filepath.Join(dir, "following_accounts.csv")); string(got) != wantCSV {
		t.Errorf("following_accounts.csv = %q", got)
	}

	// Deleting needs --yes; then b forgets alice and her actor is gone.
	wantError(t, kring(t, "user", "delete", "alice", "--data", a.data), exitUsage, `deleting "alice" cannot be undone`,
		"kring user export alice --out DIR first to keep a copy, then kring user delete alice --yes")
	r = a.run(t, "user", "delete", "alice", "--yes")
	if want := `Deleted "alice": 0 post(s), 1 object(s), 0 event(s), 2 follow(s), 0 upload(s). The Delete is queued for 1 inbox(es).` + "\n"; r.stdout != want {
		t.Errorf("kring user delete printed %q, want %q", r.stdout, want)
	}
	eventually(t, "b to forget alice", func() (bool, string) {
		_, err := b.db.RemoteActor(ctx, alice)
		return content.KindOf(err) == content.KindNotFound, "still stored"
	})
	if _, err := b.db.FollowBetween(ctx, b.actor("bob"), alice); content.KindOf(err) != content.KindNotFound {
		t.Errorf("bob still follows alice on b: %v", err)
	}
	if status, doc := getAS(t, a, "/users/alice"); status != http.StatusGone || doc["type"] != "Tombstone" {
		t.Errorf("GET alice after deletion: %d %v", status, doc)
	}
	wantErrorContains(t, kring(t, "user", "unsuspend", "alice", "--data", a.data), exitFailure, "cannot be reinstated", "Try: add a new member with kring user add")
	wantErrorContains(t, kring(t, "user", "add", "alice", "--data", a.data), exitFailure, `username "alice" is already taken`)
}

var inviteLinkRE = regexp.MustCompile(`(?m)^Invitation (\d+): https://kring\.test/register\?invite=([A-Za-z0-9_-]{43})$`)

// TestInviteCLI: invitations are made (the link shown once), listed by
// prefix with their state, revoked; bad flags are usage errors.
func TestInviteCLI(t *testing.T) {
	t.Parallel()
	dir := initNode(t)
	r := kring(t, "invite", "create", "--uses", "3", "--expires", "2d", "--data", dir)
	wantOK(t, r)
	m := inviteLinkRE.FindStringSubmatch(r.stdout)
	if m == nil || !strings.Contains(r.stdout, "(shown once) 3 uses, valid until ") {
		t.Fatalf("kring invite create printed:\n%s", r.stdout)
	}
	id, code := m[1], m[2]
	r = kring(t, "invite", "create", "--uses", "0", "--expires", "never", "--data", dir)
	wantOK(t, r)
	if !strings.Contains(r.stdout, "(shown once) unlimited uses, never expires.") {
		t.Errorf("unlimited invite:\n%s", r.stdout)
	}

	r = kring(t, "invite", "list", "--data", dir)
	wantOK(t, r)
	if !regexp.MustCompile(`(?m)^`+id+` +`+regexp.QuoteMeta(code[:8])+`… +0/3 +\d{4}-\d\d-\d\d \d\d:\d\d +active +`).MatchString(r.stdout) ||
		!regexp.MustCompile(`(?m)^2 +\S+… +0/∞ +never +active `).MatchString(r.stdout) || strings.Contains(r.stdout, code) {
		t.Errorf("kring invite list printed (the code must not show in full):\n%s", r.stdout)
	}
	wantOK(t, kring(t, "invite", "revoke", id, "--data", dir))
	if r := kring(t, "invite", "list", "--data", dir); !regexp.MustCompile(`(?m)^` + id + ` .* revoked `).MatchString(r.stdout) {
		t.Errorf("after revoke:\n%s", r.stdout)
	}
	db := openStorage(t, filepath.Join(dir, "kring.db"))
	if inv, err := db.InviteByCode(context.Background(), code); err != nil || !strings.HasPrefix(code, inv.Prefix) || inv.RevokedAt.IsZero() {
		t.Errorf("stored invite = %+v, %v", inv, err)
	}

	wantError(t, kring(t, "invite", "create", "--expires", "soon", "--data", dir), exitUsage,
		`--expires: "soon" is not a duration; use e.g. 7d, 12h or never`, "kring invite create --help")
	wantError(t, kring(t, "invite", "create", "--uses", "-1", "--data", dir), exitUsage,
		"--uses -1: give a number of uses, or 0 for unlimited", "kring invite create --help")
	wantError(t, kring(t, "invite", "revoke", "99", "--data", dir), exitFailure, "no invitation 99", "kring invite list shows the invitations")
}
