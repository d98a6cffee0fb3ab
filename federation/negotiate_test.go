package federation

import (
	"net/http/httptest"
	"testing"
)

func TestWantsActivityJSON(t *testing.T) {
	tests := []struct {
		name   string
		accept []string
		want   bool
	}{
		{"activity+json", []string{"application/activity+json"}, true},
		{"activity+json with charset", []string{"application/activity+json; charset=utf-8"}, true},
		{"ld+json with the AS profile", []string{`application/ld+json; profile="https://www.w3.org/ns/activitystreams"`}, true},
		{"ld+json with an unquoted profile", []string{`application/ld+json; profile=https://www.w3.org/ns/activitystreams`}, true},
		{"Mastodon's fetch", []string{`application/activity+json, application/ld+json; profile="https://www.w3.org/ns/activitystreams", text/html;q=0.1`}, true},
		{"upper case", []string{"Application/Activity+JSON"}, true},
		{"split over two headers", []string{"text/plain", "application/activity+json"}, true},
		{"browser", []string{"text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}, false},
		{"browser ranking AS lower", []string{"text/html, application/activity+json;q=0.5"}, false},
		{"AS ranked over html", []string{"text/html;q=0.5, application/activity+json"}, true},
		{"tie goes to AS", []string{"application/activity+json, text/html"}, true},
		{"q=0 refuses", []string{"application/activity+json;q=0"}, false},
		{"wildcard", []string{"*/*"}, false},
		{"plain json", []string{"application/json"}, false},
		{"no Accept", nil, false},
		{"garbage", []string{";;;,"}, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := httptest.NewRequest("GET", "/users/alice", nil)
			for _, v := range tc.accept {
				r.Header.Add("Accept", v)
			}
			if got := WantsActivityJSON(r); got != tc.want {
				t.Errorf("WantsActivityJSON(%q) = %v, want %v", tc.accept, got, tc.want)
			}
		})
	}
}
