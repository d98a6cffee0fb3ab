package federation

import (
	"context"
	"encoding/xml"
	"mime"
	"net/http"
	"net/url"
	"testing"

	"kring/content"
	"kring/storage/storagetest"
)

func TestWebFinger(t *testing.T) {
	e := newDiscoveryEnv(t)
	storagetest.Member(t, e.db, "alice", content.RoleMember, "password one two")
	storagetest.Member(t, e.db, "bob", content.RoleMember, "password one two")
	if err := e.db.SetMemberSuspended(context.Background(), "bob", true); err != nil {
		t.Fatal(err)
	}
	finger := func(resource string) string {
		return "/.well-known/webfinger?resource=" + url.QueryEscape(resource)
	}

	found := []struct {
		name, resource, subject, self, profile string
	}{
		{"acct", "acct:alice@kring.test", "acct:alice@kring.test", "https://kring.test/users/alice", "https://kring.test/@alice"},
		{"acct in upper case", "acct:Alice@KRING.test", "acct:alice@kring.test", "https://kring.test/users/alice", "https://kring.test/@alice"},
		{"handle without acct:", "@alice@kring.test", "acct:alice@kring.test", "https://kring.test/users/alice", "https://kring.test/@alice"},
		{"actor URL", "https://kring.test/users/alice", "acct:alice@kring.test", "https://kring.test/users/alice", "https://kring.test/@alice"},
		{"profile URL", "https://kring.test/@alice", "acct:alice@kring.test", "https://kring.test/users/alice", "https://kring.test/@alice"},
		{"instance actor", "acct:kring.test@kring.test", "acct:kring.test@kring.test", "https://kring.test/actor", "https://kring.test/"},
		{"instance actor URL", "https://kring.test/actor", "acct:kring.test@kring.test", "https://kring.test/actor", "https://kring.test/"},
	}
	for _, tc := range found {
		t.Run(tc.name, func(t *testing.T) {
			resp, doc := e.getJSON(finger(tc.resource), "", http.StatusOK)
			if mt, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type")); mt != "application/jrd+json" {
				t.Errorf("content type %q, want application/jrd+json", resp.Header.Get("Content-Type"))
			}
			if got := resp.Header.Get("Access-Control-Allow-Origin"); got != "*" {
				t.Errorf("Access-Control-Allow-Origin = %q, want *", got)
			}
			if doc["subject"] != tc.subject {
				t.Errorf("subject = %v, want %s", doc["subject"], tc.subject)
			}
			aliases, _ := doc["aliases"].([]any)
			if len(aliases) == 0 || aliases[0] != tc.self {
				t.Errorf("aliases = %v, want the actor id first", aliases)
			}
			links, _ := doc["links"].([]any)
			if len(links) < 2 {
				t.Fatalf("links = %v", doc["links"])
			}
			self, _ := links[0].(map[string]any)
			if self["rel"] != "self" || self["type"] != "application/activity+json" || self["href"] != tc.self {
				t.Errorf("first link = %v, want self %s", self, tc.self)
			}
			page, _ := links[1].(map[string]any)
			if page["rel"] != "http://webfinger.net/rel/profile-page" || page["type"] != "text/html" || page["href"] != tc.profile {
				t.Errorf("second link = %v, want profile page %s", page, tc.profile)
			}
		})
	}
	t.Run("self link is the actor id", func(t *testing.T) {
		_, doc := e.getJSON(finger("acct:alice@kring.test"), "", http.StatusOK)
		href := doc["links"].([]any)[0].(map[string]any)["href"].(string)
		_, actor := e.getJSON(href, "application/activity+json", http.StatusOK)
		if actor["id"] != href {
			t.Errorf("actor id %v, webfinger self %s", actor["id"], href)
		}
	})

	t.Run("rel filter", func(t *testing.T) {
		_, doc := e.getJSON(finger("acct:alice@kring.test")+"&rel=self", "", http.StatusOK)
		links, _ := doc["links"].([]any)
		if len(links) != 1 || links[0].(map[string]any)["rel"] != "self" {
			t.Errorf("links = %v, want only self", doc["links"])
		}
	})

	refused := []struct {
		name, path string
		status     int
	}{
		{"no resource", "/.well-known/webfinger", http.StatusBadRequest},
		{"empty resource", finger(""), http.StatusBadRequest},
		{"acct without host", finger("acct:alice"), http.StatusBadRequest},
		{"acct without user", finger("acct:@kring.test"), http.StatusBadRequest},
		{"unknown account", finger("acct:nobody@kring.test"), http.StatusNotFound},
		{"suspended account", finger("acct:bob@kring.test"), http.StatusNotFound},
		{"other host", finger("acct:alice@elsewhere.test"), http.StatusNotFound},
		{"URL on another host", finger("https://elsewhere.test/users/alice"), http.StatusNotFound},
		{"unknown URL path", finger("https://kring.test/about"), http.StatusNotFound},
		{"other scheme", finger("mailto:alice"), http.StatusNotFound},
	}
	for _, tc := range refused {
		t.Run(tc.name, func(t *testing.T) {
			resp, body := e.getJSON(tc.path, "", tc.status)
			if msg, _ := body["error"].(string); msg == "" {
				t.Errorf("body %v has no error", body)
			}
			if got := resp.Header.Get("Access-Control-Allow-Origin"); got != "*" {
				t.Errorf("Access-Control-Allow-Origin = %q, want *", got)
			}
		})
	}
}

func TestHostMeta(t *testing.T) {
	e := newDiscoveryEnv(t)
	const template = "https://kring.test/.well-known/webfinger?resource={uri}"
	t.Run("xml", func(t *testing.T) {
		resp, body := e.get("/.well-known/host-meta", "")
		if mt, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type")); resp.StatusCode != http.StatusOK || mt != "application/xrd+xml" {
			t.Fatalf("status %d, content type %q", resp.StatusCode, resp.Header.Get("Content-Type"))
		}
		var doc struct {
			XMLName xml.Name
			Links   []struct {
				Rel      string `xml:"rel,attr"`
				Template string `xml:"template,attr"`
			} `xml:"Link"`
		}
		if err := xml.Unmarshal(body, &doc); err != nil {
			t.Fatalf("parse %s: %v", body, err)
		}
		if doc.XMLName.Space != "http://docs.oasis-open.org/ns/xri/xrd-1.0" || doc.XMLName.Local != "XRD" {
			t.Errorf("root %v, want the XRD namespace", doc.XMLName)
		}
		if len(doc.Links) != 1 || doc.Links[0].Rel != "lrdd" || doc.Links[0].Template != template {
			t.Errorf("links = %+v\n%s", doc.Links, body)
		}
	})
	t.Run("json", func(t *testing.T) {
		resp, doc := e.getJSON("/.well-known/host-meta.json", "", http.StatusOK)
		if mt, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type")); mt != "application/jrd+json" {
			t.Errorf("content type %q", resp.Header.Get("Content-Type"))
		}
		links, _ := doc["links"].([]any)
		if len(links) != 1 || links[0].(map[string]any)["template"] != template || links[0].(map[string]any)["rel"] != "lrdd" {
			t.Errorf("links = %v", doc["links"])
		}
	})
}
