package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"kring/content"
	"kring/storage"
)

// The federation acceptance test: real `kring` processes on loopback, one
// per node, each with its own data folder, talking signed ActivityPub to
// each other under the names a.test:PORT, b.test:PORT and c.test:PORT,
// which --resolve maps to 127.0.0.1.

// e2eBackoff is the first retry's wait of a failed delivery on the test
// nodes; the default (30 s) would outlast the test.
const e2eBackoff = "1s"

// e2eWait bounds every wait for an asynchronous effect.
const e2eWait = 15 * time.Second

// e2eNode is one node: a data folder and, while it runs, `kring serve`.
type e2eNode struct {
	name string // "a"
	host string // "a.test:PORT": the port is part of the host, as for localhost:8080
	addr string // "127.0.0.1:PORT"
	data string
	srv  *server
	logs []*lockedBuffer // stderr of every run, for the failure report
	db   *storage.DB     // the test's own connection; nil while closed
}

// e2eCluster is a set of nodes that resolve one another's hosts.
type e2eCluster struct {
	nodes   []*e2eNode
	resolve []string // --resolve HOST=ADDR for every node
}

func newCluster(t *testing.T, names ...string) *e2eCluster {
	t.Helper()
	cl := &e2eCluster{}
	for _, name := range names {
		addr := freeAddr(t)
		_, port, _ := strings.Cut(addr, ":")
		n := &e2eNode{name: name, host: name + ".test:" + port, addr: addr, data: filepath.Join(t.TempDir(), name)}
		cl.nodes = append(cl.nodes, n)
		cl.resolve = append(cl.resolve, "--resolve", n.host+"="+n.addr)
	}
	for _, n := range cl.nodes {
		wantOK(t, kring(t, "init", "--host", n.host, "--data", n.data))
		n.openDB(t)
	}
	t.Cleanup(func() {
		for _, n := range cl.nodes {
			n.closeDB()
		}
		if !t.Failed() {
			return
		}
		for _, n := range cl.nodes {
			for i, l := range n.logs {
				t.Logf("node %s (%s), run %d, stderr (last lines):\n%s", n.name, n.host, i+1, lastLines(l.String(), 40))
			}
		}
	})
	return cl
}

func (n *e2eNode) openDB(t *testing.T) {
	t.Helper()
	db, err := storage.Open(context.Background(), filepath.Join(n.data, storage.FileName), storage.Options{})
	if err != nil {
		t.Fatalf("open the database of %s: %v", n.name, err)
	}
	n.db = db
}

func (n *e2eNode) closeDB() {
	if n.db != nil {
		n.db.Close()
		n.db = nil
	}
}

// start runs `kring serve` for the node on its fixed address, so that a
// restart keeps the host's port.
func (cl *e2eCluster) start(t *testing.T, n *e2eNode) {
	t.Helper()
	args := append([]string{"--dev", "--data", n.data, "--delivery-backoff", e2eBackoff}, cl.resolve...)
	n.srv = startServeOn(t, n.addr, runOpts{}, args...)
	n.logs = append(n.logs, n.srv.stderr)
}

// startServeOn is startServe on a given address.
func startServeOn(t *testing.T, addr string, o runOpts, args ...string) *server {
	t.Helper()
	s := &server{addr: addr, stderr: &lockedBuffer{}, done: make(chan struct{})}
	s.cmd = exec.Command(kringBin, append([]string{"serve", "--listen", addr}, args...)...)
	s.cmd.Env = append(cleanEnv(), o.env...)
	s.cmd.Stdout, s.cmd.Stderr = io.Discard, s.stderr
	if err := s.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { s.err = s.cmd.Wait(); close(s.done) }()
	t.Cleanup(func() {
		select {
		case <-s.done:
		default:
			s.cmd.Process.Kill()
			<-s.done
		}
	})
	deadline := time.Now().Add(e2eWait)
	for !strings.Contains(s.stderr.String(), "msg=listening") {
		select {
		case <-s.done:
			t.Fatalf("kring serve on %s exited before listening: %v\n%s", addr, s.err, s.stderr)
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("kring serve on %s did not listen within %s:\n%s", addr, e2eWait, s.stderr)
		}
	}
	return s
}

