package web

import (
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/google/go-cmp/cmp"

	"kring/content"
	"kring/storage/storagetest"
)

// BenchmarkHomePage measures a whole anonymous request for the home page:
// middleware, node cache, member list from SQLite and template.
func BenchmarkHomePage(b *testing.B) {
	db := storagetest.Open(b)
	for _, name := range []string{"alice", "bob", "carol", "dave", "erik"} {
		storagetest.Member(b, db, name, content.RoleMember, testPassword)
	}
	s, err := New(db, Config{Host: "kring.test", Dev: true, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	csrf := &http.Cookie{Name: "kring_csrf", Value: content.NewToken()}
	b.ReportAllocs()
	for b.Loop() {
		req := httptest.NewRequest(http.MethodGet, "/", nil)
		req.AddCookie(csrf)
		rec := httptest.NewRecorder()
		s.ServeHTTP(rec, req)
		if rec.Code != http.StatusOK {
			b.Fatalf("status %d", rec.Code)
		}
	}
}

func TestLines(t *testing.T) {
	tests := []struct {
		in   string
		want []string
	}{
		{"one", []string{"one"}},
		{"a\nb", []string{"a", "b"}},
		{"a\r\nb\rc", []string{"a", "b", "c"}},
		{"a\n\nb\n", []string{"a", "", "b"}},
	}
	for _, tt := range tests {
		if diff := cmp.Diff(tt.want, lines(tt.in)); diff != "" {
			t.Errorf("lines(%q) (-want +got):\n%s", tt.in, diff)
		}
	}
}
