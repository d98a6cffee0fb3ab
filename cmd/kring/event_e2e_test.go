package main

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"kring/content"
)

// TestEventFederation is the events' acceptance test on real processes:
// alice on a writes an event with one seat; bob on b joins it by its
// page's address, and a's Accept makes him a participant on both sides;
// carol on b and dave on a join the full event and wait; bob leaves, and a
// moves carol up and tells b with an Accept. It uses the cluster of
// TestFederationAcceptance (federation_e2e_test.go).
func TestEventFederation(t *testing.T) {
	if testing.Short() {
		t.Skip("starts two kring serve processes; not with -short")
	}
	t.Parallel()
	ctx := context.Background()
	began := time.Now()
	phase := func(name string) { t.Logf("%6.2fs %s", time.Since(began).Seconds(), name) }

	cl := newCluster(t, "a", "b")
	a, b := cl.nodes[0], cl.nodes[1]
	a.run(t, "user", "add", "alice")
	a.run(t, "user", "add", "dave")
	b.run(t, "user", "add", "bob")
	b.run(t, "user", "add", "carol")
	for _, n := range cl.nodes {
		cl.start(t, n)
	}
	bob, carol, dave := b.actor("bob"), b.actor("carol"), a.actor("dave")
	phase("two nodes serve")

	// A week ahead, so that the event is open whenever the test runs.
	day := time.Now().In(content.LoadZone(content.DefaultTimeZone)).AddDate(0, 0, 7).Format("2006-01-02")
	r := a.run(t, "event", "new", "--as", "alice", "--title", "Open Koffie", "--start", day+" 19:00", "--end", day+" 21:00",
		"--venue", "Stadhuis", "--city", "Utrecht", "--capacity", "1")
	iri, page := printedID(t, r.stdout), printedPage(t, r.stdout)
	if !strings.HasPrefix(iri, "http://"+a.host+"/events/") || !strings.HasPrefix(page, "http://"+a.host+"/agenda/") {
		t.Fatalf("event new printed id %s and page %s; want them on %s", iri, page, a.host)
	}
	onA, err := a.db.EventByIRI(ctx, iri)
	if err != nil {
		t.Fatal(err)
	}
	phase("alice wrote an event with one seat on a")

	// state is a participant's state on a node ("" when none); count is
	// the event's accepted participants on a.
	state := func(n *e2eNode, actor string) content.ParticipationState {
		t.Helper()
		ev, err := n.db.EventByIRI(ctx, iri)
		if err != nil {
			return ""
		}
		p, err := n.db.Participant(ctx, ev.ID, actor)
		if err != nil {
			return ""
		}
		return p.State
	}
	waitState := func(n *e2eNode, actor string, want content.ParticipationState) {
		t.Helper()
		eventually(t, fmt.Sprintf("%s to be %q on %s", actor, want, n.name), func() (bool, string) {
			got := state(n, actor)
			return got == want, fmt.Sprintf("state %q", got)
		})
	}
	counts := func() (accepted, waiting int) {
		t.Helper()
		ev, err := a.db.EventByIRI(ctx, iri)
		if err != nil {
			t.Fatal(err)
		}
		return ev.ParticipantCount, ev.WaitingCount
	}
	join := func(n *e2eNode, as, ref string) string {
		t.Helper()
		r := n.run(t, append([]string{"event", "join", ref, "--as", as}, cl.resolve...)...)
		return printedState(t, r.stdout)
	}

	// 1. bob joins from b by the page's address: b fetches the event from
	// a and sends Join; a accepts (a seat is free) and answers Accept.
	if got := join(b, "bob", page); got != "pending" {
		t.Errorf("bob's join on b printed state %q, want pending until a accepts", got)
	}
	waitState(a, bob, content.ParticipantAccepted)
	if acc, wait := counts(); acc != 1 || wait != 0 {
		t.Errorf("on a: %d accepted, %d waiting; want 1, 0", acc, wait)
	}
	p, err := a.db.Participant(ctx, onA.ID, bob)
	if err != nil {
		t.Fatal(err)
	}
	if p.MemberID != 0 || p.JoinIRI == "" || !strings.HasPrefix(p.JoinIRI, "http://"+b.host+"/") {
		t.Errorf("bob's participation on a: member %d, join %q; want a remote participant with b's Join", p.MemberID, p.JoinIRI)
	}
	if it, err := a.db.InboxItemByIRI(ctx, p.JoinIRI); err != nil || it.Actor != bob || it.Type != "Join" {
		t.Errorf("a's inbox row of bob's Join: %+v, %v; want a verified Join by %s", it, err, bob)
	}
	waitState(b, bob, content.ParticipantAccepted)
	onB, err := b.db.EventByIRI(ctx, iri)
	if err != nil {
		t.Fatal(err)
	}
	if onB.Local || onB.Title != "Open Koffie" || !onB.Start.Equal(onA.Start) || onB.Capacity != 1 || onB.URL != page {
		t.Errorf("b holds the event as {local %v, title %q, start %s, capacity %d, page %s}; want a's", onB.Local, onB.Title, onB.Start, onB.Capacity, onB.URL)
	}
	if got := a.run(t, "event", "show", iri).stdout; !regexp.MustCompile(`(?m)^accepted\s+bob\s+`+regexp.QuoteMeta(bob)+`\s`).MatchString(got) ||
		!strings.Contains(got, "1 accepted, 0 waiting, 0 pending") {
		t.Errorf("kring event show on a does not show bob accepted:\n%s", got)
	}
	if got := b.run(t, "event", "list", "--network").stdout; !strings.Contains(got, "Open Koffie") || !strings.Contains(got, iri) {
		t.Errorf("kring event list --network on b does not list the event:\n%s", got)
	}
	phase("bob joined from b by the page's address; a accepted him, and b has the Accept")

	// 2. The event is full: carol (on b, by the event's id) and dave (on
	// a) wait.
	if got := join(b, "carol", iri); got != "pending" {
		t.Errorf("carol's join on b printed state %q, want pending", got)
	}
	waitState(a, carol, content.ParticipantWaiting)
	if got := join(a, "dave", page); got != "waiting" {
		t.Errorf("dave's join on a printed state %q, want waiting", got)
	}
	if acc, wait := counts(); acc != 1 || wait != 2 {
		t.Errorf("on a: %d accepted, %d waiting; want 1, 2", acc, wait)
	}
	if got := state(b, carol); got != content.ParticipantPending {
		t.Errorf("carol on b is %q while she waits on a, want pending (a answers when she has a seat)", got)
	}
	phase("carol (from b) and dave (on a) are on the waiting list")

	// 3. bob leaves from b: a frees his seat, moves carol up and sends her
	// Accept to b.
	r = b.run(t, append([]string{"event", "leave", page, "--as", "bob"}, cl.resolve...)...)
	if !strings.Contains(r.stdout, "the Leave is sent to "+a.host) {
		t.Errorf("bob's leave printed:\n%s", r.stdout)
	}
	if got := state(b, bob); got != "" {
		t.Errorf("bob's participation on b is %q after he left, want none", got)
	}
	waitState(a, bob, "")
	waitState(a, carol, content.ParticipantAccepted)
	waitState(b, carol, content.ParticipantAccepted)
	if acc, wait := counts(); acc != 1 || wait != 1 {
		t.Errorf("on a after bob left: %d accepted, %d waiting; want 1, 1", acc, wait)
	}
	if got := state(a, dave); got != content.ParticipantWaiting {
		t.Errorf("dave on a is %q, want still waiting", got)
	}
	got := a.run(t, "event", "show", page).stdout
	for _, want := range []*regexp.Regexp{
		regexp.MustCompile(`(?m)^participants:\s+1 accepted, 1 waiting, 0 pending$`),
		regexp.MustCompile(`(?m)^accepted\s+carol\s+` + regexp.QuoteMeta(carol) + `\s`),
		regexp.MustCompile(`(?m)^waiting\s+dave\s+` + regexp.QuoteMeta(dave) + `\s`),
	} {
		if !want.MatchString(got) {
			t.Errorf("kring event show on a does not match %s:\n%s", want, got)
		}
	}
	if strings.Contains(got, bob) {
		t.Errorf("kring event show on a still lists bob:\n%s", got)
	}
	carolB, err := b.db.MemberByUsername(ctx, "carol")
	if err != nil {
		t.Fatal(err)
	}
	ns, err := b.db.Notifications(ctx, carolB.ID, 0, 10)
	if err != nil {
		t.Fatal(err)
	}
	told := false
	for _, n := range ns {
		told = told || (n.Kind == content.NotifyEventAccepted && n.ObjectIRI == iri)
	}
	if !told {
		t.Errorf("carol on b was not told she has a seat: %+v", ns)
	}
	phase("bob left from b; a moved carol up and b has her Accept; dave still waits")

	// 4. An event that needs approval: carol's request from b waits until
	// alice accepts it on a, naming her by her handle.
	r = a.run(t, "event", "new", "--as", "alice", "--title", "Werksessie", "--start", day+" 13:00", "--end", day+" 17:00", "--join", "approval")
	iri = printedID(t, r.stdout)
	if got := join(b, "carol", iri); got != "pending" {
		t.Errorf("carol's request on b printed state %q, want pending", got)
	}
	waitState(a, carol, content.ParticipantPending)
	r = a.run(t, append([]string{"event", "accept", iri, b.handle("carol"), "--as", "alice"}, cl.resolve...)...)
	if got := printedState(t, r.stdout); got != "accepted" {
		t.Errorf("alice's accept of carol printed state %q, want accepted", got)
	}
	waitState(b, carol, content.ParticipantAccepted)
	phase("alice accepted carol's request by her handle; b has the Accept")
}