// kill ends the process with SIGKILL: no shutdown, no claim released, no
// WAL folded back; what was committed must survive.
func (s *server) kill(t *testing.T) {
	t.Helper()
	if err := s.cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	select {
	case <-s.done:
	case <-time.After(e2eWait):
		t.Fatalf("kring serve did not die of SIGKILL within %s", e2eWait)
	}
}

// run runs a kring command on the node's data folder and wants it to work.
func (n *e2eNode) run(t *testing.T, args ...string) result {
	t.Helper()
	r := kring(t, append(args, "--data", n.data)...)
	if r.code != 0 {
		t.Fatalf("node %s: kring %s: exit code %d\nstdout:\n%s\nstderr:\n%s", n.name, strings.Join(args, " "), r.code, r.stdout, r.stderr)
	}
	return r
}

func (n *e2eNode) actor(username string) string { return "http://" + n.host + "/users/" + username }

func (n *e2eNode) handle(username string) string { return username + "@" + n.host }

var publishedRE = regexp.MustCompile(`(?m)^Published (http://\S+/notes/(\S+))$`)

// post publishes a note with `kring post` and returns the note's id and
// its Create's id, which share the suffix.
func (n *e2eNode) post(t *testing.T, as, text string) (note, create string) {
	t.Helper()
	r := n.run(t, "post", "--as", as, "--text", text)
	m := publishedRE.FindStringSubmatch(r.stdout)
	if m == nil {
		t.Fatalf("kring post printed no note id:\n%s", r.stdout)
	}
	return m[1], "http://" + n.host + "/activities/" + m[2]
}

// follow runs `kring follow` on the follower's node; its serve delivers
// the Follow.
func (cl *e2eCluster) follow(on *e2eNode, as, target string) error {
	args := append([]string{"follow", "--as", as, target, "--data", on.data}, cl.resolve...)
	r, err := execKring(runOpts{}, args...)
	if err != nil {
		return err
	}
	if r.code != 0 || !strings.HasPrefix(r.stdout, "Follow request sent from "+as+" to ") {
		return fmt.Errorf("node %s: kring follow --as %s %s: exit code %d\nstdout:\n%s\nstderr:\n%s", on.name, as, target, r.code, r.stdout, r.stderr)
	}
	return nil
}

// eventually polls cond until it reports true, for up to e2eWait; on
// timeout it fails with what cond last said.
func eventually(t *testing.T, what string, cond func() (bool, string)) {
	t.Helper()
	deadline := time.Now().Add(e2eWait)
	for {
		ok, state := cond()
		if ok {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting for %s; last state: %s", e2eWait, what, state)
		}
		time.Sleep(25 * time.Millisecond)
	}
}

// queueStatus is the first line of `kring queue status`, read back.
type queueStatus struct {
	pending, done, failed int
	hosts                 map[string][]string // host -> PENDING, FAILED, LAST ERROR
	out                   string
}

var queueLineRE = regexp.MustCompile(`^pending (\d+), done (\d+), failed (\d+)`)

func (n *e2eNode) queue(t *testing.T) queueStatus {
	t.Helper()
	r := n.run(t, "queue", "status")
	return parseQueueStatus(t, r.stdout)
}

