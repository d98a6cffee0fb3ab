package federation

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"unicode/utf8"

	"kring/content"
	"kring/storage"
)

// Reports. Members report posts, replies, events and actors from the web;
// other servers send Flag activities. Both land in one queue with a copy
// of what was reported, and the node's moderators resolve them: dismiss,
// delete the posts, suspend the actor or block its server. A report about
// someone elsewhere can be passed on to their server as a Flag from the
// instance actor, so that the reporter stays anonymous, as Mastodon does.
//
// A Flag arrives in the shapes of the servers that send it:
//
//	Mastodon  {"actor": <instance actor>, "object": [<actor>, <status>...], "content": "why"}
//	Lemmy     {"actor": <user>, "object": <post or comment>, "summary": "why", "to": [<community>]}
//	Mbin      {"actor": <user>, "object": [<entry>, <actor>], "summary": "why", "content": "why"}

// flagText is what a Flag says besides its ids.
type flagText struct {
	Content json.RawMessage `json:"content"`
	Summary json.RawMessage `json:"summary"`
}

// onFlag files another server's report. It concerns this node when it
// names a member or forum of ours, an object the node holds, or an actor
// the node has dealt with; anything else is ignored. A Flag filed before
// changes nothing.
func (n *Node) onFlag(ctx context.Context, it *content.InboxItem, act *activity) (string, error) {
	if v := n.ActorVerdict(ctx, it.Actor); v.RejectReports {
		return "ignored: reports from " + v.By + " are rejected by the federation policy", nil
	}
	ids := idsOf(act.Object)
	if len(ids) > content.MaxReportObjects+1 {
		ids = ids[:content.MaxReportObjects+1]
	}
	// The objects held here, and so their authors, tell which of the ids
	// is the actor: Mastodon names it first, Mbin last, Lemmy not at all.
	authors := map[string]bool{}
	var firstAuthor string
	for _, id := range ids {
		if o, err := n.db.ObjectByIRI(ctx, id); err == nil {
			authors[o.AttributedTo] = true
			if firstAuthor == "" {
				firstAuthor = o.AttributedTo
			}
		}
	}
	var target string
	var objects []string
	for _, id := range ids {
		if authors[id] || n.heldActor(ctx, id) {
			if target == "" {
				target = id
			}
			continue
		}
		objects = append(objects, id)
	}
	if target == "" {
		target = firstAuthor
	}
	if target == "" {
		return "ignored: flag of nothing held here", nil
	}
	var text flagText
	_ = json.Unmarshal(it.Body, &text)
	comment := flagComment(text.Content)
	if comment == "" {
		comment = flagComment(text.Summary)
	}
	r := &content.Report{Origin: content.ReportRemote, Reporter: it.Actor, Target: target, Objects: objects,
		Comment: content.ClipComment(comment), FlagIRI: act.ID, State: content.ReportOpen}
	created, err := n.db.CreateReport(ctx, r)
	if err != nil {
		return "", err
	}
	if !created {
		return fmt.Sprintf("ignored: flag filed before as report %d", r.ID), nil
	}
	n.log.Info("report received", "activity_id", act.ID, "actor", it.Actor, "report", r.ID, "target", target)
	return fmt.Sprintf("queued: report %d about %s", r.ID, target), nil
}

// heldActor reports whether an id names an actor this node has dealt
// with: one of its members or forums, or an actor elsewhere that it
// stored or holds something of.
func (n *Node) heldActor(ctx context.Context, id string) bool {
	if name, ok := n.iris.LocalUsername(id); ok {
		_, err := n.db.MemberByUsername(ctx, name)
		return err == nil
	}
	if name, ok := n.iris.LocalGroup(id); ok {
		_, err := n.db.ForumByName(ctx, name)
		return err == nil
	}
	if n.iris.IsLocal(id) {
		return false
	}
	known, err := n.db.KnowsActor(ctx, id)
	return err == nil && known
}

// flagComment reads a Flag's content or summary: a string, or null.
func flagComment(raw json.RawMessage) string {
	var s string
	if json.Unmarshal(raw, &s) != nil {
		return ""
	}
	return strings.TrimSpace(s)
}

// IsReportModerator reports whether a member handles the node's reports:
// its moderators and admins do.
func IsReportModerator(m *content.Member) bool {
	return m != nil && !m.Suspended && (m.Role == content.RoleModerator || m.Role == content.RoleAdmin)
}

func requireReportModerator(m *content.Member) error {
	if !IsReportModerator(m) {
		return content.Errorf(content.KindForbidden, "", "report.not_moderator", "only the node's moderators and admins handle reports")
	}
	return nil
}

