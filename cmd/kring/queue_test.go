package main

import (
	"context"
	"path/filepath"
	"regexp"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"kring/content"
	"kring/storage"
)

// queueAgeRE is the one part of `kring queue status` that depends on the
// clock.
var queueAgeRE = regexp.MustCompile(`; oldest pending queued \d+s ago`)

// wantQueueOutput runs a queue command and compares its stdout, with the
// pending row's age replaced by "Ns".
func wantQueueOutput(t *testing.T, want string, args ...string) {
	t.Helper()
	r := kring(t, args...)
	wantOK(t, r)
	got := queueAgeRE.ReplaceAllString(r.stdout, "; oldest pending queued Ns ago")
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("kring %v stdout (-want +got):\n%s", args, diff)
	}
	if r.stderr != "" {
		t.Errorf("kring %v wrote to stderr:\n%s", args, r.stderr)
	}
}

// seedQueue publishes activities with deliveries through the storage API
// and returns the deliveries by inbox, claimed: the caller records each
// one's outcome, as a worker would.
func seedQueue(t *testing.T, db *storage.DB, iri string, targets ...storage.Target) map[string]storage.Job {
	t.Helper()
	ctx := context.Background()
	act := &content.Activity{IRI: iri, Actor: "http://kring.test/users/alice", Type: "Create", Public: true,
		Body: []byte(`{"id":"` + iri + `"}`)}
	if err := db.Publish(ctx, act, nil, act.Actor, targets); err != nil {
		t.Fatal(err)
	}
	jobs, err := db.ClaimDeliveries(ctx, time.Now().Add(time.Second), 100, nil)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]storage.Job{}
	for _, j := range jobs {
		out[j.Inbox] = j
	}
	return out
}

func recordOutcome(t *testing.T, db *storage.DB, j storage.Job, o storage.DeliveryOutcome) {
	t.Helper()
	if err := db.FinishDelivery(context.Background(), j.ID, o); err != nil {
		t.Fatal(err)
	}
}