func parseQueueStatus(t *testing.T, out string) queueStatus {
	t.Helper()
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	m := queueLineRE.FindStringSubmatch(lines[0])
	if m == nil {
		t.Fatalf("kring queue status: unexpected first line:\n%s", out)
	}
	st := queueStatus{hosts: map[string][]string{}, out: out}
	st.pending, _ = strconv.Atoi(m[1])
	st.done, _ = strconv.Atoi(m[2])
	st.failed, _ = strconv.Atoi(m[3])
	if len(lines) > 1 {
		if !strings.HasPrefix(lines[1], "HOST ") {
			t.Fatalf("kring queue status: no HOST header:\n%s", out)
		}
		for _, l := range lines[2:] {
			f := strings.Fields(l)
			if len(f) < 4 {
				t.Fatalf("kring queue status: short host line %q:\n%s", l, out)
			}
			st.hosts[f[0]] = []string{f[1], f[2], strings.Join(f[3:], " ")}
		}
	}
	return st
}

// waitDrained waits until the node's queue has nothing pending and has
// given nothing up.
func (n *e2eNode) waitDrained(t *testing.T) queueStatus {
	t.Helper()
	var st queueStatus
	eventually(t, "the delivery queue of "+n.name+" to drain", func() (bool, string) {
		st = n.queue(t)
		return st.pending == 0 && st.failed == 0, st.out
	})
	return st
}

// waitStored waits until the node has processed the Create and stored its
// note, and checks both. The inbox stores only requests whose signature
// verified and whose signer is the activity's actor, so the row's actor
// is the verified sender.
func (n *e2eNode) waitStored(t *testing.T, note, create, author, text string) *content.InboxItem {
	t.Helper()
	ctx := context.Background()
	var it *content.InboxItem
	eventually(t, n.name+" to store "+note, func() (bool, string) {
		var err error
		if it, err = n.db.InboxItemByIRI(ctx, create); err != nil {
			return false, err.Error()
		}
		return it.Outcome != "", fmt.Sprintf("inbox row %d not yet processed", it.ID)
	})
	if want := "stored: Note " + note; it.Outcome != want {
		t.Fatalf("node %s: inbox outcome of %s is %q, want %q", n.name, create, it.Outcome, want)
	}
	if it.Actor != author || it.Type != "Create" {
		t.Errorf("node %s: inbox row of %s has actor %s, type %s; want %s, Create", n.name, create, it.Actor, it.Type, author)
	}
	o, err := n.db.ObjectByIRI(ctx, note)
	if err != nil {
		t.Fatalf("node %s: %v", n.name, err)
	}
	if o.Type != "Note" || o.AttributedTo != author || o.Local || !o.Public || o.Deleted || o.Content != "<p>"+text+"</p>" {
		t.Errorf("node %s: stored note %s = {type %s, by %s, local %v, public %v, deleted %v, content %q}; want a public remote Note by %s with <p>%s</p>",
			n.name, note, o.Type, o.AttributedTo, o.Local, o.Public, o.Deleted, o.Content, author, text)
	}
	return it
}

// wantObjects checks how many received objects the node holds.
func (n *e2eNode) wantObjects(t *testing.T, want int) {
	t.Helper()
	got, err := n.db.CountObjects(context.Background(), false)
	if err != nil {
		t.Fatal(err)
	}
	if got != want {
		t.Errorf("node %s holds %d received objects, want %d (one per note sent)", n.name, got, want)
	}
}

// inboxPOSTs counts the activities the node answered 202 at its shared
// inbox, where notes arrive, in its current run's log.
func (n *e2eNode) inboxPOSTs() int {
	return strings.Count(n.srv.stderr.String(), "method=POST path=/inbox status=202")
}

func lastLines(s string, k int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > k {
		lines = lines[len(lines)-k:]
	}
	return strings.Join(lines, "\n")
}

