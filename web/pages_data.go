package web

import (
	"net/http"
	"net/url"
	"time"

	"kring/content"
	"kring/storage"
)

func init() { pageNames = append(pageNames, "data") }

// dataView is what data.html shows: each dataset with its fields and
// downloads, the licence, and for an admin the form that changes it.
type dataView struct {
	Datasets     []dataDatasetView
	LicenceTitle string
	LicenceURL   string
	Licences     []licenceOption
	CatalogURL   string
	ListSep      string
	Notice       string // catalogue key of what was just done
}

type dataDatasetView struct {
	Name     string
	TitleKey string
	DescKey  string
	Fields   []fieldInfo
	Formats  []dataFormatView
	Count    int
	Modified time.Time
}

type dataFormatView struct {
	Format    string
	LabelKey  string
	URL       string
	MediaType string
}

type licenceOption struct {
	Value   content.DataLicence
	Title   string
	URL     string
	HintKey string
	Checked bool
}

var licenceHints = map[content.DataLicence]string{content.LicenceCC0: "data.licence_hint_cc0", content.LicenceCCBY: "data.licence_hint_ccby"}

var dataFormatLabels = map[string]string{FormatCSV: "data.format_csv", FormatJSONLD: "data.format_jsonld"}

func (s *Server) dataPage(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	node, err := s.db.Node(ctx)
	if err != nil {
		return err
	}
	od := s.openData()
	stats, err := s.db.OpenDataStats(ctx, od.iris.Actor(""))
	if err != nil {
		return err
	}
	lic := node.DataLicence
	v := dataView{LicenceTitle: lic.Title(), LicenceURL: lic.URL(), CatalogURL: "/data/catalog.jsonld", ListSep: listSep}
	for _, l := range []content.DataLicence{content.LicenceCC0, content.LicenceCCBY} {
		v.Licences = append(v.Licences, licenceOption{Value: l, Title: l.Title(), URL: l.URL(), HintKey: licenceHints[l], Checked: l == lic})
	}
	for _, name := range storage.Datasets {
		d, _ := od.dataset(name)
		dv := dataDatasetView{Name: name, TitleKey: d.titleKey, DescKey: d.descKey, Fields: d.fields,
			Count: stats[name].Count, Modified: stats[name].Modified}
		for _, f := range DataFormats {
			dv.Formats = append(dv.Formats, dataFormatView{Format: f, LabelKey: dataFormatLabels[f],
				URL: "/data/" + name + "." + f, MediaType: dcatFormats[f].mediaType})
		}
		v.Datasets = append(v.Datasets, dv)
	}
	if r.URL.Query().Get("done") == "licence" {
		v.Notice = "data.licence_saved"
	}
	return s.render(w, r, http.StatusOK, "data", v)
}

// saveDataLicence is the admin's choice of licence, from the data page.
func (s *Server) saveDataLicence(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	if _, _, err := requireMember(ctx); err != nil {
		return redirect(w, r, "/login?next="+url.QueryEscape("/data"))
	}
	if _, err := requireAdmin(ctx); err != nil {
		return err
	}
	lic, err := content.ParseDataLicence(r.PostForm.Get("licence"))
	if err != nil {
		return &problem{status: http.StatusUnprocessableEntity, key: "data.licence_invalid", detail: "licence " + r.PostForm.Get("licence"), err: err}
	}
	if err := s.db.SetDataLicence(ctx, lic); err != nil {
		return err
	}
	s.log.Info("open data licence changed", "licence", string(lic))
	return redirect(w, r, "/data?done=licence")
}
