package federation

import (
	"context"
	"encoding/xml"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"kring/content"
)

// WebFinger link relations and the media type of an actor link.
const (
	relSelf        = "self"
	relProfilePage = "http://webfinger.net/rel/profile-page"
	relLRDD        = "lrdd"
	activityType   = "application/activity+json"
)

// discoveryRoutes serves what a peer reads before it knows any actor:
// WebFinger, host-meta and NodeInfo. None of them ever asks for a
// signature.
func (n *Node) discoveryRoutes() []Route {
	return []Route{
		{Pattern: "GET /.well-known/webfinger", Handler: n.handler(n.serveWebFinger)},
		{Pattern: "GET /.well-known/host-meta", Handler: n.handler(n.serveHostMeta)},
		{Pattern: "GET /.well-known/host-meta.json", Handler: n.handler(n.serveHostMetaJSON)},
		{Pattern: "GET /.well-known/nodeinfo", Handler: n.handler(n.serveNodeInfoLinks)},
		{Pattern: "GET /nodeinfo/2.0", Handler: n.handler(n.serveNodeInfo("2.0"))},
		{Pattern: "GET /nodeinfo/2.1", Handler: n.handler(n.serveNodeInfo("2.1"))},
	}
}

// jrd is a JSON Resource Descriptor (RFC 7033 §4.4).
type jrd struct {
	Subject string    `json:"subject,omitempty"`
	Aliases []string  `json:"aliases,omitempty"`
	Links   []jrdLink `json:"links"`
}

type jrdLink struct {
	Rel      string `json:"rel"`
	Type     string `json:"type,omitempty"`
	Href     string `json:"href,omitempty"`
	Template string `json:"template,omitempty"`
}

// allowAnyOrigin lets browser-based clients read discovery documents, as
// RFC 7033 §5 asks of WebFinger.
func allowAnyOrigin(w http.ResponseWriter) {
	w.Header().Set("Access-Control-Allow-Origin", "*")
}

// serveWebFinger answers ?resource= for acct: handles and actor URLs of
// members and of the instance actor.
func (n *Node) serveWebFinger(w http.ResponseWriter, r *http.Request) error {
	allowAnyOrigin(w)
	resource := r.URL.Query().Get("resource")
	if resource == "" {
		return errStatus(http.StatusBadRequest, "the resource parameter is missing")
	}
	username, err := n.resourceUsername(resource)
	if err != nil {
		return err
	}
	doc, err := n.webFingerFor(r.Context(), username)
	if err != nil {
		return err
	}
	if rels := r.URL.Query()["rel"]; len(rels) > 0 { // RFC 7033 §4.3: only the links asked for
		doc.Links = slices.DeleteFunc(doc.Links, func(l jrdLink) bool { return !slices.Contains(rels, l.Rel) })
	}
	return writeJRD(w, http.StatusOK, doc)
}

// resourceUsername finds the local username a WebFinger resource names:
// acct:user@host (also without "acct:", and with a leading "@" as some
// clients send), or an actor or profile URL. A malformed resource is a
// 400; a well-formed one that is not ours is a 404 (RFC 7033 §4.2).
func (n *Node) resourceUsername(resource string) (string, error) {
	notOurs := errStatus(http.StatusNotFound, "no such resource %q", resource)
	handle := resource
	if scheme, rest, ok := strings.Cut(resource, ":"); ok {
		switch strings.ToLower(scheme) {
		case "acct":
			handle = rest
		case "http", "https":
			return n.urlUsername(resource)
		default:
			if !strings.Contains(resource, "@") { // else a bare user@host:port
				return "", notOurs
			}
		}
	}
	handle = strings.TrimPrefix(handle, "@")
	i := strings.LastIndex(handle, "@")
	if i <= 0 || i == len(handle)-1 {
		return "", errStatus(http.StatusBadRequest, "resource %q is not of the form acct:user@host", resource)
	}
	if !strings.EqualFold(handle[i+1:], n.iris.Host()) {
		return "", notOurs
	}
	return strings.ToLower(handle[:i]), nil
}