// TestFederationAcceptance is the federation core's acceptance test: three
// nodes follow, publish, survive a stopped follower and a killed sender,
// and every follower ends up with every note exactly once.
func TestFederationAcceptance(t *testing.T) {
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
	alice := a.actor("alice")
	phase("three nodes serve")

	// Follows: the command resolves alice by WebFinger, fetches her actor
	// and queues the Follow; b's and c's serve deliver it, a accepts.
	for _, f := range []struct {
		on   *e2eNode
		name string
	}{{b, "bob"}, {c, "carol"}} {
		if err := cl.follow(f.on, f.name, a.handle("alice")); err != nil {
			t.Fatal(err)
		}
	}
	waitFollowers(t, a, alice, b.actor("bob"), c.actor("carol"))
	waitAccepted(t, b, b.actor("bob"), alice)
	waitAccepted(t, c, c.actor("carol"), alice)
	phase("bob and carol follow alice, accepted on both sides")

	// 1. A public note reaches both followers' nodes, signed and verified.
	first, firstCreate := a.post(t, "alice", "first")
	b.waitStored(t, first, firstCreate, alice, "first")
	c.waitStored(t, first, firstCreate, alice, "first")
	phase("first note stored on b and c")
	t.Run("unsigned copy refused", func(t *testing.T) {
		// What makes the stored rows proof of a verified signature: the
		// same inbox refuses an unsigned Create, and keeps nothing of it.
		forgedNote, forgedCreate := "http://"+a.host+"/notes/forged", "http://"+a.host+"/activities/forged"
		body := fmt.Sprintf(`{"@context":"https://www.w3.org/ns/activitystreams","id":%q,"type":"Create","actor":%q,`+
			`"to":["https://www.w3.org/ns/activitystreams#Public"],"object":{"id":%q,"type":"Note","attributedTo":%q,`+
			`"content":"<p>forged</p>","to":["https://www.w3.org/ns/activitystreams#Public"]}}`, forgedCreate, alice, forgedNote, alice)
		req, err := http.NewRequest(http.MethodPost, "http://"+b.addr+"/inbox", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		req.Host = b.host
		req.Header.Set("Content-Type", "application/activity+json")
		req.Header.Set("Date", time.Now().UTC().Format(http.TimeFormat))
		resp, err := (&http.Client{Timeout: 5 * time.Second}).Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusUnauthorized {
			t.Errorf("unsigned Create to b's inbox: status %d, want 401", resp.StatusCode)
		}
		if _, err := b.db.InboxItemByIRI(ctx, forgedCreate); content.KindOf(err) != content.KindNotFound {
			t.Errorf("unsigned Create stored in b's inbox: %v", err)
		}
		if _, err := b.db.ObjectByIRI(ctx, forgedNote); content.KindOf(err) != content.KindNotFound {
			t.Errorf("unsigned Create's note stored on b: %v", err)
		}
	})

	// 2. c is down while a publishes: the delivery to c waits in a's
	// queue, retried with backoff, and arrives once c is back.
	c.srv.stop(t)
	second, secondCreate := a.post(t, "alice", "second")
	b.waitStored(t, second, secondCreate, alice, "second")
	eventually(t, "a's delivery to the stopped c to fail and wait", func() (bool, string) {
		st := a.queue(t)
		h := st.hosts[c.host]
		return st.pending == 1 && h != nil && h[0] == "1" && strings.Contains(h[2], "connection refused"), st.out
	})
	phase("second note stored on b; a's delivery to the stopped c is pending after a refused attempt")
	cl.start(t, c)
	c.waitStored(t, second, secondCreate, alice, "second")
	a.waitDrained(t)
	phase("c restarted and stored the second note")

	// 3. Many followers, then a is killed right after publishing.
	const perNode = 15
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		errs  []error
		names = map[*e2eNode][]string{}
		work  = make(chan func() error)
	)
	for i := range perNode {
		names[b] = append(names[b], fmt.Sprintf("bob%02d", i))
		names[c] = append(names[c], fmt.Sprintf("carol%02d", i))
	}
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for job := range work {
				if err := job(); err != nil {
					mu.Lock()
					errs = append(errs, err)
					mu.Unlock()
				}
			}
		}()
	}
	for _, n := range []*e2eNode{b, c} {
		for _, name := range names[n] {
			work <- func() error {
				r, err := execKring(runOpts{}, "user", "add", name, "--data", n.data)
				if err == nil && r.code != 0 {
					err = fmt.Errorf("node %s: kring user add %s: exit %d\n%s", n.name, name, r.code, r.stderr)
				}
				if err != nil {
					return err
				}
				return cl.follow(n, name, a.handle("alice"))
			}
		}
	}
	close(work)
	wg.Wait()
	for _, err := range errs {
		t.Error(err)
	}
	if t.Failed() {
		t.FailNow()
	}
	followers := []string{b.actor("bob"), c.actor("carol")}
	for _, n := range []*e2eNode{b, c} {
		for _, name := range names[n] {
			followers = append(followers, n.actor(name))
		}
	}
	waitFollowers(t, a, alice, followers...)
	for _, n := range []*e2eNode{b, c} {
		for _, name := range names[n] {
			waitAccepted(t, n, n.actor(name), alice)
		}
	}
	before := a.waitDrained(t)
	phase(fmt.Sprintf("alice has %d followers on b and c", len(followers)))

	third, thirdCreate := a.post(t, "alice", "third")
	a.srv.kill(t)
	killed := a.queue(t)
	// Thirty-two followers on two nodes are two deliveries: one per
	// shared inbox, never one per follower.
	if got := killed.pending + killed.done - before.done; got != 2 {
		t.Errorf("the third note queued %d deliveries for %d followers on 2 nodes, want 2 (one per shared inbox)\n%s", got, len(followers), killed.out)
	}
	phase(fmt.Sprintf("a killed with SIGKILL right after publishing; %d of its deliveries pending", killed.pending))

	// A backup of the killed node's data, to restore below.
	backupDir := filepath.Join(t.TempDir(), "backup")
	if err := os.Mkdir(backupDir, 0o700); err != nil {
		t.Fatal(err)
	}
	a.run(t, "backup", filepath.Join(backupDir, storage.FileName))

	cl.start(t, a)
	b.waitStored(t, third, thirdCreate, alice, "third")
	c.waitStored(t, third, thirdCreate, alice, "third")
	a.waitDrained(t)
	for _, n := range []*e2eNode{b, c} {
		n.wantObjects(t, 3)
	}
	resumed := "no delivery was claimed when it died"
	if m := resumedRE.FindStringSubmatch(a.srv.stderr.String()); m != nil {
		resumed = "resumed " + m[1] + " claimed deliveries"
	}
	phase("a restarted (" + resumed + "); b and c hold the third note once; a's queue drained")

	// 4. Redeliveries are deduplicated by id: restoring the backup (as the
	// README says: stop, put the file back as kring.db) makes a send the
	// third note again to the nodes that already hold it.
	stored := map[*e2eNode]int64{}
	posts := map[*e2eNode]int{}
	for _, n := range []*e2eNode{b, c} {
		it, err := n.db.InboxItemByIRI(ctx, thirdCreate)
		if err != nil {
			t.Fatal(err)
		}
		stored[n], posts[n] = it.ID, n.inboxPOSTs()
	}
	a.srv.stop(t)
	a.closeDB()
	restoreBackup(t, filepath.Join(backupDir, storage.FileName), a.data)
	a.openDB(t)
	cl.start(t, a)
	restored := a.waitDrained(t)
	if restored.done != killed.pending+killed.done {
		t.Errorf("after the restore a's queue has %d done deliveries, want the backup's %d pending and %d done\n%s",
			restored.done, killed.pending, killed.done, restored.out)
	}
	resent := 0
	for _, n := range []*e2eNode{b, c} {
		resent += n.inboxPOSTs() - posts[n]
		it, err := n.db.InboxItemByIRI(ctx, thirdCreate)
		if err != nil {
			t.Fatal(err)
		}
		if it.ID != stored[n] || it.Outcome != "stored: Note "+third {
			t.Errorf("node %s: the redelivered Create changed its inbox row: id %d -> %d, outcome %q", n.name, stored[n], it.ID, it.Outcome)
		}
		n.wantObjects(t, 3)
	}
	if resent != killed.pending {
		t.Errorf("b and c answered %d redeliveries with 202, want the backup's %d pending deliveries", resent, killed.pending)
	}
	phase(fmt.Sprintf("a restored from the backup re-sent %d deliveries of the third note; b and c still hold it once", resent))

	// 5. a is killed in the middle of a delivery: b hangs (SIGSTOP), so
	// a's POST to b waits for an answer while its delivery to c is done.
	// The restarted a hands the claimed delivery back and sends it again.
	if err := b.srv.cmd.Process.Signal(syscall.SIGSTOP); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.srv.cmd.Process.Signal(syscall.SIGCONT) })
	fourth, fourthCreate := a.post(t, "alice", "fourth")
	c.waitStored(t, fourth, fourthCreate, alice, "fourth")
	eventually(t, "a's delivery to the hanging b to be in flight", func() (bool, string) {
		st := a.queue(t)
		h := st.hosts[b.host]
		return st.pending == 1 && h != nil && h[0] == "1" && h[2] == "-", st.out
	})
	a.srv.kill(t)
	if err := b.srv.cmd.Process.Signal(syscall.SIGCONT); err != nil {
		t.Fatal(err)
	}
	phase("a killed while its POST of the fourth note to the hanging b was in flight")
	cl.start(t, a)
	b.waitStored(t, fourth, fourthCreate, alice, "fourth")
	a.waitDrained(t)
	if m := resumedRE.FindStringSubmatch(a.srv.stderr.String()); m == nil || m[1] != "1" {
		t.Errorf("the restarted a did not resume the one delivery it held when killed:\n%s", a.srv.stderr)
	}
	for _, n := range []*e2eNode{b, c} {
		n.wantObjects(t, 4)
	}
	phase("a restarted, resumed the claimed delivery; b and c hold the fourth note once")
}

