package federation

import (
	"context"
	"fmt"
	"html"
	"log/slog"
	"net/url"
	"slices"
	"strings"
	"time"

	"kring/content"
	"kring/storage"
)

// PostInput is what a member writes: from the compose page or the CLI.
type PostInput struct {
	Title      string
	Summary    string // the lead; empty takes the first paragraph
	Body       string // Markdown
	Tags       []string
	Language   content.Language
	Visibility content.Visibility
	AsNote     bool
	Draft      bool    // keep (or put back) as a draft: nothing federates
	MediaIDs   []int64 // the member's uploads, shown in order
	CoverID    int64   // one of MediaIDs, or 0
}

// Post IRIs: the id (serves AS2 and, for browsers, sends to the page) and
// the page a person reads.
func (i IRIs) Post(id string) string { return i.base + "/posts/" + id }

// PostURL is a post's HTML page.
func (i IRIs) PostURL(username, slug string) string { return i.base + "/@" + username + "/" + slug }

// Tag is a hashtag's page on this node.
func (i IRIs) Tag(tag string) string { return i.base + "/tags/" + url.PathEscape(tag) }

// Replies is an object's replies collection.
func (i IRIs) Replies(object string) string { return object + "/replies" }

// SavePost creates or edits a member's post. A new or still-draft post
// saved as a draft federates nothing; publishing sends Create to the
// followers and the mentioned actors, an edit of a published post sends
// Update. A published post cannot go back to being a draft.
func (n *Node) SavePost(ctx context.Context, m *content.Member, existing *content.Post, in PostInput) (*content.Post, error) {
	p, err := n.buildPost(ctx, m, existing, in)
	if err != nil {
		return nil, err
	}
	mentions, err := n.resolveMentions(ctx, in.Body)
	if err != nil {
		return nil, err
	}
	rendered := content.RenderMarkdown(in.Body, content.MarkdownOptions{
		TagURL:    n.iris.Tag,
		Mentions:  mentionTargets(mentions),
		LocalHost: n.iris.Host(),
	})
	p.Content, p.Tags = rendered.HTML, mergeTags(rendered.Tags, in.Tags)
	p.Lead = strings.TrimSpace(p.Summary)
	if p.Lead == "" {
		p.Lead = rendered.Lead
	}
	wasPublished := existing != nil && existing.State == content.PostPublished
	if in.Draft && !wasPublished {
		p.State = content.PostDraft
		return p, n.db.SavePost(ctx, storage.PostChange{Post: p})
	}
	now := n.now().Truncate(time.Second)
	kind := "Create"
	if wasPublished {
		kind, p.Updated = "Update", now
	} else {
		p.State, p.Published = content.PostPublished, now
	}
	change, err := n.postChange(ctx, m, p, kind, linkedMentions(mentions, rendered.Mentions))
	if err != nil {
		return nil, err
	}
	if err := n.db.SavePost(ctx, change); err != nil {
		return nil, fmt.Errorf("%s post by %s: %w", strings.ToLower(kind), m.Username, err)
	}
	if kind == "Create" {
		for _, mt := range change.Obj.Mentions {
			n.notify(ctx, mt, content.NotifyMention, change.Signer, p.IRI)
		}
	}
	if kind == "Create" && p.Visibility == content.VisibilityPublic {
		// The post is stored and on its way; a failed boost is logged,
		// not a failed post.
		if err := n.announceByOrg(ctx, p.IRI); err != nil {
			n.log.Error("organisation boost", "post", p.IRI, "err", err)
		}
	}
	n.wakeDelivery()
	return p, nil
}