// ReportLocal files a member's report about an actor and, optionally,
// some of its posts, replies or events held here. Without a target, the
// first object's author is reported. Every object must be held here and
// be the target's. Reporting the same again while the first report is
// open files nothing new.
func (n *Node) ReportLocal(ctx context.Context, m *content.Member, target string, objects []string, comment string) (*content.Report, error) {
	if m.Suspended {
		return nil, content.Errorf(content.KindForbidden, "", "member.suspended", "suspended members cannot report")
	}
	target = strings.TrimSpace(target)
	for _, iri := range objects {
		o, err := n.db.ObjectByIRI(ctx, iri)
		if content.KindOf(err) == content.KindNotFound {
			return nil, content.Errorf(content.KindInvalid, "object", "report.unknown_object", "this node holds no post %s", iri)
		}
		if err != nil {
			return nil, err
		}
		if target == "" {
			target = o.AttributedTo
		}
		if o.AttributedTo != target {
			return nil, content.Errorf(content.KindInvalid, "object", "report.not_by_target", "%s is not by %s", iri, target)
		}
	}
	if target != "" && len(objects) == 0 && !n.heldActor(ctx, target) {
		return nil, content.Errorf(content.KindInvalid, "target", "report.unknown_actor", "this node knows no actor %s", target)
	}
	r, err := content.NewLocalReport(m.ID, n.iris.Actor(m.Username), target, objects, comment)
	if err != nil {
		return nil, err
	}
	if _, err := n.db.CreateReport(ctx, r); err != nil {
		return nil, err
	}
	return r, nil
}

// ResolveReport closes an open report with an action: dismiss it, delete
// the reported posts, suspend the reported actor (a member here, or an
// actor elsewhere whose activities are then refused) or block its
// server. What is done is logged with the moderator and the reason.
func (n *Node) ResolveReport(ctx context.Context, mod *content.Member, id int64, action content.ReportAction, reason string) (*content.Report, error) {
	if err := requireReportModerator(mod); err != nil {
		return nil, err
	}
	r, err := n.db.ReportByID(ctx, id)
	if err != nil {
		return nil, err
	}
	if r.State != content.ReportOpen {
		return nil, content.Errorf(content.KindConflict, "", "report.closed", "report %d is already %s", id, r.State)
	}
	modActor := n.iris.Actor(mod.Username)
	reason = strings.TrimSpace(reason)
	if utf8.RuneCountInString(reason) > content.MaxReportComment {
		return nil, content.Errorf(content.KindInvalid, "reason", "report.reason_too_long", "the reason is longer than %d characters", content.MaxReportComment)
	}
	logReason := fmt.Sprintf("report %d", id)
	if reason != "" {
		logReason += ": " + reason
	}
	closing := storage.ReportClosing{State: content.ReportResolved, Action: action, Moderator: modActor, Reason: reason}
	switch action {
	case content.ReportDismiss:
		closing.State = content.ReportDismissed
		closing.Log = []content.ModEntry{{Moderator: modActor, Action: content.ModDismissReport, Target: r.Target, Reason: logReason}}
	case content.ReportDelete:
		if closing.Removals, closing.Log, err = n.reportedRemovals(ctx, modActor, r, logReason); err != nil {
			return nil, err
		}
	case content.ReportSuspend:
		if closing.Log, err = n.suspendReported(ctx, mod, r.Target, logReason); err != nil {
			return nil, err
		}
	case content.ReportBlockDomain:
		if closing.Log, err = n.blockReported(ctx, modActor, r.Target, logReason); err != nil {
			return nil, err
		}
	default:
		return nil, content.Errorf(content.KindInvalid, "action", "report.unknown_action", "unknown action %q: use dismiss, delete, suspend or block", action)
	}
	if err := n.db.CloseReport(ctx, id, closing); err != nil {
		return nil, err
	}
	n.wakeDelivery()
	n.log.Info("report resolved", "report", id, "action", string(action), "moderator", modActor, "target", r.Target)
	return n.db.ReportByID(ctx, id)
}

