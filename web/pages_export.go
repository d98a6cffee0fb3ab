package web

import (
	"archive/zip"
	"bytes"
	"fmt"
	"net/http"
	"net/url"
	"time"

	"kring/content"
)

// A member's data export from the settings page: the archive `kring user
// export` writes to a folder (federation.Node.ExportAccount), here as one
// zip file; and the follows list alone, in the CSV Mastodon imports.

// exportFile is one file of the archive.
type exportFile struct {
	name string
	data []byte
}

// exportAccount answers with the member's archive as a zip download. It is
// a POST with the CSRF token: gathering everything a member wrote is work
// another site must not be able to start.
func (s *Server) exportAccount(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	m, _, err := requireMember(ctx)
	if err != nil {
		return err
	}
	arc, err := s.cfg.Federation.ExportAccount(ctx, m)
	if err != nil {
		return err
	}
	// The same names as kring user export writes.
	files := []exportFile{{"actor.json", arc.Actor}, {"outbox.json", arc.Outbox}, {"following_accounts.csv", arc.Follows}}
	now := s.now()
	// Built in memory first, so that a failure is a clean error page and
	// not half a file.
	var buf bytes.Buffer
	if err := writeExportZip(&buf, files, now); err != nil {
		return fmt.Errorf("zip export of member %d: %w", m.ID, err)
	}
	s.log.Info("member exported their data", "request_id", reqFrom(ctx).id, "member_id", m.ID, "objects", arc.Objects)
	return sendDownload(w, "application/zip", exportFilename(m, now, ".zip"), buf.Bytes())
}

// exportFollows answers with the accounts the member follows as Mastodon's
// CSV. A GET, so that it can be a plain link: it changes nothing, and the
// answer goes only to the member's own browser.
func (s *Server) exportFollows(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	m, _, err := requireMember(ctx)
	if err != nil {
		return redirect(w, r, "/login?next="+url.QueryEscape("/settings"))
	}
	var buf bytes.Buffer
	if _, err := s.cfg.Federation.ExportFollows(ctx, m, &buf); err != nil {
		return err
	}
	return sendDownload(w, "text/csv; charset=utf-8", exportFilename(m, s.now(), "-following_accounts.csv"), buf.Bytes())
}

// writeExportZip writes files into a zip archive stamped with now.
func writeExportZip(w *bytes.Buffer, files []exportFile, now time.Time) error {
	zw := zip.NewWriter(w)
	for _, f := range files {
		fw, err := zw.CreateHeader(&zip.FileHeader{Name: f.name, Method: zip.Deflate, Modified: now.UTC()})
		if err != nil {
			return err
		}
		if _, err := fw.Write(f.data); err != nil {
			return err
		}
	}
	return zw.Close()
}

// exportFilename is kring-USERNAME-YYYY-MM-DD plus suffix. A username is
// lowercase letters, digits and _ (content.ValidateUsername), safe in a
// header's quoted string.
func exportFilename(m *content.Member, now time.Time, suffix string) string {
	return "kring-" + m.Username + "-" + now.UTC().Format(time.DateOnly) + suffix
}

// sendDownload writes data as an attachment no cache may keep: it is
// personal data.
func sendDownload(w http.ResponseWriter, contentType, filename string, data []byte) error {
	h := w.Header()
	h.Set("Content-Type", contentType)
	h.Set("Content-Disposition", `attachment; filename="`+filename+`"`)
	h.Set("Content-Length", fmt.Sprint(len(data)))
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(http.StatusOK)
	w.Write(data) // a failed write means the client left; there is no one to tell
	return nil
}