// buildPost validates the input and fills a post from it and, for an
// edit, from the stored one.
func (n *Node) buildPost(ctx context.Context, m *content.Member, existing *content.Post, in PostInput) (*content.Post, error) {
	if err := content.ValidatePostText(in.Title, in.Summary, in.Body); err != nil {
		return nil, err
	}
	if len(in.MediaIDs) > content.MaxPostMedia {
		return nil, content.Errorf(content.KindInvalid, "media", "post.media_many", "a post holds at most %d images", content.MaxPostMedia)
	}
	p := &content.Post{IRI: n.iris.Post(newID()), AuthorID: m.ID, Author: m.Username, State: content.PostDraft}
	if existing != nil {
		if existing.AuthorID != m.ID {
			return nil, content.Errorf(content.KindForbidden, "", "post.not_yours", "only its author can edit this post")
		}
		if existing.State == content.PostDeleted {
			return nil, content.Errorf(content.KindNotFound, "", "post.deleted", "this post was deleted")
		}
		cp := *existing
		p = &cp
	}
	p.Title, p.Summary, p.Body = strings.TrimSpace(in.Title), strings.TrimSpace(in.Summary), in.Body
	if existing == nil || existing.State == content.PostDraft {
		p.Slug = content.Slugify(p.Title) // a published post keeps its address
	}
	p.Language = in.Language
	if p.Language == "" {
		p.Language = m.Language
	}
	p.Visibility, p.AsNote, p.MediaIDs, p.CoverID = in.Visibility, in.AsNote, in.MediaIDs, in.CoverID
	if p.Visibility == "" {
		p.Visibility = content.VisibilityPublic
	}
	if p.CoverID != 0 && !slices.Contains(p.MediaIDs, p.CoverID) {
		p.MediaIDs = append([]int64{p.CoverID}, p.MediaIDs...)
	}
	return p, nil
}

func mergeTags(found, extra []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, t := range append(found, extra...) {
		tag, ok := content.NormalizeTag(t)
		if !ok || seen[tag] || len(out) == content.MaxPostTags {
			continue
		}
		seen[tag] = true
		out = append(out, tag)
	}
	return out
}

// mention is a handle written in a post, resolved to its actor.
type mention struct {
	Handle string // user@host, lower case
	IRI    string
	Href   string // the profile people click
	Inbox  string // where the post goes; empty for local members
	Host   string
}

// resolveMentions looks up every handle a post names, local members from
// the database and remote ones through WebFinger. A handle that does not
// resolve stays plain text: a typo must not stop a post.
func (n *Node) resolveMentions(ctx context.Context, body string) ([]mention, error) {
	var out []mention
	for _, handle := range content.FindMentions(body, n.iris.Host()) {
		user, host, _ := strings.Cut(handle, "@")
		if host == n.iris.Host() {
			if m, err := n.db.MemberByUsername(ctx, user); err == nil && !m.Suspended {
				iri := n.iris.Actor(m.Username)
				out = append(out, mention{Handle: handle, IRI: iri, Href: n.iris.Profile(m.Username)})
			}
			continue
		}
		iri, err := n.Resolve(ctx, handle)
		if err != nil {
			n.log.Info("mention not resolved", "handle", handle, "err", err)
			continue
		}
		a, err := n.lookupActor(ctx, iri)
		if err != nil {
			n.log.Info("mentioned actor not fetched", "handle", handle, "err", err)
			continue
		}
		href := a.URL
		if href == "" {
			href = a.IRI
		}
		out = append(out, mention{Handle: handle, IRI: a.IRI, Href: href, Inbox: a.DeliveryInbox(), Host: hostOf(a.DeliveryInbox())})
	}
	return out, nil
}

func mentionTargets(ms []mention) map[string]content.MentionTarget {
	out := make(map[string]content.MentionTarget, len(ms))
	for _, m := range ms {
		out[m.Handle] = content.MentionTarget{Href: m.Href}
	}
	return out
}

// linkedMentions keeps the resolved mentions the rendered text links.
func linkedMentions(ms []mention, linked []string) []mention {
	var out []mention
	for _, m := range ms {
		for _, h := range linked {
			if strings.EqualFold(h, m.Handle) {
				out = append(out, m)
				break
			}
		}
	}
	return out
}

