package storage_test

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"testing"
	"time"

	"kring/content"
	"kring/storage"
	"kring/storage/storagetest"
)

// BenchmarkInboxStoreSearchIndexed measures what the inbox's storage side
// does with a burst of received notes (PutInboxBatch, then
// FinishInboxBatch storing each object), in batches of 64 as the group
// commit makes them: with the search triggers of migration 0013 queueing
// each object ("queued"); the same with the queue brought into the index
// after every batch, the most often a busy node would ("synced"); and,
// for comparison, without the triggers ("untriggered"). The objects are
// Mastodon-sized: a paragraph of HTML with a link and a mention, raw JSON
// addressed to Public.
func BenchmarkInboxStoreSearchIndexed(b *testing.B) {
	b.Run("queued", func(b *testing.B) { benchInboxStore(b, false, false) })
	b.Run("synced", func(b *testing.B) { benchInboxStore(b, false, true) })
	b.Run("untriggered", func(b *testing.B) { benchInboxStore(b, true, false) })
}

func benchInboxStore(b *testing.B, dropTriggers, sync bool) {
	ctx := context.Background()
	db := storagetest.Open(b)
	if dropTriggers {
		raw, err := sql.Open("sqlite", db.Path())
		if err != nil {
			b.Fatal(err)
		}
		for _, tr := range []string{"objects_search_insert", "objects_search_update", "objects_search_delete"} {
			if _, err := raw.Exec("DROP TRIGGER " + tr); err != nil {
				b.Fatal(err)
			}
		}
		raw.Close()
	}
	const batch = 64
	text := `<p>Vandaag in de stad: de coöperatie opent een nieuw café aan de gracht. Iedereen is welkom om te komen kijken, ` +
		`er is koffie en taart. <a href="https://b.test/tags/stad" class="mention hashtag" rel="tag">#<span>stad</span></a> ` +
		`<span class="h-card"><a href="https://kring.test/@alice" class="u-url mention">@<span>alice</span></a></span></p>`
	b.ReportAllocs()
	b.ResetTimer()
	start := time.Now()
	n := 0
	for i := 0; b.Loop(); i++ {
		items := make([]*content.InboxItem, batch)
		results := make([]storage.InboxResult, batch)
		for j := range items {
			k := i*batch + j
			iri := fmt.Sprintf("https://b.test/users/u%d/statuses/%d", k%16, k)
			raw := `{"id":"` + iri + `","type":"Note","to":["https://www.w3.org/ns/activitystreams#Public"],"cc":["https://b.test/users/u/followers"],"content":"` +
				strings.ReplaceAll(text, `"`, `\"`) + `"}`
			items[j] = &content.InboxItem{ActivityIRI: iri + "/activity", Actor: fmt.Sprintf("https://b.test/users/u%d", k%16), Type: "Create",
				Body: []byte(raw)}
			obj := &content.Object{IRI: iri, Type: "Note", AttributedTo: items[j].Actor, Content: text, Public: true,
				Published: time.Now(), Raw: raw, AuthorName: "U", AuthorHandle: "u@b.test", Tags: []string{"stad"}}
			results[j] = storage.InboxResult{Outcome: "stored", Object: obj, Duplicate: "dup"}
		}
		if _, err := db.PutInboxBatch(ctx, items); err != nil {
			b.Fatal(err)
		}
		for j := range results {
			results[j].ID = items[j].ID
		}
		if err := db.FinishInboxBatch(ctx, results); err != nil {
			b.Fatal(err)
		}
		if sync {
			if err := db.SyncSearch(ctx); err != nil {
				b.Fatal(err)
			}
		}
		n += batch
	}
	b.ReportMetric(float64(n)/time.Since(start).Seconds(), "stored/s")
}

// BenchmarkSearchSync measures bringing a backlog of queued received
// notes into the index in bulk, per entry.
func BenchmarkSearchSync(b *testing.B) {
	ctx := context.Background()
	db := storagetest.Open(b)
	text := `<p>Vandaag in de stad: de coöperatie opent een nieuw café aan de gracht. Iedereen is welkom om te komen kijken, ` +
		`er is koffie en taart. <a href="https://b.test/tags/stad" rel="tag">#<span>stad</span></a></p>`
	const backlog = 2000
	var took time.Duration
	for i := 0; b.Loop(); i++ {
		b.StopTimer()
		results := make([]storage.InboxResult, backlog)
		for j := range results {
			iri := fmt.Sprintf("https://b.test/users/u/statuses/%d-%d", i, j)
			raw := `{"id":"` + iri + `","to":["https://www.w3.org/ns/activitystreams#Public"]}`
			results[j] = storage.InboxResult{Outcome: "stored", Object: &content.Object{IRI: iri, Type: "Note", AttributedTo: "https://b.test/users/u",
				Content: text, Public: true, Published: time.Now(), Raw: raw}}
		}
		if err := db.FinishInboxBatch(ctx, results); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		start := time.Now()
		if err := db.SyncSearch(ctx); err != nil {
			b.Fatal(err)
		}
		took += time.Since(start)
	}
	b.ReportMetric(float64(b.N*backlog)/took.Seconds(), "indexed/s")
}
