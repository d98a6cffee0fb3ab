package storage_test

import (
	"context"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"kring/content"
	"kring/storage"
	"kring/storage/storagetest"
)

// TestReportQueue files a member's report and a Flag, keeps the copy of
// what was reported when the post changes afterwards, files neither twice,
// and closes a report once, with its removal and log line in the same
// transaction.
func TestReportQueue(t *testing.T) {
	ctx := context.Background()
	db := storagetest.Open(t)
	alice := storagetest.Member(t, db, "alice", content.RoleMember, "correct horse battery")
	const spammer = "https://b.test/users/spam"
	note := putObject(t, db, "https://b.test/notes/1", spammer, "")

	r, err := content.NewLocalReport(alice.ID, "https://kring.test/users/alice", spammer, []string{note.IRI, note.IRI}, "  Reclame.  ")
	if err != nil {
		t.Fatal(err)
	}
	if created, err := db.CreateReport(ctx, r); err != nil || !created || r.ID == 0 {
		t.Fatalf("file report: created %v, id %d, %v", created, r.ID, err)
	}
	// The author edits the post afterwards: the report keeps what alice saw.
	edited := *note
	edited.Content = "<p>Nothing to see here.</p>"
	if err := db.UpdateObject(ctx, &edited); err != nil {
		t.Fatal(err)
	}
	got, err := db.ReportByID(ctx, r.ID)
	if err != nil {
		t.Fatal(err)
	}
	want := content.ReportedObject{IRI: note.IRI, Held: true, Type: "Note", AttributedTo: spammer, Content: note.Content,
		Published: note.Published.Truncate(time.Millisecond)}
	if diff := cmp.Diff([]content.ReportedObject{want}, got.Snapshot); diff != "" {
		t.Errorf("snapshot (-want +got):\n%s", diff)
	}
	if got.Comment != "Reclame." || got.Origin != content.ReportLocal || got.State != content.ReportOpen || got.ReporterID != alice.ID ||
		len(got.Objects) != 1 {
		t.Errorf("report as stored: %+v", got)
	}

	again, _ := content.NewLocalReport(alice.ID, "https://kring.test/users/alice", spammer, []string{note.IRI}, "nog een keer")
	if created, err := db.CreateReport(ctx, again); err != nil || created || again.ID != r.ID {
		t.Errorf("the same open report again: created %v, id %d (first %d), %v; want the first", created, again.ID, r.ID, err)
	}

	flag := &content.Report{Origin: content.ReportRemote, Reporter: "https://c.test/actor", Target: spammer,
		Objects: []string{"https://b.test/notes/unknown"}, FlagIRI: "https://c.test/flags/1", Comment: "spam"}
	if created, err := db.CreateReport(ctx, flag); err != nil || !created {
		t.Fatalf("file flag: %v, %v", created, err)
	}
	if got, _ := db.ReportByID(ctx, flag.ID); len(got.Snapshot) != 1 || got.Snapshot[0].Held || got.FlagIRI != flag.FlagIRI {
		t.Errorf("an object not held is kept as its id alone: %+v", got)
	}
	dup := *flag
	dup.ID = 0
	if created, err := db.CreateReport(ctx, &dup); err != nil || created || dup.ID != flag.ID {
		t.Errorf("the same Flag again: created %v, id %d, %v", created, dup.ID, err)
	}

	open, err := db.Reports(ctx, storage.ReportFilter{})
	if err != nil || len(open) != 2 || open[0].ID != flag.ID || open[1].ID != r.ID {
		t.Fatalf("open reports: %+v, %v; want the flag, then alice's", open, err)
	}
	if n, about, err := db.CountReports(ctx, spammer); err != nil || n != 2 || about != 2 {
		t.Errorf("counts: %d open, %d about the spammer, %v", n, about, err)
	}

	mod := "https://kring.test/users/mo"
	err = db.CloseReport(ctx, r.ID, storage.ReportClosing{State: content.ReportResolved, Action: content.ReportDelete,
		Moderator: mod, Reason: "spam", Removals: []storage.Removal{{IRI: note.IRI, Author: spammer}},
		Log: []content.ModEntry{{Moderator: mod, Action: content.ModDelete, Target: note.IRI, Reason: "report 1: spam"}}})
	if err != nil {
		t.Fatal(err)
	}
	if o, err := db.ObjectByIRI(ctx, note.IRI); err != nil || !o.Deleted {
		t.Errorf("the reported note after resolving: %+v, %v; want a tombstone", o, err)
	}
	if log, err := db.ModLog(ctx, 0, 10); err != nil || len(log) != 1 || log[0].Target != note.IRI || log[0].ForumID != 0 {
		t.Errorf("log: %+v, %v", log, err)
	}
	closed, _ := db.ReportByID(ctx, r.ID)
	if closed.State != content.ReportResolved || closed.Resolution != content.ReportDelete || closed.Moderator != mod ||
		closed.Reason != "spam" || closed.ResolvedAt.IsZero() || closed.Snapshot[0].Content != note.Content {
		t.Errorf("closed report: %+v", closed)
	}
	err = db.CloseReport(ctx, r.ID, storage.ReportClosing{State: content.ReportDismissed, Action: content.ReportDismiss, Moderator: mod})
	if content.KindOf(err) != content.KindConflict {
		t.Errorf("closing a closed report: %v, want a conflict", err)
	}
	if err := db.CloseReport(ctx, 999, storage.ReportClosing{State: content.ReportDismissed}); content.KindOf(err) != content.KindNotFound {
		t.Errorf("closing no report: %v, want not found", err)
	}
	if list, _ := db.Reports(ctx, storage.ReportFilter{}); len(list) != 1 {
		t.Errorf("open after resolving one: %d, want 1", len(list))
	}
	if list, _ := db.Reports(ctx, storage.ReportFilter{All: true, Target: spammer}); len(list) != 2 {
		t.Errorf("all about the spammer: %d, want 2", len(list))
	}
	// A new report by alice now files anew: the first is closed.
	third, _ := content.NewLocalReport(alice.ID, "https://kring.test/users/alice", spammer, []string{note.IRI}, "")
	if created, err := db.CreateReport(ctx, third); err != nil || !created {
		t.Errorf("a new report after the first closed: %v, %v", created, err)
	}
}

