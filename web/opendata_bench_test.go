package web

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"testing"
	"time"

	"kring/content"
	"kring/storage"
	"kring/storage/storagetest"
)

// BenchmarkDirectoryPage renders /members through HTTP on a node of 2,000
// members, 1,000 of them listed with a profile: unfiltered (the first
// page of 30), filtered on a topic, and searched.
func BenchmarkDirectoryPage(b *testing.B) {
	ctx := context.Background()
	n, _ := newBenchNode(b)
	orgs := []string{"Gemeente Utrecht", "Ministerie van BZK", "Provincie Fryslân", "Waterschap Rijn"}
	topics := []string{"open data", "privacy", "toegankelijkheid", "archief", "inkoop"}
	for i := range 2000 {
		m := storagetest.Member(b, n.db, fmt.Sprintf("lid%04d", i), content.RoleMember, testPassword)
		p := &content.Profile{MemberID: m.ID, Organisation: orgs[i%len(orgs)], JobTitle: "Adviseur", Region: "Utrecht",
			Topics: []string{topics[i%len(topics)], topics[(i+2)%len(topics)]}, Languages: []string{"nl", "en"}, Listed: i%2 == 0}
		if err := n.db.SaveProfile(ctx, p); err != nil {
			b.Fatal(err)
		}
	}
	client := &http.Client{}
	for _, c := range []struct{ name, query string }{
		{"all", ""}, {"topic", "?topic=opendata"}, {"search", "?q=fryslan+adviseur"},
	} {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			start := time.Now()
			for b.Loop() {
				if body := benchGet(b, client, n.ts.URL+"/members"+c.query); !bytes.Contains(body, []byte(`href="/@lid`)) {
					b.Fatal("no member listed")
				}
			}
			reportPages(b, start)
		})
	}
}

// BenchmarkOpenDataPostsExport downloads the posts dataset of 10,000
// public posts through HTTP, as CSV and as JSON-LD.
func BenchmarkOpenDataPostsExport(b *testing.B) {
	ctx := context.Background()
	n, _ := newBenchNode(b)
	ada := storagetest.Member(b, n.db, "ada", content.RoleMember, testPassword)
	published := time.Date(2025, 3, 1, 9, 0, 0, 0, time.UTC)
	for i := range 10000 {
		p := &content.Post{IRI: fmt.Sprintf("https://%s/posts/p%d", n.ts.Listener.Addr(), i), AuthorID: ada.ID,
			Slug: fmt.Sprintf("p%d", i), Title: "Open Koffie verslag", Body: "Een verslag.", Content: "<p>Een verslag met <strong>nadruk</strong>.</p>",
			Language: content.LanguageDutch, Visibility: content.VisibilityPublic, State: content.PostPublished,
			Published: published.Add(time.Duration(i) * time.Minute), Tags: []string{"opendata", "koffie"}}
		if err := n.db.SavePost(ctx, storage.PostChange{Post: p}); err != nil {
			b.Fatal(err)
		}
	}
	client := &http.Client{}
	for _, format := range []string{"csv", "jsonld"} {
		b.Run(format, func(b *testing.B) {
			var size int
			start := time.Now()
			for b.Loop() {
				size = len(benchGet(b, client, n.ts.URL+"/data/posts."+format))
			}
			b.ReportMetric(float64(size)/1e6, "MB")
			b.ReportMetric(10000*float64(b.N)/time.Since(start).Seconds(), "posts/s")
		})
	}
}
