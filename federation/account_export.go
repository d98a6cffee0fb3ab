package federation

import (
	"bufio"
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"regexp"
	"strings"

	"kring/content"
	"kring/storage"
)

// FollowsCSVHeader is the header of the follows list Mastodon exports
// (Preferences > Import and export > Data export > Follows) and imports.
var FollowsCSVHeader = []string{"Account address", "Show boosts", "Notify on new posts", "Languages"}

// ExportFollows writes the accounts a member follows, requests not yet
// accepted included, as the CSV Mastodon exports and imports: one
// "user@host,true,false," row per account after the header. It returns
// the number of rows. An account whose address cannot be worked out (not
// stored and not answering) is left out and logged.
func (n *Node) ExportFollows(ctx context.Context, m *content.Member, w io.Writer) (int, error) {
	accounts, err := n.db.FollowedAccounts(ctx, n.iris.Actor(m.Username))
	if err != nil {
		return 0, err
	}
	cw := csv.NewWriter(w)
	if err := cw.Write(FollowsCSVHeader); err != nil {
		return 0, fmt.Errorf("write follows: %w", err)
	}
	rows := 0
	for _, a := range accounts {
		addr := n.accountAddress(ctx, a)
		if addr == "" {
			n.log.Warn("follows export: no address for a followed actor", "actor", a.IRI)
			continue
		}
		if err := cw.Write([]string{addr, "true", "false", ""}); err != nil {
			return rows, fmt.Errorf("write follows: %w", err)
		}
		rows++
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return rows, fmt.Errorf("write follows: %w", err)
	}
	return rows, nil
}

// accountAddress is user@host for a followed actor: a local member or
// forum by its name, a remote one by its stored preferredUsername (fetched
// when not stored).
func (n *Node) accountAddress(ctx context.Context, a storage.FollowedAccount) string {
	if name, ok := n.iris.LocalUsername(a.IRI); ok {
		return name + "@" + n.iris.Host()
	}
	if name, ok := n.iris.LocalGroup(a.IRI); ok {
		return name + "@" + n.iris.Host()
	}
	if a.IRI == n.iris.Organisation() {
		if node, err := n.organisation(ctx); err == nil {
			return node.OrgUsername + "@" + n.iris.Host()
		}
		return ""
	}
	username, host := a.Username, a.Host
	if username == "" {
		ra, err := n.remoteActor(ctx, a.IRI, false)
		if err != nil {
			return ""
		}
		username, host = ra.Username, ra.Host
	}
	if username == "" {
		return ""
	}
	if host == "" {
		host = hostOf(a.IRI)
	}
	return username + "@" + host
}

// ImportedFollow is the outcome of one line of a follows import.
type ImportedFollow struct {
	Line    int
	Address string
	Outcome string // requested, already following, already requested, skipped: ..., or why it failed
	Err     error  // set when the line failed
}

// maxImportLines bounds a follows import, as Mastodon bounds its own.
const maxImportLines = 10000

// addressRE is the account address of a follows list: user@host, with
// the user part as lenient as servers are (Misskey allows capitals,
// Pleroma dots and hyphens).
var addressRE = regexp.MustCompile(`^[A-Za-z0-9_][A-Za-z0-9_.~-]*@[A-Za-z0-9.-]+(:[0-9]+)?$`)

// ImportFollows has a member follow every account of a follows list in
// Mastodon's CSV (with or without its header; only the first column is
// read): each address is found by WebFinger and sent a Follow, unless the
// member already follows it or asked to, so running it twice sends nothing
// new. Every line's outcome goes to report; a bad line does not stop the
// rest. It returns how many lines failed.
func (n *Node) ImportFollows(ctx context.Context, m *content.Member, r io.Reader, report func(ImportedFollow)) (int, error) {
	actor := n.iris.Actor(m.Username)
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 4096), 64<<10)
	failed, line := 0, 0
	for sc.Scan() {
		line++
		if line > maxImportLines {
			return failed, content.Errorf(content.KindInvalid, "file", "follows.too_long", "the list has more than %d lines; split it", maxImportLines)
		}
		text := strings.TrimSpace(strings.TrimPrefix(sc.Text(), "\ufeff")) // a spreadsheet's byte order mark
		if text == "" {
			continue
		}
		rec, err := csv.NewReader(strings.NewReader(text)).Read()
		if err != nil {
			failed++
			report(ImportedFollow{Line: line, Address: text, Outcome: "not a CSV line", Err: err})
			continue
		}
		addr := strings.TrimPrefix(strings.TrimSpace(rec[0]), "@")
		if line == 1 && strings.EqualFold(addr, FollowsCSVHeader[0]) {
			continue
		}
		res := n.importOne(ctx, m, actor, addr)
		res.Line = line
		if res.Err != nil {
			failed++
		}
		report(res)
		if ctx.Err() != nil {
			return failed, ctx.Err()
		}
	}
	if err := sc.Err(); err != nil {
		return failed, fmt.Errorf("read follows list: %w", err)
	}
	return failed, nil
}