// postChange builds the object and the activity (Create or Update) of a
// post, addressed per its visibility, with one delivery per inbox.
func (n *Node) postChange(ctx context.Context, m *content.Member, p *content.Post, kind string, mentions []mention) (storage.PostChange, error) {
	media, err := n.postMedia(ctx, p)
	if err != nil {
		return storage.PostChange{}, err
	}
	actor := n.iris.Actor(m.Username)
	doc := n.postDocument(p, actor, media, mentions)
	raw, err := marshalAS(withContext(doc))
	if err != nil {
		return storage.PostChange{}, fmt.Errorf("encode post %s: %w", p.IRI, err)
	}
	obj := &content.Object{IRI: p.IRI, Type: doc["type"].(string), AttributedTo: actor, Local: true, Name: p.Title,
		Summary: p.Lead, Content: p.Content, URL: doc["url"].(string), Public: p.Visibility != content.VisibilityFollowers,
		Published: p.Published, Updated: p.Updated, Raw: string(raw), Language: string(p.Language),
		AuthorName: m.Name(), AuthorHandle: m.Username + "@" + n.iris.Host(), AuthorURL: n.iris.Profile(m.Username),
		Tags: p.Tags, Attachments: attachmentsOf(media, n.iris.Base())}
	for _, mt := range mentions {
		obj.Mentions = append(obj.Mentions, mt.IRI)
	}
	id := newID()
	act := map[string]any{
		"@context": ASContext, "id": n.iris.Activity(id), "type": kind, "actor": actor,
		"to": doc["to"], "cc": doc["cc"], "object": doc,
	}
	if kind == "Create" {
		act["published"] = doc["published"]
	}
	targets, err := n.postTargets(ctx, actor, mentions)
	if err != nil {
		return storage.PostChange{}, err
	}
	body, err := marshalAS(act)
	if err != nil {
		return storage.PostChange{}, fmt.Errorf("encode %s of %s: %w", kind, p.IRI, err)
	}
	return storage.PostChange{
		Post: p, Obj: obj, Signer: actor, Targets: targets,
		Activity: &content.Activity{IRI: act["id"].(string), Actor: actor, Type: kind, ObjectIRI: p.IRI, Public: obj.Public, Body: body},
	}, nil
}

// postTargets are the followers' inboxes and the mentioned actors',
// one per shared inbox.
func (n *Node) postTargets(ctx context.Context, actor string, mentions []mention) ([]storage.Target, error) {
	targets, err := n.db.FollowerInboxes(ctx, actor)
	if err != nil {
		return nil, err
	}
	for _, m := range mentions {
		if m.Inbox != "" {
			targets = appendTarget(targets, m.Inbox)
		}
	}
	return targets, nil
}

func (n *Node) postMedia(ctx context.Context, p *content.Post) ([]*content.Media, error) {
	var out []*content.Media
	for _, id := range p.MediaIDs {
		md, err := n.db.MediaByID(ctx, id)
		if err != nil {
			return nil, fmt.Errorf("image %d of post %s: %w", id, p.IRI, err)
		}
		if md.OwnerID != p.AuthorID {
			return nil, content.Errorf(content.KindInvalid, "media", "post.media_unknown", "image %d is not one of your uploads", id)
		}
		out = append(out, md)
	}
	return out, nil
}

// MediaURL is where an uploaded image is served.
func MediaURL(base, name string) string { return base + "/media/" + name }

func attachmentsOf(media []*content.Media, base string) []content.Attachment {
	var out []content.Attachment
	for _, md := range media {
		out = append(out, content.Attachment{URL: MediaURL(base, md.Name), MediaType: md.MediaType, Name: md.Alt, Width: md.Width, Height: md.Height})
	}
	return out
}

// postDocument is a post as ActivityStreams. Mastodon shows an Article as
// its name, its summary and a link (it drops content), so the summary is
// always a real lead. As a Note the whole text goes out, the title in
// bold on top, and no summary: Mastodon would show it as a content warning.
func (n *Node) postDocument(p *content.Post, actor string, media []*content.Media, mentions []mention) map[string]any {
	url := n.iris.PostURL(p.Author, p.Slug)
	doc := map[string]any{
		"id":           p.IRI,
		"type":         "Article",
		"attributedTo": actor,
		"name":         p.Title,
		"summary":      html.EscapeString(p.Lead),
		"content":      p.Content,
		"contentMap":   map[string]string{string(p.Language): p.Content},
		"url":          url,
		"published":    p.Published.UTC().Format(time.RFC3339),
		"sensitive":    false,
		"replies":      n.iris.Replies(p.IRI),
	}
	if p.AsNote {
		body := "<p><strong>" + html.EscapeString(p.Title) + "</strong></p>" + p.Content
		doc["type"], doc["content"], doc["contentMap"] = "Note", body, map[string]string{string(p.Language): body}
		delete(doc, "name")
		delete(doc, "summary")
	}
	if !p.Updated.IsZero() {
		doc["updated"] = p.Updated.UTC().Format(time.RFC3339)
	}
	doc["to"], doc["cc"] = n.addressing(p.Visibility, actor, mentions)
	if tags := tagDocs(n, p.Tags, mentions); len(tags) > 0 {
		doc["tag"] = tags
	}
	var attachments []map[string]any
	for _, md := range media {
		a := map[string]any{"type": "Image", "mediaType": md.MediaType, "url": MediaURL(n.iris.Base(), md.Name),
			"name": md.Alt, "width": md.Width, "height": md.Height}
		if md.Blurhash != "" {
			a["blurhash"] = md.Blurhash
		}
		attachments = append(attachments, a)
	}
	if len(attachments) > 0 {
		doc["attachment"] = attachments
		if p.CoverID != 0 {
			for _, md := range media {
				if md.ID == p.CoverID {
					doc["image"] = map[string]any{"type": "Image", "mediaType": md.MediaType, "url": MediaURL(n.iris.Base(), md.Name), "name": md.Alt}
				}
			}
		}
	}
	return doc
}