// resumedRE finds the log line of a start that hands back the deliveries
// a killed run had claimed.
var resumedRE = regexp.MustCompile(`msg="resuming deliveries left by the previous run".* count=(\d+)`)

// waitFollowers waits until the followee's accepted followers on its node
// are exactly want, in any order.
func waitFollowers(t *testing.T, n *e2eNode, followee string, want ...string) {
	t.Helper()
	wantSet := map[string]bool{}
	for _, w := range want {
		wantSet[w] = true
	}
	eventually(t, fmt.Sprintf("%d accepted followers of %s", len(want), followee), func() (bool, string) {
		total, got, err := n.db.Followers(context.Background(), followee, 0, len(want)+10)
		if err != nil {
			return false, err.Error()
		}
		if total != len(want) {
			return false, fmt.Sprintf("%d followers: %v", total, got)
		}
		for _, g := range got {
			if !wantSet[g] {
				return false, "unexpected follower " + g
			}
		}
		return true, ""
	})
}

// waitAccepted waits until the follower's node has seen its follow
// accepted.
func waitAccepted(t *testing.T, n *e2eNode, follower, followee string) {
	t.Helper()
	eventually(t, follower+"'s follow of "+followee+" to be accepted on "+n.name, func() (bool, string) {
		f, err := n.db.FollowBetween(context.Background(), follower, followee)
		if err != nil {
			return false, err.Error()
		}
		return f.State == content.FollowAccepted, "state " + string(f.State)
	})
}

// restoreBackup puts the database of a backup (a tar of kring backup)
// back as the database of a stopped node.
func restoreBackup(t *testing.T, file, dataDir string) {
	t.Helper()
	b := backupEntry(t, file, storage.FileName)
	if !bytes.HasPrefix(b, []byte("SQLite format 3\x00")) {
		t.Fatalf("%s is not an SQLite database", file)
	}
	dst := filepath.Join(dataDir, storage.FileName)
	for _, suffix := range []string{"-wal", "-shm"} {
		if err := os.Remove(dst + suffix); err != nil && !os.IsNotExist(err) {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(dst, b, 0o600); err != nil {
		t.Fatal(err)
	}
}
