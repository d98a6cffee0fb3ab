package federation

import (
	"context"
	"net/http"
	"testing"

	"kring/content"
	"kring/storage/storagetest"
)

func TestNodeInfo(t *testing.T) {
	e := newDiscoveryEnv(t)
	ctx := context.Background()

	resp, links := e.getJSON("/.well-known/nodeinfo", "", http.StatusOK)
	if got := resp.Header.Get("Access-Control-Allow-Origin"); got != "*" {
		t.Errorf("Access-Control-Allow-Origin = %q, want *", got)
	}
	hrefs := map[string]string{}
	for _, l := range links["links"].([]any) {
		l := l.(map[string]any)
		hrefs[l["rel"].(string)] = l["href"].(string)
	}
	for _, v := range []string{"2.0", "2.1"} {
		rel := "http://nodeinfo.diaspora.software/ns/schema/" + v
		if want := "https://kring.test/nodeinfo/" + v; hrefs[rel] != want {
			t.Errorf("link %s = %q, want %s", rel, hrefs[rel], want)
		}
	}

	// users fetches a NodeInfo document, checks its schema fields and
	// returns usage.users.
	users := func(t *testing.T, version string) map[string]any {
		t.Helper()
		resp, doc := e.getJSON(hrefs["http://nodeinfo.diaspora.software/ns/schema/"+version], "", http.StatusOK)
		wantType := `application/json; profile="http://nodeinfo.diaspora.software/ns/schema/` + version + `#"`
		if got := resp.Header.Get("Content-Type"); got != wantType {
			t.Errorf("content type %q, want %q", got, wantType)
		}
		if doc["version"] != version {
			t.Errorf("version = %v, want %s", doc["version"], version)
		}
		sw := doc["software"].(map[string]any)
		if sw["name"] != "kring" || sw["version"] != testVersion {
			t.Errorf("software = %v", sw)
		}
		if _, ok := sw["repository"]; ok && version == "2.0" {
			t.Errorf("2.0 software has repository, which its schema forbids: %v", sw)
		}
		if p, _ := doc["protocols"].([]any); len(p) != 1 || p[0] != "activitypub" {
			t.Errorf("protocols = %v", doc["protocols"])
		}
		services := doc["services"].(map[string]any)
		for _, k := range []string{"inbound", "outbound"} {
			if list, ok := services[k].([]any); !ok || len(list) != 0 {
				t.Errorf("services.%s = %#v, want []", k, services[k])
			}
		}
		if doc["openRegistrations"] != false {
			t.Errorf("openRegistrations = %v", doc["openRegistrations"])
		}
		meta := doc["metadata"].(map[string]any)
		if meta["nodeName"] != "Kring test" {
			t.Errorf("metadata = %v", meta)
		}
		if _, ok := meta["nodeDescription"].(string); !ok {
			t.Errorf("metadata.nodeDescription = %#v, want a string", meta["nodeDescription"])
		}
		usage := doc["usage"].(map[string]any)
		if intField(t, usage, "localPosts") != 0 {
			t.Errorf("localPosts = %v", usage["localPosts"])
		}
		return usage["users"].(map[string]any)
	}
	wantUsers := func(t *testing.T, want int64) {
		t.Helper()
		for _, v := range []string{"2.0", "2.1"} {
			u := users(t, v)
			for _, k := range []string{"total", "activeHalfyear", "activeMonth"} {
				if got := intField(t, u, k); got != want {
					t.Errorf("%s usage.users.%s = %d, want %d", v, k, got, want)
				}
			}
		}
	}

	t.Run("no members", func(t *testing.T) { wantUsers(t, 0) })
	storagetest.Member(t, e.db, "alice", content.RoleMember, "password one two")
	storagetest.Member(t, e.db, "bob", content.RoleMember, "password one two")
	t.Run("two members", func(t *testing.T) { wantUsers(t, 2) })
	if err := e.db.SetMemberSuspended(ctx, "bob", true); err != nil {
		t.Fatal(err)
	}
	t.Run("a suspended member is not counted", func(t *testing.T) { wantUsers(t, 1) })
	if err := e.db.UpdateNode(ctx, "Buurtkring", "Onze buurt", content.LanguageDutch); err != nil {
		t.Fatal(err)
	}
	t.Run("name and description follow the settings", func(t *testing.T) {
		_, doc := e.getJSON("/nodeinfo/2.1", "", http.StatusOK)
		meta := doc["metadata"].(map[string]any)
		if meta["nodeName"] != "Buurtkring" || meta["nodeDescription"] != "Onze buurt" {
			t.Errorf("metadata = %v", meta)
		}
	})
}
