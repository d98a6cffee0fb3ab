package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"kring/content"
)

// policyHolds is how long the test gives a running kring serve to pick up
// a policy change the CLI wrote: the node rereads it within a second
// (federation/policy.go).
const policyHolds = 1500 * time.Millisecond

// TestPolicyFederation is the federation policy's acceptance test, on
// real processes: a suspends b while all three serve; b's deliveries are
// refused, what a stored of b is gone, a delivers nothing to b, and in
// allowlist mode a federates with c only. Every change is made by the CLI
// while kring serve runs, and holds without a restart.
func TestPolicyFederation(t *testing.T) {
	if testing.Short() {
		t.Skip("starts three kring serve processes; not with -short")
	}
	t.Parallel()
	ctx := context.Background()
	began := time.Now()
	phase := func(name string) { t.Logf("%6.2fs %s", time.Since(began).Seconds(), name) }

	cl := newCluster(t, "a", "b", "c")
	a, b, c := cl.nodes[0], cl.nodes[1], cl.nodes[2]
	a.run(t, "user", "add", "alice")
	b.run(t, "user", "add", "bob")
	c.run(t, "user", "add", "carol")
	for _, n := range cl.nodes {
		cl.start(t, n)
	}
	alice, bob, carol := a.actor("alice"), b.actor("bob"), c.actor("carol")
	// bob and carol follow alice; alice follows both.
	for _, f := range []struct {
		on         *e2eNode
		as, target string
	}{{b, "bob", a.handle("alice")}, {c, "carol", a.handle("alice")}, {a, "alice", b.handle("bob")}, {a, "alice", c.handle("carol")}} {
		if err := cl.follow(f.on, f.as, f.target); err != nil {
			t.Fatal(err)
		}
	}
	waitFollowers(t, a, alice, bob, carol)
	waitAccepted(t, a, alice, bob)
	waitAccepted(t, a, alice, carol)
	fromB, fromBCreate := b.post(t, "bob", "from b")
	a.waitStored(t, fromB, fromBCreate, bob, "from b")
	phase("a, b and c follow each other; a holds bob's note")

	// A delivery to b waits in a's queue while b is down.
	b.srv.stop(t)
	a.post(t, "alice", "while b is down")
	eventually(t, "a's delivery to the stopped b to wait", func() (bool, string) {
		st := a.queue(t)
		h := st.hosts[b.host]
		return h != nil && h[0] == "1", st.out
	})

	// 1. Suspend b (its domain, without the port: every port is covered).
	r := a.run(t, "domain", "block", "b.test", "--public-comment", "spam", "--private-comment", "ticket 7")
	for _, want := range []string{"Suspended b.test", "1 object dropped", "1 actor forgotten", "2 follows removed"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("kring domain block says %q; want it to mention %q", r.stdout, want)
		}
	}
	if _, err := a.db.ObjectByIRI(ctx, fromB); content.KindOf(err) != content.KindNotFound {
		t.Errorf("bob's note is still on a after the suspension: %v", err)
	}
	if _, err := a.db.RemoteActor(ctx, bob); content.KindOf(err) != content.KindNotFound {
		t.Errorf("bob's actor is still on a: %v", err)
	}
	for _, pair := range [][2]string{{bob, alice}, {alice, bob}} {
		if _, err := a.db.FollowBetween(ctx, pair[0], pair[1]); content.KindOf(err) != content.KindNotFound {
			t.Errorf("the follow of %s by %s is still on a: %v", pair[1], pair[0], err)
		}
	}
	// Cancelled with the suspension, or (when a worker held it at that
	// moment) refused by a's client at its next attempt.
	eventually(t, "a's delivery to b to be given up", func() (bool, string) {
		st := a.queue(t)
		h := st.hosts[b.host]
		return h != nil && h[0] == "0" && h[1] == "1" && strings.Contains(h[2], "b.test") && strings.Contains(h[2], "suspended"), st.out
	})
	list := a.run(t, "domain", "list").stdout
	if !strings.Contains(list, "b.test") || !strings.Contains(list, "ticket 7") {
		t.Errorf("kring domain list does not show the block:\n%s", list)
	}
	phase("a suspended b.test: bob's note, actor and follows gone, the waiting delivery cancelled")

	// 2. b's deliveries are refused (403, with the public reason only),
	// and a does not deliver to b.
	cl.start(t, b)
	time.Sleep(policyHolds)
	refused, refusedCreate := b.post(t, "bob", "after the block")
	eventually(t, "b's delivery to a to be refused", func() (bool, string) {
		st := b.queue(t)
		h := st.hosts[a.host]
		return h != nil && h[1] == "1" && strings.Contains(h[2], "403") && strings.Contains(h[2], "suspended on this node: spam"), st.out
	})
	if strings.Contains(b.queue(t).out, "ticket 7") {
		t.Errorf("b was told a's private comment")
	}
	if _, err := a.db.InboxItemByIRI(ctx, refusedCreate); content.KindOf(err) != content.KindNotFound {
		t.Errorf("a stored b's refused Create: %v", err)
	}
	if _, err := a.db.ObjectByIRI(ctx, refused); content.KindOf(err) != content.KindNotFound {
		t.Errorf("a stored b's note sent after the block: %v", err)
	}
	if !strings.Contains(a.srv.stderr.String(), "reason=domain_suspended") {
		t.Errorf("a's log does not show the refusal")
	}
	toC, toCCreate := a.post(t, "alice", "after the block")
	c.waitStored(t, toC, toCCreate, alice, "after the block")
	waitNoPending(t, a)
	if st := a.queue(t); st.hosts[b.host] != nil && st.hosts[b.host][0] != "0" {
		t.Errorf("a queued a delivery to the suspended b:\n%s", st.out)
	}
	if n := b.inboxPOSTs(); n != 0 {
		t.Errorf("b received %d POSTs from a since its restart, want none", n)
	}
	f := cl.followResult(a, "alice", b.handle("bob"))
	if f.code == 0 || !strings.Contains(f.stderr, "refused by federation policy") {
		t.Errorf("kring follow of bob on the suspended b: exit %d\n%s", f.code, f.stderr)
	}
	phase("b's deliveries refused with 403; a delivers only to c and will not fetch from b")

	// 3. Allowlist mode: a federates with c only. b is unblocked first and
	// bob follows alice again, so that only the allowlist stands between.
	a.run(t, "domain", "unblock", "b.test")
	time.Sleep(policyHolds)
	// b was not told of the suspension: bob still follows alice there.
	b.run(t, append([]string{"unfollow", "--as", "bob", alice}, cl.resolve...)...)
	if err := cl.follow(b, "bob", a.handle("alice")); err != nil {
		t.Fatal(err)
	}
	if err := cl.follow(a, "alice", b.handle("bob")); err != nil {
		t.Fatal(err)
	}
	waitFollowers(t, a, alice, bob, carol)
	waitAccepted(t, a, alice, bob)
	a.run(t, "domain", "allow", "c.test", "--comment", "ministry")
	r = a.run(t, "domain", "mode", "allowlist")
	if !strings.Contains(r.stdout, "Federation: allowlist") {
		t.Errorf("kring domain mode allowlist says %q", r.stdout)
	}
	time.Sleep(policyHolds)
	phase("b unblocked and followed again; a in allowlist mode with c.test listed")

	before := waitNoPending(t, a)
	onlyC, onlyCCreate := a.post(t, "alice", "allowlist")
	c.waitStored(t, onlyC, onlyCCreate, alice, "allowlist")
	after := waitNoPending(t, a)
	if got := after.done - before.done; got != 1 {
		t.Errorf("alice's note queued %d deliveries, want 1 (to c only; bob follows her from the unlisted b)\n%s", got, after.out)
	}
	if _, err := b.db.ObjectByIRI(ctx, onlyC); content.KindOf(err) != content.KindNotFound {
		t.Errorf("b received alice's note in allowlist mode: %v", err)
	}
	_, fromB2Create := b.post(t, "bob", "unlisted")
	eventually(t, "b's delivery to a to be refused as unlisted", func() (bool, string) {
		st := b.queue(t)
		h := st.hosts[a.host]
		return h != nil && h[1] == "2" && strings.Contains(h[2], "allowlist"), st.out
	})
	if _, err := a.db.InboxItemByIRI(ctx, fromB2Create); content.KindOf(err) != content.KindNotFound {
		t.Errorf("a stored the unlisted b's Create: %v", err)
	}
	fromC, fromCCreate := c.post(t, "carol", "listed")
	a.waitStored(t, fromC, fromCCreate, carol, "listed")
	phase("in allowlist mode a delivers to and accepts from c only")
}

