package web

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"slices"

	"kring/content"
	"kring/federation"
	"kring/storage"
)

// The open-data formats, as in the downloads' names.
const (
	FormatCSV    = "csv"
	FormatJSONLD = "jsonld"
)

// DataFormats lists the formats in the order the data page offers them.
var DataFormats = []string{FormatCSV, FormatJSONLD}

// dataMediaTypes are what the downloads are served as.
var dataMediaTypes = map[string]string{
	FormatCSV:    "text/csv; charset=utf-8",
	FormatJSONLD: "application/ld+json; charset=utf-8",
}

// MaxOpenDataItems bounds one download: a dataset larger than this is
// cut, oldest items first kept (the exports run by row id).
const MaxOpenDataItems = 100000

// OpenData writes the node's open-data datasets: the web serves them at
// /data and `kring data export` writes them to a file.
type OpenData struct {
	db   *storage.DB
	iris federation.IRIs
}

// NewOpenData returns the writer of db's datasets, with the node's IRIs.
func NewOpenData(db *storage.DB, iris federation.IRIs) *OpenData {
	return &OpenData{db: db, iris: iris}
}

// datasetDef is one dataset: what the data page says of it and how to
// read its items, each as a CSV row and as an ActivityStreams object.
type datasetDef struct {
	name     string
	titleKey string
	descKey  string
	fields   []fieldInfo
	each     func(ctx context.Context, emit func(row []string, doc map[string]any) error) error
}

func (o *OpenData) dataset(name string) (datasetDef, bool) {
	iris := o.iris
	switch name {
	case storage.DatasetPosts:
		fields := postFields(iris)
		return datasetDef{name: name, titleKey: "data.posts_title", descKey: "data.posts_description", fields: infos(fields),
			each: func(ctx context.Context, emit func([]string, map[string]any) error) error {
				return pages(ctx, func(after int64) ([]content.Post, error) { return o.db.OpenPosts(ctx, after, 0) },
					func(p *content.Post) int64 { return p.ID },
					func(p *content.Post) error { return emit(row(fields, p), postDoc(iris, p)) })
			}}, true
	case storage.DatasetThreads:
		fields := threadFields(iris)
		return datasetDef{name: name, titleKey: "data.threads_title", descKey: "data.threads_description", fields: infos(fields),
			each: func(ctx context.Context, emit func([]string, map[string]any) error) error {
				return pages(ctx, func(after int64) ([]storage.OpenThread, error) {
					return o.db.OpenThreads(ctx, iris.Actor(""), after, 0)
				},
					func(t *storage.OpenThread) int64 { return t.ID },
					func(t *storage.OpenThread) error { return emit(row(fields, t), threadDoc(iris, t)) })
			}}, true
	case storage.DatasetEvents:
		fields := eventFields(iris)
		return datasetDef{name: name, titleKey: "data.events_title", descKey: "data.events_description", fields: infos(fields),
			each: func(ctx context.Context, emit func([]string, map[string]any) error) error {
				return pages(ctx, func(after int64) ([]*content.Event, error) { return o.db.OpenEvents(ctx, after, 0) },
					func(e **content.Event) int64 { return (*e).ID },
					func(e **content.Event) error { return emit(row(fields, *e), eventDoc(iris, *e)) })
			}}, true
	case storage.DatasetMembers:
		fields := memberFields(iris)
		return datasetDef{name: name, titleKey: "data.members_title", descKey: "data.members_description", fields: infos(fields),
			each: func(ctx context.Context, emit func([]string, map[string]any) error) error {
				entries, _, err := o.db.Directory(ctx, storage.DirectoryFilter{})
				if err != nil {
					return fmt.Errorf("read the members directory: %w", err)
				}
				for i := range entries[:min(len(entries), MaxOpenDataItems)] {
					if err := emit(row(fields, &entries[i]), memberDoc(iris, &entries[i])); err != nil {
						return err
					}
				}
				return nil
			}}, true
	}
	return datasetDef{}, false
}

// pages walks a dataset page by page (keyset on the row id), handing
// each item to emit, up to MaxOpenDataItems.
func pages[T any](ctx context.Context, next func(afterID int64) ([]T, error), id func(*T) int64, emit func(*T) error) error {
	var after int64
	n := 0
	for {
		items, err := next(after)
		if err != nil {
			return err
		}
		for i := range items {
			if n >= MaxOpenDataItems {
				return nil
			}
			if err := emit(&items[i]); err != nil {
				return err
			}
			n++
		}
		if len(items) < storage.MaxOpenDataPage {
			return nil
		}
		after = id(&items[len(items)-1])
		if err := ctx.Err(); err != nil {
			return err
		}
	}
}

