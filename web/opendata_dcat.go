package web

import (
	"time"

	"kring/content"
	"kring/storage"
)

// The DCAT catalogue of the open data (/data/catalog.jsonld), as
// DCAT-AP (and DCAT-AP-NL, which data.overheid.nl harvests) asks for it:
// a dcat:Catalog with one dcat:Dataset per dataset and a
// dcat:Distribution per format. Its @context is inline, so that a
// harvester needs nothing else to read it, and IRI values are written as
// {"@id": ...} objects, which every JSON-LD processor reads the same.

var dcatContext = map[string]string{
	"dcat":  "http://www.w3.org/ns/dcat#",
	"dct":   "http://purl.org/dc/terms/",
	"foaf":  "http://xmlns.com/foaf/0.1/",
	"vcard": "http://www.w3.org/2006/vcard/ns#",
	"xsd":   "http://www.w3.org/2001/XMLSchema#",
}

// The controlled vocabularies DCAT-AP names: IANA media types, and the
// EU Publications Office's file types, languages and access rights.
const (
	ianaMediaTypes = "https://www.iana.org/assignments/media-types/"
	euFileType     = "http://publications.europa.eu/resource/authority/file-type/"
	euLanguage     = "http://publications.europa.eu/resource/authority/language/"
	euPublic       = "http://publications.europa.eu/resource/authority/access-right/PUBLIC"
)

// dcatFormats are each format's IANA media type and EU file type.
var dcatFormats = map[string]struct{ mediaType, fileType string }{
	FormatCSV:    {"text/csv", "CSV"},
	FormatJSONLD: {"application/ld+json", "JSON_LD"},
}

// euLanguages are the EU codes of the languages the node writes in.
var euLanguages = map[content.Language]string{content.LanguageDutch: "NLD", content.LanguageEnglish: "ENG"}

func iri(s string) map[string]string { return map[string]string{"@id": s} }

func dcatTime(t time.Time) map[string]string {
	return map[string]string{"@value": t.UTC().Format(time.RFC3339), "@type": "xsd:dateTime"}
}

// texts is a catalogue message in every language, as language-tagged
// values.
func (s *Server) texts(key string, args ...any) []map[string]string {
	return s.textsOf(func(c catalog) string { return c.t(key, args...) })
}

// textsOf is text made from each language's catalogue.
func (s *Server) textsOf(text func(catalog) string) []map[string]string {
	out := make([]map[string]string, 0, len(content.Languages))
	for _, l := range content.Languages {
		out = append(out, map[string]string{"@value": text(s.catalogs[l]), "@language": string(l)})
	}
	return out
}

// dcatCatalog is the catalogue document.
func (s *Server) dcatCatalog(node *content.Node, stats map[string]storage.DatasetStat) map[string]any {
	base := s.base()
	od := s.openData()
	lic := node.DataLicence
	name := firstNonEmpty(node.Name, s.cfg.Host)
	publisher := map[string]any{"@id": base + "/data#publisher", "@type": "foaf:Agent", "foaf:name": name}
	contact := map[string]any{"@type": "vcard:Organization", "vcard:fn": name, "vcard:hasURL": iri(base + "/")}
	var languages []map[string]string
	for _, l := range content.Languages {
		languages = append(languages, iri(euLanguage+euLanguages[l]))
	}
	var datasets []map[string]any
	var newest time.Time
	for _, ds := range storage.Datasets {
		d, _ := od.dataset(ds)
		st := stats[ds]
		if st.Modified.After(newest) {
			newest = st.Modified
		}
		var dists []map[string]any
		for _, f := range DataFormats {
			url := base + "/data/" + ds + "." + f
			dist := map[string]any{
				"@id": base + "/data#" + ds + "-" + f, "@type": "dcat:Distribution",
				"dct:title": s.textsOf(func(c catalog) string {
					return c.t("data.distribution_title", c.t(d.titleKey), dcatFormats[f].fileType)
				}),
				"dcat:downloadURL": iri(url), "dcat:accessURL": iri(url),
				"dcat:mediaType": iri(ianaMediaTypes + dcatFormats[f].mediaType),
				"dct:format":     iri(euFileType + dcatFormats[f].fileType),
				"dct:license":    iri(lic.URL()),
			}
			dists = append(dists, dist)
		}
		dataset := map[string]any{
			"@id": base + "/data#" + ds, "@type": "dcat:Dataset",
			"dct:identifier":    base + "/data#" + ds,
			"dct:title":         s.texts(d.titleKey),
			"dct:description":   s.texts(d.descKey),
			"dct:license":       iri(lic.URL()),
			"dct:publisher":     iri(base + "/data#publisher"),
			"dct:accessRights":  iri(euPublic),
			"dct:language":      languages,
			"dcat:contactPoint": contact,
			"dcat:landingPage":  iri(base + "/data"),
			"dcat:distribution": dists,
		}
		if !st.Modified.IsZero() {
			dataset["dct:modified"] = dcatTime(st.Modified)
		}
		datasets = append(datasets, dataset)
	}
	doc := map[string]any{
		"@context": dcatContext, "@id": base + "/data/catalog.jsonld", "@type": "dcat:Catalog",
		"dct:title":       s.texts("data.catalog_title", name),
		"dct:description": s.texts("data.catalog_description", name),
		"dct:publisher":   publisher,
		"dct:language":    languages,
		"dct:license":     iri(lic.URL()),
		"foaf:homepage":   iri(base + "/"),
		"dcat:dataset":    datasets,
	}
	if !newest.IsZero() {
		doc["dct:modified"] = dcatTime(newest)
	}
	return doc
}