// addressing is Mastodon's: public posts to Public with the followers in
// cc; unlisted the other way round; followers-only to the followers. The
// mentioned actors are always addressed.
func (n *Node) addressing(v content.Visibility, actor string, mentions []mention) (to, cc []string) {
	followers := n.iris.Followers(actor)
	switch v {
	case content.VisibilityUnlisted:
		to, cc = []string{followers}, []string{Public}
	case content.VisibilityFollowers:
		to, cc = []string{followers}, []string{}
	default:
		to, cc = []string{Public}, []string{followers}
	}
	for _, m := range mentions {
		cc = append(cc, m.IRI)
	}
	return to, cc
}

// DeletePost deletes a member's post: a draft simply goes; a published
// post becomes a Tombstone (its URLs answer 410) and Delete goes to the
// followers and everyone it mentioned.
func (n *Node) DeletePost(ctx context.Context, m *content.Member, p *content.Post) error {
	if p.AuthorID != m.ID {
		return content.Errorf(content.KindForbidden, "", "post.not_yours", "only its author can delete this post")
	}
	if p.State == content.PostDeleted {
		return nil
	}
	wasPublished := p.State == content.PostPublished
	p.State, p.Updated = content.PostDeleted, n.now().Truncate(time.Second)
	if !wasPublished {
		return n.db.SavePost(ctx, storage.PostChange{Post: p})
	}
	actor := n.iris.Actor(m.Username)
	var mentions []mention
	if o, err := n.db.ObjectByIRI(ctx, p.IRI); err == nil {
		mentions = n.storedMentions(ctx, o)
	}
	targets, err := n.postTargets(ctx, actor, mentions)
	if err != nil {
		return err
	}
	doc := map[string]any{
		"@context": ASContext, "id": n.iris.Activity(newID()), "type": "Delete", "actor": actor,
		"to": []string{Public}, "cc": []string{n.iris.Followers(actor)},
		"object": map[string]any{"id": p.IRI, "type": "Tombstone"},
	}
	body, err := marshalAS(doc)
	if err != nil {
		return err
	}
	err = n.db.SavePost(ctx, storage.PostChange{
		Post: p, Obj: &content.Object{IRI: p.IRI, AttributedTo: actor}, Signer: actor, Targets: targets,
		Activity: &content.Activity{IRI: doc["id"].(string), Actor: actor, Type: "Delete", ObjectIRI: p.IRI, Public: true, Body: body},
	})
	if err != nil {
		return fmt.Errorf("delete post %s: %w", p.IRI, err)
	}
	n.wakeDelivery()
	return nil
}

// storedMentions are the remote actors a stored object mentioned, with
// their inboxes, so that its Delete reaches them too.
func (n *Node) storedMentions(ctx context.Context, o *content.Object) []mention {
	iris, err := n.db.ObjectMentions(ctx, o.IRI)
	if err != nil {
		n.log.Warn("read mentions", "object", o.IRI, slog.Any("err", err))
		return nil
	}
	var out []mention
	for _, iri := range iris {
		if a, err := n.db.RemoteActor(ctx, iri); err == nil {
			out = append(out, mention{IRI: a.IRI, Inbox: a.DeliveryInbox(), Host: hostOf(a.DeliveryInbox())})
		}
	}
	return out
}
