package federation_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"

	"kring/federation/fedtest"
)

func getJSON(t *testing.T, u, accept string, into any) int {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, u, nil)
	req.Header.Set("Accept", accept)
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if into != nil && resp.StatusCode == http.StatusOK {
		if err := json.NewDecoder(resp.Body).Decode(into); err != nil {
			t.Fatalf("decode %s: %v", u, err)
		}
	}
	if resp.StatusCode == http.StatusFound {
		if m, ok := into.(*string); ok {
			*m = resp.Header.Get("Location")
		}
	}
	return resp.StatusCode
}

// TestSpeakersGroupActor: speakers@host is a Group found by WebFinger in
// both forms, with its inbox, empty outbox, followers and a key made once
// even when the first readers come at the same time; browsers go to the
// speakers page.
func TestSpeakersGroupActor(t *testing.T) {
	a := fedtest.NewNode(t, fedtest.NodeOptions{})
	group := a.IRIs().SpeakersGroup()
	base := a.IRIs().Base()
	for _, resource := range []string{"acct:speakers@" + a.Host, group} {
		var j struct {
			Subject string
			Links   []struct{ Rel, Type, Href string }
		}
		if code := getJSON(t, base+"/.well-known/webfinger?resource="+url.QueryEscape(resource), "application/jrd+json", &j); code != http.StatusOK {
			t.Fatalf("webfinger %s: %d", resource, code)
		}
		if j.Subject != "acct:speakers@"+a.Host || len(j.Links) == 0 || j.Links[0].Rel != "self" || j.Links[0].Href != group {
			t.Errorf("webfinger %s: %+v", resource, j)
		}
	}

	type actor struct {
		ID, Type, PreferredUsername, Name, Summary, Inbox, Outbox, Followers, URL string
		PublicKey                                                                 struct{ ID, Owner, PublicKeyPem string }
		Endpoints                                                                 struct{ SharedInbox string }
	}
	docs := make([]actor, 4)
	var wg sync.WaitGroup
	for i := range docs {
		wg.Go(func() {
			if code := getJSON(t, group, "application/activity+json", &docs[i]); code != http.StatusOK {
				t.Errorf("GET group: %d", code)
			}
		})
	}
	wg.Wait()
	d := docs[0]
	for _, other := range docs[1:] {
		if other.PublicKey.PublicKeyPem != d.PublicKey.PublicKeyPem {
			t.Fatal("concurrent first reads of the group served different keys")
		}
	}
	node, err := a.DB.Node(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if node.SpeakersPublicKeyPEM != d.PublicKey.PublicKeyPem || !strings.Contains(node.SpeakersPrivateKeyPEM, "PRIVATE KEY") {
		t.Error("the served key is not the stored one")
	}
	if d.ID != group || d.Type != "Group" || d.PreferredUsername != "speakers" || d.Inbox != group+"/inbox" ||
		d.Outbox != group+"/outbox" || d.Followers != group+"/followers" || d.URL != base+"/speakers" ||
		d.PublicKey.Owner != group || d.PublicKey.ID != group+"#main-key" || d.Endpoints.SharedInbox != base+"/inbox" ||
		!strings.HasSuffix(d.Name, node.Name) || !strings.Contains(d.Summary, "direct") {
		t.Errorf("group document: %+v", d)
	}
	for _, c := range []string{d.Outbox, d.Followers} {
		var coll struct {
			Type       string
			TotalItems int
		}
		if code := getJSON(t, c, "application/activity+json", &coll); code != http.StatusOK || coll.Type != "OrderedCollection" || coll.TotalItems != 0 {
			t.Errorf("%s: %d %+v", c, code, coll)
		}
	}
	var location string
	if code := getJSON(t, group, "text/html", &location); code != http.StatusFound || location != base+"/speakers" {
		t.Errorf("a browser at the group: %d to %q, want 302 to the speakers page", code, location)
	}
	if code := getJSON(t, base+"/speakers/messages/nothing", "application/activity+json", nil); code != http.StatusNotFound {
		t.Errorf("an unknown message: %d, want 404", code)
	}
}