// waitNoPending waits until nothing is pending in the node's queue (the
// deliveries the policy cancelled stay failed).
func waitNoPending(t *testing.T, n *e2eNode) queueStatus {
	t.Helper()
	var st queueStatus
	eventually(t, "nothing pending in the queue of "+n.name, func() (bool, string) {
		st = n.queue(t)
		return st.pending == 0, st.out
	})
	return st
}

// followResult runs `kring follow` and returns what it did, failure or not.
func (cl *e2eCluster) followResult(on *e2eNode, as, target string) result {
	args := append([]string{"follow", "--as", as, target, "--data", on.data}, cl.resolve...)
	r, err := execKring(runOpts{}, args...)
	if err != nil {
		return result{code: -1, stderr: err.Error()}
	}
	return r
}

// TestDomainCommands runs `kring domain` on a node that does not serve:
// blocks, the allowlist and its mode, a Mastodon block list in and out,
// and the errors an admin may meet.
func TestDomainCommands(t *testing.T) {
	t.Parallel()
	dir := initNode(t)
	run := func(args ...string) result {
		t.Helper()
		return kring(t, append(args, "--data", dir)...)
	}
	r := run("domain", "block", "https://Spam.Example/@bob", "--public-comment", "spam", "--private-comment", "ticket 1")
	wantOK(t, r)
	if !strings.HasPrefix(r.stdout, "Suspended spam.example and its subdomains: nothing stored changed.\n") {
		t.Errorf("kring domain block says %q", r.stdout)
	}
	wantOK(t, run("domain", "block", "noisy.example", "--severity", "silence", "--reject-media"))
	wantError(t, run("domain", "block", "kring.test"), exitFailure, "kring.test is this node's own domain (kring.test)", "give another server's domain")
	wantError(t, run("domain", "block", "test"), exitFailure, "test is this node's own domain (kring.test)", "give another server's domain")
	wantError(t, run("domain", "block", "bad domain"), exitFailure, `"bad domain" is not a domain name`,
		"give a domain such as spam.example, or a host with its port such as b.test:8080")
	wantError(t, run("domain", "block", "x.example", "--severity", "ban"), exitUsage,
		`--severity "ban": use suspend, limit (Mastodon's silence) or noop`, "kring domain block --help")
	wantError(t, run("domain", "block", "x.example", "--severity", "noop"), exitUsage,
		"--severity noop changes nothing by itself: add --reject-media or --reject-reports", "kring domain block --help")
	wantError(t, run("domain", "unblock", "x.example"), exitFailure, "x.example is not blocked",
		"kring domain list shows the blocked domains; a subdomain is lifted with its parent's block")

	csvPath := filepath.Join(t.TempDir(), "domain_blocks.csv")
	wantOK(t, run("domain", "export", csvPath))
	got, err := os.ReadFile(csvPath)
	if err != nil {
		t.Fatal(err)
	}
	want := "#domain,#severity,#reject_media,#reject_reports,#public_comment,#obfuscate\n" +
		"noisy.example,silence,true,false,,false\nspam.example,suspend,false,false,spam,false\n"
	if diff := cmp.Diff(want, string(got)); diff != "" {
		t.Errorf("exported block list (-want +got):\n%s", diff)
	}

	// A list as another Mastodon exports it: one new, one already here.
	list := "#domain,#severity,#reject_media,#reject_reports,#public_comment,#obfuscate\n" +
		"spam.example,silence,false,false,theirs,false\nbad.example,suspend,true,true,\"hate, harassment\",true\n"
	r = kringWith(t, runOpts{stdin: list}, "domain", "import", "-", "--data", dir)
	wantOK(t, r)
	if !strings.HasPrefix(r.stdout, "Imported 1 block from stdin; kept the blocks of 1 domain already blocked (--replace replaces them)") {
		t.Errorf("kring domain import says %q", r.stdout)
	}
	r = kringWith(t, runOpts{stdin: "#domain,#severity\nok.example,suspend\nnot a domain,suspend\n"}, "domain", "import", "-", "--data", dir)
	wantError(t, r, exitFailure, `stdin line 3: "not a domain" is not a domain name`, "correct or remove that line")
	r = run("domain", "list")
	wantOK(t, r)
	for _, want := range []string{"Federation: open", "bad.example suspend rejected rejected hate, harassment", "spam.example suspend - - spam ticket 1"} {
		if !strings.Contains(squeeze(r.stdout), want) {
			t.Errorf("kring domain list does not show %q:\n%s", want, r.stdout)
		}
	}
	if strings.Contains(r.stdout, "ok.example") {
		t.Errorf("a failed import left a block behind:\n%s", r.stdout)
	}

	r = run("domain", "mode", "allowlist")
	wantOK(t, r)
	want = "Federation: allowlist, only with the 0 domains on the allowlist and their subdomains (nothing stored changed).\n" +
		"The allowlist is empty: the node federates with no one until kring domain allow DOMAIN lists a server.\n"
	if r.stdout != want {
		t.Errorf("kring domain mode allowlist says %q, want %q", r.stdout, want)
	}
	wantOK(t, run("domain", "allow", "ministerie.example", "--comment", "BZK"))
	wantError(t, run("domain", "mode", "closed"), exitFailure, `unknown federation mode "closed": use open or allowlist`,
		"kring domain mode open, or kring domain mode allowlist")
	wantError(t, run("domain", "disallow", "other.example"), exitFailure, "other.example is not on the allowlist", "kring domain list shows the allowlist")
	r = run("domain", "mode")
	if r.stdout != "Federation: allowlist, only with the 1 domain on the allowlist and their subdomains\n" {
		t.Errorf("kring domain mode says %q", r.stdout)
	}
	r = run("modlog")
	for _, want := range []string{"(command line)", "domain_block", "federation_mode", "domain_allow"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("kring modlog does not show %q:\n%s", want, r.stdout)
		}
	}
}

