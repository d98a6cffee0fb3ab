package web

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"time"
)

//go:embed static
var staticFS embed.FS

// staticFiles holds the static files in memory with a hash of each, so
// that pages link to /static/name?v=hash and browsers may cache a
// versioned URL for good.
type staticFiles struct {
	files map[string][]byte
	hash  map[string]string
}

func loadStatic() (*staticFiles, error) {
	sf := &staticFiles{files: map[string][]byte{}, hash: map[string]string{}}
	err := fs.WalkDir(staticFS, "static", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := staticFS.ReadFile(p)
		if err != nil {
			return err
		}
		name := p[len("static/"):]
		sum := sha256.Sum256(b)
		sf.files[name] = b
		sf.hash[name] = hex.EncodeToString(sum[:8])
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("load static files: %w", err)
	}
	return sf, nil
}

// url is the versioned address of a static file; templates call it as
// static. An unknown name fails template execution, so a typo is caught
// by the first render rather than shipped as a broken link.
func (sf *staticFiles) url(name string) (string, error) {
	h, ok := sf.hash[name]
	if !ok {
		return "", fmt.Errorf("no static file %q", name)
	}
	return "/static/" + name + "?v=" + h, nil
}

func (s *Server) serveStatic(w http.ResponseWriter, r *http.Request) error {
	name := r.PathValue("name")
	b, ok := s.static.files[name]
	if !ok {
		return &problem{status: http.StatusNotFound, key: "error.not_found", detail: "no static file " + name}
	}
	h := w.Header()
	if ct := mime.TypeByExtension(path.Ext(name)); ct != "" {
		h.Set("Content-Type", ct)
	}
	h.Set("ETag", `"`+s.static.hash[name]+`"`)
	if r.URL.Query().Get("v") == s.static.hash[name] {
		h.Set("Cache-Control", "public, max-age=31536000, immutable")
	} else {
		h.Set("Cache-Control", "public, max-age=3600")
	}
	http.ServeContent(w, r, name, time.Time{}, bytes.NewReader(b))
	return nil
}