// Write writes one dataset in one format to w and returns how many items
// it held. lic is the licence the JSON-LD document names.
func (o *OpenData) Write(ctx context.Context, w io.Writer, dataset, format string, lic content.DataLicence) (int, error) {
	d, ok := o.dataset(dataset)
	if !ok {
		return 0, content.Errorf(content.KindNotFound, "dataset", "dataset.unknown", "no dataset %q: use posts, threads, events or members", dataset)
	}
	switch format {
	case FormatCSV:
		return o.writeCSV(ctx, w, d)
	case FormatJSONLD:
		return o.writeJSONLD(ctx, w, d, lic)
	}
	return 0, content.Errorf(content.KindNotFound, "format", "format.unknown", "no format %q: use csv or jsonld", format)
}

// writeCSV writes RFC 4180 CSV: a header row, then one row per item,
// lines ended with CRLF.
func (o *OpenData) writeCSV(ctx context.Context, w io.Writer, d datasetDef) (int, error) {
	cw := csv.NewWriter(w)
	cw.UseCRLF = true
	header := make([]string, len(d.fields))
	for i, f := range d.fields {
		header[i] = f.Name
	}
	if err := cw.Write(header); err != nil {
		return 0, fmt.Errorf("write %s.csv: %w", d.name, err)
	}
	n := 0
	err := d.each(ctx, func(row []string, _ map[string]any) error {
		n++
		return cw.Write(row)
	})
	cw.Flush()
	if err == nil {
		err = cw.Error()
	}
	if err != nil {
		return n, fmt.Errorf("write %s.csv: %w", d.name, err)
	}
	return n, nil
}

// openDataContext is the exports' @context: ActivityStreams and the
// terms the node adds, named as the fediverse names them (Mastodon's
// PropertyValue, Mobilizon's address and timezone).
var openDataContext = []any{
	federation.ASContext,
	map[string]any{
		"dcterms":                 "http://purl.org/dc/terms/",
		"license":                 map[string]string{"@id": "dcterms:license", "@type": "@id"},
		"schema":                  "http://schema.org#",
		"PropertyValue":           "schema:PropertyValue",
		"value":                   "schema:value",
		"Hashtag":                 "as:Hashtag",
		"PostalAddress":           "schema:PostalAddress",
		"address":                 "schema:address",
		"streetAddress":           "schema:streetAddress",
		"postalCode":              "schema:postalCode",
		"addressLocality":         "schema:addressLocality",
		"addressRegion":           "schema:addressRegion",
		"addressCountry":          "schema:addressCountry",
		"maximumAttendeeCapacity": "schema:maximumAttendeeCapacity",
		"ical":                    "http://www.w3.org/2002/12/cal/ical#",
		"mz":                      "https://joinmobilizon.org/ns#",
		"timezone":                "mz:timezone",
	},
}

// writeJSONLD writes an OrderedCollection of the items, streamed: the
// head, each item as it is read, and the count at the end.
func (o *OpenData) writeJSONLD(ctx context.Context, w io.Writer, d datasetDef, lic content.DataLicence) (int, error) {
	head, err := marshalJSON(map[string]any{
		"@context": openDataContext, "id": o.iris.Base() + "/data/" + d.name + ".jsonld", "type": "OrderedCollection",
		"license": lic.URL(),
	})
	if err != nil {
		return 0, err
	}
	// The head without its closing brace, then the items.
	if _, err := w.Write(append(head[:len(head)-1], []byte(`,"orderedItems":[`)...)); err != nil {
		return 0, fmt.Errorf("write %s.jsonld: %w", d.name, err)
	}
	n := 0
	err = d.each(ctx, func(_ []string, doc map[string]any) error {
		b, err := marshalJSON(doc)
		if err != nil {
			return err
		}
		if n > 0 {
			b = slices.Insert(b, 0, ',')
		}
		n++
		_, err = w.Write(append(b, '\n'))
		return err
	})
	if err == nil {
		_, err = fmt.Fprintf(w, `],"totalItems":%d}`+"\n", n)
	}
	if err != nil {
		return n, fmt.Errorf("write %s.jsonld: %w", d.name, err)
	}
	return n, nil
}

// marshalJSON encodes v without escaping <, > and &: the content is HTML,
// and \u003cp\u003e helps no reader.
func marshalJSON(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, fmt.Errorf("encode JSON: %w", err)
	}
	return bytes.TrimRight(buf.Bytes(), "\n"), nil
}
