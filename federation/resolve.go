package federation

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"kring/content"
)

// actorTTL is how long a stored remote actor is used before refetching.
const actorTTL = 24 * time.Hour

// scheme is how this node reaches other servers: https, except in
// development where test nodes on loopback speak plain http.
func (n *Node) scheme() string {
	if n.cfg.Dev {
		return "http"
	}
	return "https"
}

// Resolve turns a handle (user@host, @user@host, acct:user@host) or an
// actor URL into an actor id, through WebFinger for handles.
func (n *Node) Resolve(ctx context.Context, target string) (string, error) {
	target = strings.TrimSpace(target)
	if strings.HasPrefix(target, "https://") || strings.HasPrefix(target, "http://") {
		return target, nil
	}
	handle := strings.TrimPrefix(strings.TrimPrefix(target, "acct:"), "@")
	user, host, ok := strings.Cut(handle, "@")
	if !ok || user == "" || !isHost(host) {
		return "", content.Errorf(content.KindInvalid, "target", "handle.invalid", "%q is neither a handle like user@host nor an actor URL", target)
	}
	wf := fmt.Sprintf("%s://%s/.well-known/webfinger?resource=%s", n.scheme(), host, url.QueryEscape("acct:"+user+"@"+host))
	body, err := n.client.GetJSON(ctx, wf, "application/jrd+json, application/json")
	if err != nil {
		return "", fmt.Errorf("webfinger %s: %w", handle, err)
	}
	href, err := jrdSelfLink(body)
	if err != nil {
		return "", fmt.Errorf("webfinger %s: %w", handle, err)
	}
	return href, nil
}

// isHost reports whether s is a host with an optional port and nothing
// else: "0@:" named the host ":", and WebFinger went to "https:///";
// "0@0:" asked for acct:0@0: at 0 (both found by FuzzResolveHandle).
func isHost(s string) bool {
	if s == "" || strings.ContainsAny(s, "/?#@\\") || strings.HasSuffix(s, ":") { // "0:": an empty port
		return false
	}
	u, err := url.Parse("https://" + s)
	return err == nil && u.Host == s && u.Hostname() != ""
}

// jrdSelfLink reads a WebFinger answer (a JRD) and returns the actor id
// it points to: Mastodon takes the first self link of an ActivityStreams
// type. The id must be an http(s) URL with a host: it is fetched, stored
// and followed, and a javascript: or relative href is nothing to fetch.
func jrdSelfLink(body []byte) (string, error) {
	var jrd struct {
		Links []struct {
			Rel  string `json:"rel"`
			Type string `json:"type"`
			Href string `json:"href"`
		} `json:"links"`
	}
	if err := json.Unmarshal(body, &jrd); err != nil {
		return "", fmt.Errorf("read the JRD: %w", err)
	}
	for _, l := range jrd.Links {
		if l.Rel == "self" && (strings.HasPrefix(l.Type, "application/activity+json") || strings.HasPrefix(l.Type, "application/ld+json")) && l.Href != "" {
			if u, err := url.Parse(l.Href); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
				return "", fmt.Errorf("the ActivityPub self link %q is not an http(s) URL", l.Href)
			}
			return l.Href, nil
		}
	}
	return "", errors.New("no ActivityPub self link")
}

// remoteActor returns a remote actor, from storage while fresh, else
// fetched with a signed GET and stored.
func (n *Node) remoteActor(ctx context.Context, iri string, refresh bool) (*content.RemoteActor, error) {
	return n.getActor(ctx, iri, refresh, false)
}

// lookupActor fetches an actor by a URL a person gave, which may be a
// profile page rather than the id.
func (n *Node) lookupActor(ctx context.Context, url string) (*content.RemoteActor, error) {
	return n.getActor(ctx, url, true, true)
}

func (n *Node) getActor(ctx context.Context, iri string, refresh, lookup bool) (*content.RemoteActor, error) {
	if !refresh {
		if a, err := n.db.RemoteActor(ctx, iri); err == nil && n.now().Sub(a.FetchedAt) < actorTTL {
			return a, nil
		}
	}
	signer, err := n.instanceSigner(ctx)
	if err != nil {
		return nil, err
	}
	raw, a, err := n.fetchActor(ctx, iri, signer)
	if err != nil {
		return nil, err
	}
	if a.ID != iri && lookup {
		// A profile URL (https://host/@bob) can serve the actor whose id
		// is elsewhere (/users/bob): fetch it again from its id, which
		// must then match.
		iri = a.ID
		if raw, a, err = n.fetchActor(ctx, iri, signer); err != nil {
			return nil, err
		}
	}
	if a.ID != iri {
		return nil, fmt.Errorf("actor %s: document has id %s; ids must match the URL they are fetched from", iri, a.ID)
	}
	ca := a.content(raw)
	ca.FetchedAt = n.now()
	if err := n.db.PutRemoteActor(ctx, ca); err != nil {
		return nil, err
	}
	return ca, nil
}

func (n *Node) fetchActor(ctx context.Context, iri string, signer Signer) ([]byte, *RemoteActor, error) {
	raw, err := n.client.GetActivity(ctx, iri, signer)
	if err != nil {
		return nil, nil, err
	}
	a, err := ParseActor(raw)
	if err != nil {
		return nil, nil, fmt.Errorf("actor %s: %w", iri, err)
	}
	return raw, a, nil
}