// TestPolicyActorCommands suspends, lists and lifts single actors.
func TestPolicyActorCommands(t *testing.T) {
	t.Parallel()
	dir := initNode(t)
	run := func(args ...string) result {
		t.Helper()
		return kring(t, append(args, "--data", dir)...)
	}
	r := run("actor", "suspend", "https://spam.example/users/eve", "--reason", "abuse")
	wantOK(t, r)
	if r.stdout != "Suspended https://spam.example/users/eve: nothing stored changed.\n" {
		t.Errorf("kring actor suspend says %q", r.stdout)
	}
	// The suspended actor is no longer stored, yet its handle still finds
	// its policy.
	wantOK(t, run("actor", "limit", "eve@spam.example"))
	r = run("actor", "list")
	if !strings.Contains(squeeze(r.stdout), "https://spam.example/users/eve limit") {
		t.Errorf("kring actor list:\n%s", r.stdout)
	}
	wantOK(t, run("actor", "lift", "eve@spam.example"))
	wantError(t, run("actor", "lift", "https://spam.example/users/eve"), exitFailure,
		"https://spam.example/users/eve is neither suspended nor limited", "kring actor list shows the suspended and limited actors")
	wantError(t, run("actor", "suspend", "https://kring.test/users/ann"), exitFailure,
		"https://kring.test/users/ann is an actor of this node", "kring user suspend acts on this node's members")
	wantError(t, run("actor", "suspend", "eve"), exitFailure,
		`"eve" is neither an actor URL nor a handle`, "give an actor URL (https://server/users/name) or a handle user@server")
}

// squeeze collapses the runs of spaces a table aligns its columns with.
func squeeze(s string) string {
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		lines[i] = strings.Join(strings.Fields(l), " ")
	}
	return strings.Join(lines, "\n")
}