// reportedRemovals deletes a report's objects. A forum's thread or reply
// goes as a moderator's deletion, which the Group passes on; a post or
// event of a member goes as its author's Delete; any other object of a
// member is tombstoned with a Delete from its author; another server's
// object is only removed here. What CloseReport must write is returned.
func (n *Node) reportedRemovals(ctx context.Context, modActor string, r *content.Report, reason string) ([]storage.Removal, []content.ModEntry, error) {
	var removals []storage.Removal
	var log []content.ModEntry
	live := 0
	for _, iri := range r.Objects {
		o, err := n.db.ObjectByIRI(ctx, iri)
		if content.KindOf(err) == content.KindNotFound {
			continue // never held here: nothing to delete
		}
		if err != nil {
			return nil, nil, err
		}
		if o.Deleted {
			continue
		}
		live++
		if t, err := n.db.ThreadOf(ctx, iri); err == nil {
			f, err := n.db.ForumByID(ctx, t.ForumID)
			if err != nil {
				return nil, nil, err
			}
			// Logged with its forum by moderatorDelete itself.
			if err := n.moderatorDelete(ctx, modActor, f, iri, reason); err != nil {
				return nil, nil, fmt.Errorf("delete %s: %w", iri, err)
			}
			continue
		}
		entry := content.ModEntry{Moderator: modActor, Action: content.ModDelete, Target: iri, Reason: reason}
		done, err := n.deleteAsAuthor(ctx, o)
		if err != nil {
			return nil, nil, fmt.Errorf("delete %s: %w", iri, err)
		}
		log = append(log, entry)
		if done {
			continue
		}
		rm := storage.Removal{IRI: iri, Author: o.AttributedTo}
		if o.Local {
			if rm.Activity, rm.Targets, err = n.deleteActivity(ctx, o); err != nil {
				return nil, nil, err
			}
			rm.Signer = o.AttributedTo
		}
		removals = append(removals, rm)
	}
	if live == 0 {
		return nil, nil, content.Errorf(content.KindInvalid, "action", "report.nothing_to_delete",
			"report %d names no posts left to delete: suspend the actor or dismiss the report", r.ID)
	}
	return removals, log, nil
}

// deleteAsAuthor deletes a member's post or event as its author does, and
// takes a received event off the agenda; done is false for other objects.
func (n *Node) deleteAsAuthor(ctx context.Context, o *content.Object) (done bool, err error) {
	if p, err := n.db.PostByIRI(ctx, o.IRI); err == nil {
		author, err := n.db.MemberByID(ctx, p.AuthorID)
		if err != nil {
			return false, err
		}
		return true, n.DeletePost(ctx, author, p)
	}
	ev, err := n.db.EventByIRI(ctx, o.IRI)
	if err != nil {
		return false, nil
	}
	if !ev.Local {
		_, err := n.db.DeleteRemoteEvent(ctx, o.IRI)
		return false, err // and its object below
	}
	if ev.Deleted {
		return true, nil
	}
	cp := *ev
	cp.Deleted, cp.Updated = true, n.now()
	change, err := n.eventChange(ctx, &cp, "Delete")
	if err != nil {
		return false, err
	}
	if err := n.db.SaveEvent(ctx, change); err != nil {
		return false, fmt.Errorf("delete event %q: %w", ev.Title, err)
	}
	return true, nil
}

// deleteActivity is the Delete of a member's object, from the member, to
// their followers and the actors it mentioned.
func (n *Node) deleteActivity(ctx context.Context, o *content.Object) (*content.Activity, []storage.Target, error) {
	actor := o.AttributedTo
	targets, err := n.postTargets(ctx, actor, n.storedMentions(ctx, o))
	if err != nil {
		return nil, nil, err
	}
	doc := map[string]any{
		"@context": ASContext, "id": n.iris.Activity(newID()), "type": "Delete", "actor": actor,
		"to": []string{Public}, "cc": []string{n.iris.Followers(actor)},
		"object": map[string]any{"id": o.IRI, "type": "Tombstone"},
	}
	body, err := marshalAS(doc)
	if err != nil {
		return nil, nil, err
	}
	return &content.Activity{IRI: doc["id"].(string), Actor: actor, Type: "Delete", ObjectIRI: o.IRI, Public: true, Body: body}, targets, nil
}

// suspendReported suspends the reported actor: a member of this node
// (not an admin, unless an admin does it), or an actor elsewhere through
// the node's federation policy.
func (n *Node) suspendReported(ctx context.Context, mod *content.Member, target, reason string) ([]content.ModEntry, error) {
	modActor := n.iris.Actor(mod.Username)
	if name, ok := n.iris.LocalUsername(target); ok {
		m, err := n.db.MemberByUsername(ctx, name)
		if err != nil {
			return nil, err
		}
		switch {
		case m.ID == mod.ID:
			return nil, content.Errorf(content.KindInvalid, "action", "report.suspend_self", "moderators cannot suspend themselves")
		case m.Role == content.RoleAdmin && mod.Role != content.RoleAdmin:
			return nil, content.Errorf(content.KindForbidden, "action", "report.suspend_admin", "only an admin can suspend an admin")
		}
		if err := n.db.SetMemberSuspended(ctx, name, true); err != nil {
			return nil, err
		}
		return []content.ModEntry{{Moderator: modActor, Action: content.ModSuspendMember, Target: target, Reason: reason}}, nil
	}
	if n.iris.IsLocal(target) {
		return nil, content.Errorf(content.KindInvalid, "action", "report.suspend_local",
			"%s is this node's own actor, not a member: delete its posts instead", target)
	}
	// Logged by the policy itself, with what the suspension dropped.
	p := content.ActorPolicy{Actor: target, Severity: content.SeveritySuspend, Reason: clip(reason, content.MaxPolicyComment)}
	if _, err := n.db.SetActorPolicy(ctx, p, modActor); err != nil {
		return nil, fmt.Errorf("suspend %s: %w", target, err)
	}
	n.expirePolicy()
	return nil, nil
}

