package web

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"regexp"
	"testing"
	"time"

	"kring/content"
	"kring/storage"
	"kring/storage/storagetest"
)

// BenchmarkAgendaPage renders /agenda with 5,000 events in the database
// (a fifth of them past, a third received from other servers) through
// HTTP: the first page of fifty, a page deep in the list (keyset paging
// keeps it one index range read), a tag's agenda, and a month's grid.
// The target is under 20 ms a page.
func BenchmarkAgendaPage(b *testing.B) {
	ctx := context.Background()
	n, fed := newBenchNode(b)
	alice := storagetest.Member(b, n.db, "alice", content.RoleMember, testPassword)
	ams := content.LoadZone(content.DefaultTimeZone)
	now := time.Now().In(ams)
	base := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, ams).AddDate(0, 0, -60)
	zones := []string{content.DefaultTimeZone, content.DefaultTimeZone, "Europe/London", "Europe/Brussels"}
	var deep *content.Event
	for i := range 5000 {
		// About 17 a day over ten months, at varying hours.
		start := base.Add(time.Duration(i)*85*time.Minute + time.Duration(i%7)*time.Hour)
		ev := &content.Event{Title: fmt.Sprintf("Bijeenkomst %d over open data", i), Start: start, End: start.Add(90 * time.Minute),
			TimeZone: zones[i%len(zones)], Place: content.Place{Name: "Buurthuis De Kring", Street: "Turfmarkt 147", PostalCode: "2511 DP", City: "Den Haag"},
			Language: content.LanguageDutch, Tags: []string{"opendata"}, JoinMode: content.JoinOpen, Capacity: (i % 3) * 10,
			ParticipantCount: i % 11, Status: content.EventConfirmed}
		if i%13 == 0 {
			ev.Status = content.EventCancelled
		}
		if i%4 == 1 {
			ev.Tags = append(ev.Tags, "koffie")
		}
		var err error
		if i%3 == 0 {
			ev.IRI, ev.URL = fmt.Sprintf("https://mobilizon.test/events/%d", i), fmt.Sprintf("https://mobilizon.test/events/%d", i)
			ev.Organizer, ev.OrganizerName = "https://mobilizon.test/@groep", "Open Data Groep"
			_, err = n.db.PutRemoteEvent(ctx, ev)
		} else {
			ev.IRI, ev.Organizer, ev.OrganizerKind = fed.IRIs().Event(fmt.Sprintf("bench%d", i)), fed.IRIs().Actor("alice"), content.OrganizerMember
			ev.OrganizerName, ev.CreatorID, ev.OnlineURL = "Alice", alice.ID, "https://meet.example/abc"
			err = n.db.SaveEvent(ctx, storage.EventChange{Event: ev})
		}
		if err != nil {
			b.Fatal(err)
		}
		if i == 3000 {
			deep = ev
		}
	}
	upcoming, err := n.db.Events(ctx, storage.EventFilter{From: time.Now(), Limit: storage.MaxEventPage})
	if err != nil {
		b.Fatal(err)
	}
	b.Logf("%d of 5000 events upcoming", len(upcoming))
	deepMonth := deep.Start.In(ams).Format("2006-01")
	pages := []struct {
		name, path string
		items      *regexp.Regexp
		want       int // items on the page; 0: at least one
	}{
		{"upcoming", "/agenda", eventItemRE, eventsPerPage},
		{"deep", fmt.Sprintf("/agenda?after=%d&id=%d", deep.Start.UnixMilli(), deep.ID), eventItemRE, eventsPerPage},
		{"tag", "/agenda?tag=koffie", eventItemRE, eventsPerPage},
		{"local", "/agenda?scope=local", eventItemRE, eventsPerPage},
		{"month", "/agenda?month=" + deepMonth, dayEventRE, 0},
		// The whole agenda as iCalendar, read from the database and
		// encoded: what a calendar app's subscription costs.
		{"ics-all", "/agenda.ics?scope=all", veventRE, 0},
	}
	client := &http.Client{}
	for _, p := range pages {
		b.Run(p.name, func(b *testing.B) {
			b.ReportAllocs()
			start := time.Now()
			for b.Loop() {
				body := benchGet(b, client, n.ts.URL+p.path)
				got := len(p.items.FindAllIndex(body, -1))
				if (p.want > 0 && got != p.want) || got == 0 || !(bytes.Contains(body, []byte("</html>")) || bytes.HasSuffix(body, []byte("END:VCALENDAR\r\n"))) {
					b.Fatalf("%s: %d events on the page, want %d", p.path, got, p.want)
				}
			}
			reportPages(b, start)
			if p.items == veventRE {
				b.ReportMetric(float64(len(p.items.FindAllIndex(benchGet(b, client, n.ts.URL+p.path), -1))), "events/feed")
			}
		})
	}
}

var (
	eventItemRE = regexp.MustCompile(`<li class="event-item`)
	dayEventRE  = regexp.MustCompile(`<li><a href="/agenda/`)
	veventRE    = regexp.MustCompile("BEGIN:VEVENT\r\n")
)