func TestQueueCommands(t *testing.T) {
	t.Parallel()
	dir := initNode(t)
	db := openStorage(t, filepath.Join(dir, storage.FileName))
	data := []string{"--data", dir}
	status := append([]string{"queue", "status"}, data...)

	t.Run("empty", func(t *testing.T) {
		wantQueueOutput(t, "pending 0, done 0, failed 0\n", status...)
	})

	const (
		bShared   = "https://b.example/inbox"
		bPersonal = "https://b.example/users/bea/inbox"
		cShared   = "https://c.example/inbox"
		dShared   = "https://d.example/inbox"
		err403    = "POST https://b.example/inbox: status 403 Forbidden"
		errDial   = "POST https://d.example/inbox: dial tcp 192.0.2.1:443: connect: connection refused"
	)
	jobs := seedQueue(t, db, "http://kring.test/activities/1",
		storage.Target{Inbox: bShared, Host: "b.example"}, storage.Target{Inbox: bPersonal, Host: "b.example"},
		storage.Target{Inbox: cShared, Host: "c.example"}, storage.Target{Inbox: dShared, Host: "d.example"})
	if len(jobs) != 4 {
		t.Fatalf("claimed %d deliveries, want 4", len(jobs))
	}
	recordOutcome(t, db, jobs[bShared], storage.DeliveryOutcome{State: content.DeliveryFailed, Status: 403, Error: err403})
	recordOutcome(t, db, jobs[cShared], storage.DeliveryOutcome{State: content.DeliveryDone})
	recordOutcome(t, db, jobs[dShared], storage.DeliveryOutcome{State: content.DeliveryPending, Next: time.Now().Add(time.Hour), Error: errDial})
	// Handed back without an attempt, as at shutdown: due now, no error.
	recordOutcome(t, db, jobs[bPersonal], storage.DeliveryOutcome{State: content.DeliveryPending, Next: time.Now(), NotAttempted: true})

	t.Run("status counts and hosts", func(t *testing.T) {
		wantQueueOutput(t, "pending 2, done 1, failed 1; oldest pending queued Ns ago\n"+
			"HOST       PENDING  FAILED  LAST ERROR\n"+
			"b.example  1        1       "+err403+"\n"+
			"d.example  1        0       "+errDial+"\n", status...)
	})
	t.Run("retry of a host without failures", func(t *testing.T) {
		wantQueueOutput(t, "Pending again: 0 deliveries; a running kring serve sends them now.\n",
			append([]string{"queue", "retry", "--host", "d.example"}, data...)...)
	})
	t.Run("retry makes failed pending and due", func(t *testing.T) {
		wantQueueOutput(t, "Pending again: 1 delivery; a running kring serve sends them now.\n",
			append([]string{"queue", "retry"}, data...)...)
		// A retry by hand starts afresh: the old error is gone.
		wantQueueOutput(t, "pending 3, done 1, failed 0; oldest pending queued Ns ago\n"+
			"HOST       PENDING  FAILED  LAST ERROR\n"+
			"b.example  2        0       -\n"+
			"d.example  1        0       "+errDial+"\n", status...)
		// Due now: a worker claims both b.example rows (d.example waits an hour).
		due, err := db.ClaimDeliveries(context.Background(), time.Now().Add(time.Second), 100, nil)
		if err != nil {
			t.Fatal(err)
		}
		var inboxes []string
		for _, j := range due {
			inboxes = append(inboxes, j.Inbox)
			jobs[j.Inbox] = j
		}
		if diff := cmp.Diff([]string{bPersonal, bShared}, inboxes, cmpopts.SortSlices(func(x, y string) bool { return x < y })); diff != "" {
			t.Fatalf("due after retry (-want +got):\n%s", diff)
		}
		recordOutcome(t, db, jobs[bShared], storage.DeliveryOutcome{State: content.DeliveryDone})
		recordOutcome(t, db, jobs[bPersonal], storage.DeliveryOutcome{State: content.DeliveryFailed, Status: 410, Error: "POST " + bPersonal + ": status 410 Gone"})
	})
	t.Run("purge deletes done only", func(t *testing.T) {
		wantQueueOutput(t, "Deleted 0 deliveries.\n", append([]string{"queue", "purge", "--failed", "--host", "d.example"}, data...)...)
		wantQueueOutput(t, "Deleted 2 deliveries.\n", append([]string{"queue", "purge"}, data...)...)
		wantQueueOutput(t, "pending 1, done 0, failed 1; oldest pending queued Ns ago\n"+
			"HOST       PENDING  FAILED  LAST ERROR\n"+
			"d.example  1        0       "+errDial+"\n"+
			"b.example  0        1       POST "+bPersonal+": status 410 Gone\n", status...)
	})
	t.Run("purge --failed deletes given-up ones", func(t *testing.T) {
		wantQueueOutput(t, "Deleted 1 delivery.\n", append([]string{"queue", "purge", "--failed"}, data...)...)
		wantQueueOutput(t, "pending 1, done 0, failed 0; oldest pending queued Ns ago\n"+
			"HOST       PENDING  FAILED  LAST ERROR\n"+
			"d.example  1        0       "+errDial+"\n", status...)
	})
}

func TestQueueCommandErrors(t *testing.T) {
	t.Parallel()
	missing := filepath.Join(t.TempDir(), "nothing")
	// A database that `kring init` never finished: schema, no settings.
	bare := filepath.Join(t.TempDir(), "bare")
	db, err := storage.Open(context.Background(), filepath.Join(bare, storage.FileName), storage.Options{Create: true, Migrate: true})
	if err != nil {
		t.Fatal(err)
	}
	db.Close()

	for _, sub := range []string{"status", "retry", "purge"} {
		t.Run(sub+" without a node", func(t *testing.T) {
			wantError(t, kring(t, "queue", sub, "--data", missing), 1,
				"no Kring node in "+missing+" ("+filepath.Join(missing, storage.FileName)+" not found)",
				"kring init --host HOST --data "+missing)
		})
		t.Run(sub+" in an unfinished data folder", func(t *testing.T) {
			wantError(t, kring(t, "queue", sub, "--data", bare), 1,
				"no Kring node in "+bare+" ("+filepath.Join(bare, storage.FileName)+" has no node settings)",
				"kring init --host HOST --data "+bare)
		})
	}
	t.Run("unknown subcommand", func(t *testing.T) {
		wantError(t, kring(t, "queue", "flush"), 2, `unknown command "flush" for kring queue`, "kring queue --help")
	})
	t.Run("argument", func(t *testing.T) {
		wantError(t, kring(t, "queue", "status", "now", "--data", missing), 2, `unexpected argument "now"`, "kring queue status --help")
	})
	t.Run("flag of another subcommand", func(t *testing.T) {
		wantErrorContains(t, kring(t, "queue", "status", "--failed", "--data", missing), 2, "flag provided but not defined: -failed")
	})
}