// blockReported blocks the server of the reported actor.
func (n *Node) blockReported(ctx context.Context, modActor, target, reason string) ([]content.ModEntry, error) {
	if n.iris.IsLocal(target) {
		return nil, content.Errorf(content.KindInvalid, "action", "report.block_local",
			"%s is on this node: only another server can be blocked", target)
	}
	domain, err := content.ParseDomain(hostOf(target))
	if err != nil {
		return nil, err
	}
	// A block the server has already keeps its other settings and becomes
	// a suspension; the policy logs it, with what it dropped.
	b := content.DomainBlock{Domain: domain}
	if had, err := n.db.DomainBlock(ctx, domain); err == nil {
		b = *had
	} else if content.KindOf(err) != content.KindNotFound {
		return nil, err
	}
	b.Severity = content.SeveritySuspend
	if b.PrivateComment == "" {
		b.PrivateComment = clip(reason, content.MaxPolicyComment)
	}
	if _, err := n.db.BlockDomain(ctx, b, modActor); err != nil {
		return nil, fmt.Errorf("block %s: %w", domain, err)
	}
	n.expirePolicy()
	return nil, nil
}

// ForwardReport passes a report about an actor elsewhere on to its server:
// a Flag from the instance actor (so the reporter stays anonymous) to the
// actor's shared inbox, naming the actor and its reported objects, with
// the moderator's comment (else the report's). A report goes once.
func (n *Node) ForwardReport(ctx context.Context, mod *content.Member, id int64, comment string) (*content.Activity, error) {
	if err := requireReportModerator(mod); err != nil {
		return nil, err
	}
	r, err := n.db.ReportByID(ctx, id)
	if err != nil {
		return nil, err
	}
	if n.iris.IsLocal(r.Target) {
		return nil, content.Errorf(content.KindInvalid, "forward", "report.forward_local",
			"report %d is about %s, an actor of this node: there is no other server to tell", id, r.Target)
	}
	if r.Forwarded != "" {
		return nil, content.Errorf(content.KindConflict, "forward", "report.forwarded", "report %d was forwarded before", id)
	}
	a, err := n.remoteActor(ctx, r.Target, false)
	if err != nil {
		return nil, fmt.Errorf("find the server of %s: %w", r.Target, err)
	}
	comment = strings.TrimSpace(comment)
	if comment == "" {
		comment = r.Comment
	}
	// Only the actor's own objects mean anything to its server.
	object := []string{r.Target}
	for _, iri := range r.Objects {
		if hostOf(iri) == hostOf(r.Target) {
			object = append(object, iri)
		}
	}
	instance := n.iris.InstanceActor()
	doc := map[string]any{"@context": ASContext, "id": n.iris.Activity(newID()), "type": "Flag", "actor": instance,
		"content": comment, "object": object}
	body, err := marshalAS(doc)
	if err != nil {
		return nil, err
	}
	flag := &content.Activity{IRI: doc["id"].(string), Actor: instance, Type: "Flag", ObjectIRI: r.Target, Body: body}
	inbox := a.DeliveryInbox()
	logReason := fmt.Sprintf("report %d", id)
	if comment != "" {
		logReason += ": " + comment
	}
	err = n.db.ForwardReport(ctx, id, flag, instance, []storage.Target{{Inbox: inbox, Host: hostOf(inbox)}},
		content.ModEntry{Moderator: n.iris.Actor(mod.Username), Action: content.ModForwardReport, Target: r.Target, Reason: logReason})
	if err != nil {
		return nil, err
	}
	n.wakeDelivery()
	n.log.Info("report forwarded", "report", id, "activity_id", flag.IRI, "inbox", inbox)
	return flag, nil
}

// clip shortens s to at most n characters.
func clip(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n-1]) + "…"
}
