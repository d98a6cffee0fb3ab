package web

import (
	"bufio"
	"io"
	"net/http"
	"slices"
	"strings"

	"kring/federation"
	"kring/storage"
)

// The open data: /data describes the datasets, /data/NAME.csv and
// /data/NAME.jsonld are the downloads, /data/catalog.jsonld the DCAT
// catalogue that portals harvest. Harvesters come without cookies, so
// the downloads and the catalogue are bare routes: no session, and any
// origin may read them (CORS).
func (s *Server) dataRoutes() []route {
	return []route{
		{pattern: "GET /data", handle: s.dataPage},
		{pattern: "POST /data/licence", handle: s.saveDataLicence},
		{pattern: "GET /data/catalog.jsonld", handle: s.dataCatalog, bare: true},
		{pattern: "GET /data/{file}", handle: s.dataDownload, bare: true},
	}
}

// openData is the datasets' writer with the node's IRIs, which a web
// without federation builds itself.
func (s *Server) openData() *OpenData {
	iris := federation.NewIRIs(s.cfg.Host, s.cfg.Dev)
	if s.cfg.Federation != nil {
		iris = s.cfg.Federation.IRIs()
	}
	return NewOpenData(s.db, iris)
}

// openDataHeaders are what every download and the catalogue carry: the
// licence as a Link, CORS for any origin, and a short public cache.
func openDataHeaders(w http.ResponseWriter, mediaType, licenceURL string) {
	h := w.Header()
	h.Set("Content-Type", mediaType)
	h.Set("Link", "<"+licenceURL+`>; rel="license"`)
	h.Set("Access-Control-Allow-Origin", "*")
	h.Set("Cache-Control", "public, max-age=300")
}

func (s *Server) dataDownload(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	file := r.PathValue("file")
	name, format, _ := strings.Cut(file, ".")
	if !slices.Contains(storage.Datasets, name) || !slices.Contains(DataFormats, format) {
		return &problem{status: http.StatusNotFound, key: "error.not_found", detail: "no dataset " + file}
	}
	// Each download reads a whole dataset: an address gets a harvest's
	// worth and more, not a loop's.
	key := "data:" + ipKey(clientIP(r))
	if ok, wait := s.downloadLimit.allow(key); !ok {
		return rateLimitedAs("data.rate_limited", wait, "downloads from "+key)
	}
	s.downloadLimit.add(key)
	node, err := s.db.Node(ctx)
	if err != nil {
		return err
	}
	openDataHeaders(w, dataMediaTypes[format], node.DataLicence.URL())
	w.Header().Set("Content-Disposition", `attachment; filename="`+file+`"`)
	if r.Method == http.MethodHead {
		return nil
	}
	// Buffered, so that an error before the first 32 KiB still becomes
	// an error page instead of a cut download.
	out := &sentWriter{w: w}
	bw := bufio.NewWriterSize(out, 32<<10)
	_, err = s.openData().Write(ctx, bw, name, format, node.DataLicence)
	if err == nil {
		err = bw.Flush()
	}
	if err != nil && !out.sent {
		for _, k := range []string{"Content-Disposition", "Link", "Cache-Control", "Access-Control-Allow-Origin"} {
			w.Header().Del(k)
		}
		return err
	}
	if err != nil {
		// The client has part of the file already: all that is left is
		// to say so in the log.
		s.log.Warn("open data download cut short", "file", file, "err", err)
	}
	return nil
}

// sentWriter remembers whether anything reached the client.
type sentWriter struct {
	w    io.Writer
	sent bool
}

func (s *sentWriter) Write(p []byte) (int, error) {
	s.sent = true
	return s.w.Write(p)
}

func (s *Server) dataCatalog(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	node, err := s.db.Node(ctx)
	if err != nil {
		return err
	}
	stats, err := s.db.OpenDataStats(ctx, s.openData().iris.Actor(""))
	if err != nil {
		return err
	}
	body, err := marshalJSON(s.dcatCatalog(node, stats))
	if err != nil {
		return err
	}
	openDataHeaders(w, dataMediaTypes[FormatJSONLD], node.DataLicence.URL())
	if r.Method == http.MethodHead {
		return nil
	}
	w.Write(append(body, '\n')) // a failed write means the client left
	return nil
}
