package main

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"kring/content"
)

// TestForumFederation is the forums' acceptance test on real processes:
// members of two other nodes follow a forum, a thread started on the
// forum's node reaches them through its Group, a reply written on one of
// them joins the thread at the forum and reaches the other through the
// Group, and a moderator bans a remote member found by WebFinger. It uses
// the cluster of TestFederationAcceptance (federation_e2e_test.go).
func TestForumFederation(t *testing.T) {
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
	a.run(t, "forum", "add", "opendata", "--title", "Open data")
	b.run(t, "user", "add", "bob")
	c.run(t, "user", "add", "carol")
	for _, n := range cl.nodes {
		cl.start(t, n)
	}
	group := "http://" + a.host + "/groups/opendata"
	phase("three nodes serve; a has the forum opendata")

	// The forum's handle resolves by WebFinger to its Group, which
	// accepts every follow at once.
	for _, f := range []struct {
		on   *e2eNode
		name string
	}{{b, "bob"}, {c, "carol"}} {
		if err := cl.follow(f.on, f.name, a.handle("opendata")); err != nil {
			t.Fatal(err)
		}
	}
	waitFollowers(t, a, group, b.actor("bob"), c.actor("carol"))
	waitAccepted(t, b, b.actor("bob"), group)
	waitAccepted(t, c, c.actor("carol"), group)
	phase("bob and carol follow the forum, accepted on both sides")

	r := a.run(t, "thread", "new", "--as", "alice", "--forum", "opendata", "--title", "Welke datasets?", "--text", "Wat publiceert de gemeente al?")
	thread := printedID(t, r.stdout)
	for _, n := range []*e2eNode{b, c} {
		page := waitHolds(t, n, thread)
		if page.Type != "Page" || page.Name != "Welke datasets?" || page.AttributedTo != a.actor("alice") {
			t.Errorf("node %s holds the thread as {type %s, name %q, by %s}; want alice's Page", n.name, page.Type, page.Name, page.AttributedTo)
		}
	}
	phase("alice's thread reached b and c through the Group")

	args := append([]string{"thread", "reply", "--as", "bob", "--to", thread, "--text", "De bomenkaart!"}, cl.resolve...)
	reply := printedID(t, b.run(t, args...).stdout)
	eventually(t, "the reply to join the thread on a", func() (bool, string) {
		th, err := a.db.ThreadByIRI(ctx, thread)
		if err != nil {
			return false, err.Error()
		}
		return th.ReplyCount == 1, fmt.Sprintf("%d replies", th.ReplyCount)
	})
	if got := a.run(t, "thread", "list", "--forum", "opendata").stdout; !strings.Contains(got, "Welke datasets?  1 ") {
		t.Errorf("kring thread list on a does not show the reply:\n%s", got)
	}
	phase("bob's reply, written on b, joined the thread on a")

	for _, n := range []*e2eNode{a, c} {
		o := waitHolds(t, n, reply)
		if o.Type != "Note" || o.InReplyTo != thread || o.AttributedTo != b.actor("bob") || strings.TrimSpace(o.Content) != "<p>De bomenkaart!</p>" {
			t.Errorf("node %s holds the reply as {type %s, in reply to %s, by %s, content %q}; want bob's Note in the thread",
				n.name, o.Type, o.InReplyTo, o.AttributedTo, o.Content)
		}
	}
	phase("the Group passed bob's reply on to c")

	a.run(t, "forum", "moderator", "add", "opendata", "alice")
	args = append([]string{"forum", "ban", "opendata", c.handle("carol"), "--as", "alice", "--reason", "spam"}, cl.resolve...)
	if got, want := a.run(t, args...).stdout, "Banned "+c.actor("carol")+" from opendata; the forum's followers are told.\n"; got != want {
		t.Errorf("kring forum ban = %q, want %q", got, want)
	}
	f, err := a.db.ForumByName(ctx, "opendata")
	if err != nil {
		t.Fatal(err)
	}
	if banned, err := a.db.IsBanned(ctx, f.ID, c.actor("carol")); err != nil || !banned {
		t.Errorf("carol is not banned on a: %v, %v", banned, err)
	}
	if got := a.run(t, "modlog", "--forum", "opendata").stdout; !strings.Contains(got, " alice ") || !strings.Contains(got, " ban ") {
		t.Errorf("kring modlog does not show alice's ban:\n%s", got)
	}
	phase("alice banned carol@c, found by WebFinger")
}

// waitHolds waits until the node holds the object, and returns it.
func waitHolds(t *testing.T, n *e2eNode, iri string) *content.Object {
	t.Helper()
	var o *content.Object
	eventually(t, n.name+" to hold "+iri, func() (bool, string) {
		var err error
		o, err = n.db.ObjectByIRI(context.Background(), iri)
		if err != nil {
			return false, err.Error()
		}
		return true, ""
	})
	return o
}