// TestForwardReport records the Flag with its delivery once.
func TestForwardReport(t *testing.T) {
	ctx := context.Background()
	db := storagetest.Open(t)
	r := &content.Report{Origin: content.ReportRemote, Reporter: "https://c.test/actor", Target: "https://b.test/users/x",
		FlagIRI: "https://c.test/flags/2"}
	if _, err := db.CreateReport(ctx, r); err != nil {
		t.Fatal(err)
	}
	flag := &content.Activity{IRI: "https://kring.test/activities/f1", Actor: "https://kring.test/actor", Type: "Flag", Body: []byte(`{}`)}
	targets := []storage.Target{{Inbox: "https://b.test/inbox", Host: "b.test"}}
	entry := content.ModEntry{Moderator: "https://kring.test/users/mo", Action: content.ModForwardReport, Target: r.Target}
	if err := db.ForwardReport(ctx, r.ID, flag, flag.Actor, targets, entry); err != nil {
		t.Fatal(err)
	}
	if got, _ := db.ReportByID(ctx, r.ID); got.Forwarded != flag.IRI || got.State != content.ReportOpen {
		t.Errorf("after forwarding: %+v", got)
	}
	if a, err := db.ActivityByIRI(ctx, flag.IRI); err != nil || a.Public {
		t.Errorf("the Flag: %+v, %v; want it stored, not public", a, err)
	}
	if stats, err := db.DeliveryStats(ctx); err != nil || stats.Pending != 1 {
		t.Errorf("deliveries: %+v, %v; want one pending", stats, err)
	}
	again := *flag
	again.IRI = "https://kring.test/activities/f2"
	if err := db.ForwardReport(ctx, r.ID, &again, flag.Actor, targets, entry); content.KindOf(err) != content.KindConflict {
		t.Errorf("forwarding twice: %v, want a conflict", err)
	}
	if err := db.ForwardReport(ctx, 999, &again, flag.Actor, targets, entry); content.KindOf(err) != content.KindNotFound {
		t.Errorf("forwarding no report: %v, want not found", err)
	}
}