// urlUsername finds the username of a local actor or profile URL.
func (n *Node) urlUsername(resource string) (string, error) {
	u, err := url.Parse(resource)
	if err != nil || u.Host == "" {
		return "", errStatus(http.StatusBadRequest, "resource %q is not a valid URL", resource)
	}
	notOurs := errStatus(http.StatusNotFound, "no such resource %q", resource)
	if !strings.EqualFold(u.Host, n.iris.Host()) {
		return "", notOurs
	}
	path := strings.TrimSuffix(u.Path, "/")
	if path == "/actor" {
		return n.iris.InstanceUsername(), nil
	}
	if path == "/organisation" {
		if node, err := n.organisation(context.Background()); err == nil {
			return node.OrgUsername, nil
		}
	}
	if path == speakersGroupPath {
		return SpeakersUsername, nil
	}
	for _, prefix := range []string{"/users/", "/@", "/groups/"} {
		if name, ok := strings.CutPrefix(path, prefix); ok && name != "" && !strings.Contains(name, "/") {
			return strings.ToLower(name), nil
		}
	}
	return "", notOurs
}

// webFingerFor builds the descriptor of a local actor. The self link comes
// first: Mastodon takes the first one.
func (n *Node) webFingerFor(ctx context.Context, username string) (*jrd, error) {
	if username == n.iris.InstanceUsername() {
		actor := n.iris.InstanceActor()
		return &jrd{
			Subject: "acct:" + username + "@" + n.iris.Host(),
			Aliases: []string{actor},
			Links: []jrdLink{
				{Rel: relSelf, Type: activityType, Href: actor},
				{Rel: relProfilePage, Type: "text/html", Href: n.iris.Base() + "/"},
			},
		}, nil
	}
	if j, ok := n.speakersWebFinger(username); ok {
		return j, nil
	}
	if n.isOrgHandle(ctx, username) {
		org := n.iris.Organisation()
		return &jrd{
			Subject: "acct:" + username + "@" + n.iris.Host(),
			Aliases: []string{org},
			Links: []jrdLink{
				{Rel: relSelf, Type: activityType, Href: org},
				{Rel: relProfilePage, Type: "text/html", Href: n.iris.Base() + "/"},
			},
		}, nil
	}
	m, err := n.db.MemberByUsername(ctx, username)
	if content.KindOf(err) == content.KindNotFound {
		if f, ferr := n.db.ForumByName(ctx, username); ferr == nil {
			group := n.iris.Group(f.Name)
			return &jrd{
				Subject: "acct:" + f.Name + "@" + n.iris.Host(),
				Aliases: []string{group},
				Links: []jrdLink{
					{Rel: relSelf, Type: activityType, Href: group},
					{Rel: relProfilePage, Type: "text/html", Href: group},
				},
			}, nil
		}
	}
	if err != nil {
		return nil, fmt.Errorf("webfinger %s: %w", username, err)
	}
	if m.Suspended {
		return nil, errStatus(http.StatusNotFound, "no such resource %q", "acct:"+username+"@"+n.iris.Host())
	}
	actor, profile := n.iris.Actor(m.Username), n.iris.Profile(m.Username)
	return &jrd{
		Subject: "acct:" + m.Username + "@" + n.iris.Host(),
		Aliases: []string{actor, profile},
		Links: []jrdLink{
			{Rel: relSelf, Type: activityType, Href: actor},
			{Rel: relProfilePage, Type: "text/html", Href: profile},
		},
	}, nil
}

// lrddTemplate is where host-meta points WebFinger clients that start
// there (older Friendica, some libraries).
func (n *Node) lrddTemplate() string {
	return n.iris.Base() + "/.well-known/webfinger?resource={uri}"
}

// xrd is host-meta's XML form (RFC 6415).
type xrd struct {
	XMLName xml.Name `xml:"http://docs.oasis-open.org/ns/xri/xrd-1.0 XRD"`
	Links   []xrdLink
}

type xrdLink struct {
	XMLName  xml.Name `xml:"Link"`
	Rel      string   `xml:"rel,attr"`
	Type     string   `xml:"type,attr,omitempty"`
	Template string   `xml:"template,attr"`
}

func (n *Node) serveHostMeta(w http.ResponseWriter, r *http.Request) error {
	allowAnyOrigin(w)
	body, err := xml.MarshalIndent(xrd{Links: []xrdLink{
		{Rel: relLRDD, Type: "application/jrd+json", Template: n.lrddTemplate()},
	}}, "", "  ")
	if err != nil {
		return fmt.Errorf("encode host-meta: %w", err)
	}
	w.Header().Set("Content-Type", "application/xrd+xml; charset=utf-8")
	_, _ = w.Write(append([]byte(xml.Header), append(body, '\n')...))
	return nil
}

func (n *Node) serveHostMetaJSON(w http.ResponseWriter, r *http.Request) error {
	allowAnyOrigin(w)
	return writeJRD(w, http.StatusOK, jrd{Links: []jrdLink{
		{Rel: relLRDD, Type: "application/jrd+json", Template: n.lrddTemplate()},
	}})
}