func (n *Node) importOne(ctx context.Context, m *content.Member, actor, addr string) ImportedFollow {
	res := ImportedFollow{Address: addr}
	fail := func(outcome string, err error) ImportedFollow {
		res.Outcome, res.Err = outcome, err
		return res
	}
	if !addressRE.MatchString(addr) {
		return fail("not an account address", content.Errorf(content.KindInvalid, "address", "follows.address", "%q is not an account address like user@host", addr))
	}
	iri, err := n.Resolve(ctx, addr)
	if err != nil {
		return fail("not found", err)
	}
	if iri == actor {
		res.Outcome = "skipped: that is this account"
		return res
	}
	if f, err := n.db.FollowBetween(ctx, actor, iri); err == nil {
		res.Outcome = "already following"
		if f.State == content.FollowPending {
			res.Outcome = "already requested"
		}
		return res
	}
	if _, err := n.Follow(ctx, m, iri); err != nil {
		if content.KindOf(err) == content.KindConflict {
			res.Outcome = "already following"
			return res
		}
		return fail("follow failed", err)
	}
	res.Outcome = "requested"
	return res
}

// Archive is a member's data as ActivityStreams: the actor document, an
// outbox-like OrderedCollection of Creates of everything they wrote that
// is not deleted (notes, posts, threads and replies, events), and the
// follows list in Mastodon's CSV.
type Archive struct {
	Actor, Outbox, Follows []byte
	Objects, FollowCount   int
}

// ExportAccount gathers a member's archive.
func (n *Node) ExportAccount(ctx context.Context, m *content.Member) (*Archive, error) {
	actor := n.iris.Actor(m.Username)
	if acct, err := n.db.Account(ctx, m.ID); err != nil {
		return nil, err
	} else if acct.Deleted() {
		return nil, content.Errorf(content.KindConflict, "", "member.deleted", "the account %q was deleted: nothing is left to export", m.Username)
	}
	doc, err := n.memberDocument(ctx, m)
	if err != nil {
		return nil, err
	}
	var a Archive
	if a.Actor, err = marshalIndent(doc); err != nil {
		return nil, err
	}
	objs, err := n.db.AuthoredObjects(ctx, actor)
	if err != nil {
		return nil, err
	}
	items := make([]any, 0, len(objs))
	for _, o := range objs {
		var obj map[string]any
		if err := json.Unmarshal([]byte(o.Raw), &obj); err != nil || obj == nil {
			n.log.Warn("export: object without a stored document", "object", o.IRI)
			continue
		}
		delete(obj, "@context")
		create := map[string]any{"type": "Create", "actor": actor, "published": obj["published"], "object": obj}
		for _, k := range []string{"to", "cc", "audience"} {
			if v, ok := obj[k]; ok {
				create[k] = v
			}
		}
		items = append(items, create)
	}
	a.Objects = len(items)
	outbox := map[string]any{
		"@context": ASContext, "id": n.iris.Outbox(actor), "type": "OrderedCollection",
		"totalItems": len(items), "orderedItems": items,
	}
	if a.Outbox, err = marshalIndent(outbox); err != nil {
		return nil, err
	}
	var follows bytes.Buffer
	if a.FollowCount, err = n.ExportFollows(ctx, m, &follows); err != nil {
		return nil, err
	}
	a.Follows = follows.Bytes()
	return &a, nil
}

// marshalIndent encodes a document for people to read, without escaping
// HTML (as marshalAS).
func marshalIndent(doc any) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(doc); err != nil {
		return nil, fmt.Errorf("encode export: %w", err)
	}
	return b.Bytes(), nil
}

// DeleteAccount deletes a member's account (storage.DB.DeleteMember) and
// queues Delete{actor} to every server that knows the member: the
// followers' inboxes and those of the actors the member follows. After it
// the actor id answers 410 Gone with a Tombstone; the key pair stays so
// that the Delete can be signed when it is delivered.
func (n *Node) DeleteAccount(ctx context.Context, m *content.Member) (*storage.MemberDeletion, int, error) {
	actor := n.iris.Actor(m.Username)
	acct, err := n.db.Account(ctx, m.ID)
	if err != nil {
		return nil, 0, err
	}
	if acct.Deleted() {
		return nil, 0, content.Errorf(content.KindConflict, "", "member.deleted", "the account %q was already deleted", m.Username)
	}
	targets, err := n.db.FollowerInboxes(ctx, actor)
	if err != nil {
		return nil, 0, err
	}
	seen := make(map[string]bool, len(targets))
	for _, t := range targets {
		seen[t.Inbox] = true
	}
	followed, err := n.db.FollowedAccounts(ctx, actor)
	if err != nil {
		return nil, 0, err
	}
	for _, f := range followed {
		if n.iris.IsLocal(f.IRI) {
			continue
		}
		ra, err := n.db.RemoteActor(ctx, f.IRI)
		if err != nil {
			continue // never stored: its server has nothing of ours to forget
		}
		if inbox := ra.DeliveryInbox(); !seen[inbox] {
			seen[inbox] = true
			targets = append(targets, storage.Target{Inbox: inbox, Host: hostOf(inbox)})
		}
	}
	del := map[string]any{
		"@context": ASContext, "id": n.iris.Activity(newID()), "type": "Delete", "actor": actor,
		"object": actor, "to": []string{Public},
	}
	pub, err := n.publication(actor, del, actor, true, targets)
	if err != nil {
		return nil, 0, err
	}
	gone, err := n.db.DeleteMember(ctx, m.ID, actor, pub)
	if err != nil {
		return nil, 0, err
	}
	n.wakeDelivery()
	return gone, len(targets), nil
}
