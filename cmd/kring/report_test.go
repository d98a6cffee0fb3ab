package main

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"kring/content"
	"kring/storage"
)

// TestReportCommands lists, shows and resolves reports as an admin at the
// command line would: a Flag from another server about a spammer there,
// and a member's report about another member.
func TestReportCommands(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dir := initNode(t)
	for _, args := range [][]string{{"alice"}, {"bob"}, {"mo", "--role", "moderator"}} {
		wantOK(t, kring(t, append([]string{"user", "add", "--data", dir}, args...)...))
	}
	db := openStorage(t, filepath.Join(dir, storage.FileName))
	const spammer = "https://spam.test/users/spam"
	spamInbox := "https://spam.test/inbox"
	if err := db.PutRemoteActor(ctx, &content.RemoteActor{IRI: spammer, Type: "Person", Username: "spam", Host: "spam.test",
		Inbox: spammer + "/inbox", SharedInbox: spamInbox, KeyID: spammer + "#main-key", PublicKeyPEM: "-", Raw: "{}",
		FetchedAt: time.Now().UTC()}); err != nil {
		t.Fatal(err)
	}
	if _, err := db.PutObject(ctx, &content.Object{IRI: "https://spam.test/notes/1", Type: "Note", AttributedTo: spammer,
		Content: "<p>Koop <b>nu</b> goedkope bonen!</p>", Public: true, Published: time.Now().UTC()}); err != nil {
		t.Fatal(err)
	}
	flag := &content.Report{Origin: content.ReportRemote, Reporter: "https://other.test/actor", Target: spammer,
		Objects: []string{"https://spam.test/notes/1"}, Comment: "Spam!", FlagIRI: "https://other.test/flags/1"}
	if _, err := db.CreateReport(ctx, flag); err != nil {
		t.Fatal(err)
	}
	alice, _ := db.MemberByUsername(ctx, "alice")
	aboutBob, _ := content.NewLocalReport(alice.ID, "https://kring.test/users/alice", "https://kring.test/users/bob", nil, "Bob scheldt.")
	if _, err := db.CreateReport(ctx, aboutBob); err != nil {
		t.Fatal(err)
	}

	r := kring(t, "report", "list", "--data", dir)
	wantOK(t, r)
	for _, want := range []string{"ID", "STATE", spammer, "https://other.test/actor", "Spam!", "bob", "alice", "Bob scheldt."} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("list lacks %q:\n%s", want, r.stdout)
		}
	}
	r = kring(t, "report", "show", "1", "--data", dir)
	wantOK(t, r)
	for _, want := range []string{"Report:", "1 (open)", "another server (Flag https://other.test/flags/1)", "Koop nu goedkope bonen!",
		"Note by " + spammer} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("show lacks %q:\n%s", want, r.stdout)
		}
	}

	wantError(t, kring(t, "report", "show", "99", "--data", dir), 1, "no report 99", "kring report list --all shows the reports")
	wantError(t, kring(t, "report", "show", "een", "--data", dir), 2, `"een" is not a report id: kring report list shows them`,
		"kring report show --help")
	wantErrorContains(t, kring(t, "report", "resolve", "1", "--as", "mo", "--data", dir), 2, "--action is missing")
	wantErrorContains(t, kring(t, "report", "resolve", "1", "--as", "mo", "--action", "ban", "--data", dir), 2, `--action "ban"`)
	wantErrorContains(t, kring(t, "report", "resolve", "1", "--as", "mo", "--action", "dismiss", "--comment", "x", "--data", dir), 2,
		"--comment goes with --forward")
	wantError(t, kring(t, "report", "resolve", "1", "--as", "alice", "--action", "dismiss", "--data", dir), 1,
		"only the node's moderators and admins handle reports",
		"act as a moderator or admin, or make alice one: kring user set-role alice moderator")

	// Forwarded to the spammer's server, then suspended: logged, and the
	// spammer is refused from then on.
	r = kring(t, "report", "resolve", "1", "--as", "mo", "--action", "suspend", "--reason", "spam", "--forward", "--comment", "Spam van uw lid.",
		"--data", dir)
	wantOK(t, r)
	if !strings.Contains(r.stdout, "Forwarded report 1 as https://kring.test/activities/") ||
		!strings.Contains(r.stdout, "Resolved report 1: suspended "+spammer) {
		t.Errorf("resolve said:\n%s", r.stdout)
	}
	if stats, err := db.DeliveryStats(ctx); err != nil || stats.Pending != 1 || len(stats.ByHost) != 1 || stats.ByHost[0].Host != "spam.test" {
		t.Errorf("deliveries after forwarding: %+v, %v; want the Flag to spam.test", stats, err)
	}
	policy, err := db.FederationPolicy(ctx)
	if err != nil || len(policy.Actors) != 1 || policy.Actors[0].Actor != spammer || policy.Actors[0].Severity != content.SeveritySuspend {
		t.Errorf("actor policies: %+v, %v", policy, err)
	}
	wantError(t, kring(t, "report", "resolve", "1", "--as", "mo", "--action", "dismiss", "--data", dir), 1,
		"report 1 is already resolved", "kring report show 1 says how it was closed")

	wantError(t, kring(t, "report", "resolve", "2", "--as", "mo", "--action", "block", "--data", dir), 1,
		"https://kring.test/users/bob is on this node: only another server can be blocked",
		"leave out --forward; use --action delete, suspend or dismiss")
	wantError(t, kring(t, "report", "resolve", "2", "--as", "mo", "--action", "delete", "--data", dir), 1,
		"report 2 names no posts left to delete: suspend the actor or dismiss the report", "use --action suspend or --action dismiss")
	r = kringWith(t, runOpts{env: []string{"KRING_REPORT_ACTION=suspend", "KRING_MOD_REASON=herhaaldelijk"}},
		"report", "resolve", "2", "--as", "mo", "--data", dir)
	wantOK(t, r)
	if bob, _ := db.MemberByUsername(ctx, "bob"); !bob.Suspended {
		t.Error("bob is not suspended")
	}

	r = kring(t, "report", "list", "--data", dir)
	wantOK(t, r)
	if !strings.Contains(r.stdout, "No open reports") {
		t.Errorf("list after resolving both:\n%s", r.stdout)
	}
	r = kring(t, "report", "list", "--all", "--data", dir)
	wantOK(t, r)
	if !strings.Contains(r.stdout, "resolved (suspend)") || strings.Count(r.stdout, "\n") != 3 {
		t.Errorf("list --all:\n%s", r.stdout)
	}
	r = kring(t, "report", "show", "2", "--data", dir)
	wantOK(t, r)
	if !strings.Contains(r.stdout, "suspend by mo on ") || !strings.Contains(r.stdout, ": herhaaldelijk") {
		t.Errorf("show after resolving:\n%s", r.stdout)
	}
	r = kring(t, "modlog", "--data", dir)
	wantOK(t, r)
	for _, want := range []string{"forward_report", "actor_suspend", "suspend_member", "report 1: spam", "report 2: herhaaldelijk"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("modlog lacks %q:\n%s", want, r.stdout)
		}
	}
}
