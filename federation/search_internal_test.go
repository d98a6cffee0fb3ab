package federation

import (
	"testing"
	"time"

	"kring/content"
	"kring/storage/storagetest"
)

// TestSearchLookupKeepsNonPublicHidden: a followers-only post received
// for one member is stored here, but pasting its link into search shows it
// to nobody; only what its server serves publicly comes back.
func TestSearchLookupKeepsNonPublicHidden(t *testing.T) {
	db := storagetest.Open(t)
	n, err := New(db, Config{Host: "kring.test"})
	if err != nil {
		t.Fatal(err)
	}
	nn := &noNetwork{}
	n.client.hc.Transport = nn
	ctx := t.Context()
	for _, o := range []*content.Object{
		{IRI: "https://remote.example/notes/private", Type: "Note", AttributedTo: "https://remote.example/users/carol",
			Content: "<p>Alleen voor volgers</p>", Public: false, Published: time.Now()},
		{IRI: "https://remote.example/notes/open", Type: "Note", AttributedTo: "https://remote.example/users/carol",
			Content: "<p>Voor iedereen</p>", Public: true, Published: time.Now()},
	} {
		if _, err := db.PutObject(ctx, o); err != nil {
			t.Fatal(err)
		}
	}
	found, err := n.SearchLookup(ctx, "https://remote.example/notes/private")
	if err == nil && found != nil && found.Object != nil {
		t.Errorf("a stored followers-only post was shown to whoever pasted its link: %+v", found.Object)
	}
	if nn.last == nil || nn.last.String() != "https://remote.example/notes/private" {
		t.Errorf("the lookup did not ask the post's server (last request %v)", nn.last)
	}
	found, err = n.SearchLookup(ctx, "https://remote.example/notes/open")
	if err != nil || found == nil || found.Object == nil || found.Object.IRI != "https://remote.example/notes/open" {
		t.Errorf("a stored public post: found %+v, %v; want it without asking its server", found, err)
	}
}
