package web

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"

	"kring/content"
	"kring/storage"
)

// maxUploadBody caps the body of an upload: the largest image plus room
// for the form's other fields and the multipart framing. The whole body
// is parsed in memory, so an original with its GPS position never lands
// in a temporary file.
const maxUploadBody = content.DefaultMaxImageBytes + 64<<10

// Headers of a served image. A name is never reused for other bytes, so
// caches may keep it for good; the sandbox keeps a file that a browser
// might still treat as a document from running anything.
const (
	mediaCacheControl = "public, max-age=31536000, immutable"
	mediaCSP          = "default-src 'none'; sandbox"
)

// uploadStatus answers the upload refusals that have a status of their
// own; other domain errors keep their kind's (400 for invalid input).
var uploadStatus = map[string]int{
	"error.code.media.type":            http.StatusUnsupportedMediaType,
	"error.code.media.too_large":       http.StatusRequestEntityTooLarge,
	"error.code.media.too_many_pixels": http.StatusRequestEntityTooLarge,
}

// uploadArgs are the messages of upload refusals ("error.code." and the
// domain error's code) with the numbers they mention.
var uploadArgs = map[string][]any{
	"error.code.media.empty":           nil,
	"error.code.media.file_missing":    nil,
	"error.code.media.type":            nil,
	"error.code.media.too_large":       {content.DefaultMaxImageBytes >> 20},
	"error.code.media.too_many_pixels": {content.DefaultMaxImagePixels / 1_000_000, content.DefaultMaxImageSide},
	"error.code.media.corrupt":         nil,
	"error.code.media.alt_empty":       nil,
	"error.code.media.alt_encoding":    nil,
	"error.code.media.alt_long":        {content.MaxAltLen},
}

// mediaAnswer is the JSON answer to an upload: what an editor needs to
// show the image and refer to it.
type mediaAnswer struct {
	ID        int64  `json:"id"`
	URL       string `json:"url"`
	Name      string `json:"name"`
	MediaType string `json:"mediaType"`
	Width     int    `json:"width"`
	Height    int    `json:"height"`
	Alt       string `json:"alt"`
}

// uploadRefusal is the JSON answer to a failed upload.
type uploadRefusal struct {
	Error string `json:"error"`
	Field string `json:"field,omitempty"`
}

// mediaPath is where an uploaded image is served.
func mediaPath(name string) string { return "/media/" + name }

func (s *Server) mediaFiles() storage.Files { return storage.Files{Dir: s.cfg.MediaDir} }

// needsMedia hides the media routes of a server without a media folder.
func (s *Server) needsMedia(h handlerFunc) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		if s.cfg.MediaDir == "" {
			return &problem{status: http.StatusNotFound, key: "error.not_found", detail: "no media folder configured"}
		}
		return h(w, r)
	}
}

// uploadMedia takes a member's image (multipart fields file and alt),
// strips its metadata and stores it. A client asking for JSON gets the
// image's details (201) or {"error": ...}; a browser form is sent back
// to its next field (a local path) with 303, or gets the error page.
func (s *Server) uploadMedia(w http.ResponseWriter, r *http.Request) error {
	m, err := s.receiveUpload(r)
	if !wantsJSON(r) {
		if err != nil {
			return err
		}
		return redirect(w, r, s.uploadNext(r))
	}
	if err != nil {
		s.refuseJSON(w, r, err)
		return nil
	}
	w.Header().Set("Location", mediaPath(m.Name))
	return writeJSON(w, http.StatusCreated, mediaAnswer{ID: m.ID, URL: mediaPath(m.Name), Name: m.Name,
		MediaType: m.MediaType, Width: m.Width, Height: m.Height, Alt: m.Alt})
}

func (s *Server) receiveUpload(r *http.Request) (*content.Media, error) {
	ctx := r.Context()
	member, _, err := requireMember(ctx)
	if err != nil {
		return nil, err
	}
	data, alt, err := readUpload(r)
	if err != nil {
		return nil, uploadProblem(err)
	}
	img, err := content.ProcessImage(data, content.ImageLimits{})
	if err != nil {
		return nil, uploadProblem(err)
	}
	// A turned photo keeps its orientation in the file's minimal EXIF;
	// img.Width and img.Height are the size it shows at.
	return s.storeUpload(ctx, member.ID, img, alt)
}

// readUpload returns the uploaded file's bytes and its description.
func readUpload(r *http.Request) ([]byte, string, error) {
	if err := r.ParseMultipartForm(maxUploadBody); err != nil {
		if _, ok := errors.AsType[*http.MaxBytesError](err); ok {
			return nil, "", err
		}
		return nil, "", &problem{status: http.StatusBadRequest, key: "error.bad_request", err: fmt.Errorf("parse upload: %w", err)}
	}
	files := r.MultipartForm.File["file"]
	if len(files) == 0 {
		return nil, "", content.Errorf(content.KindInvalid, "file", "media.file_missing", "choose an image to upload")
	}
	alt := strings.TrimSpace(strings.ReplaceAll(r.PostForm.Get("alt"), "\r\n", "\n"))
	if err := content.ValidateAlt(alt); err != nil {
		return nil, "", err
	}
	if files[0].Size > content.DefaultMaxImageBytes {
		return nil, "", content.Errorf(content.KindInvalid, "file", "media.too_large", "the file is %d bytes", files[0].Size)
	}
	f, err := files[0].Open()
	if err != nil {
		return nil, "", fmt.Errorf("open upload: %w", err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, content.DefaultMaxImageBytes+1))
	if err != nil {
		return nil, "", fmt.Errorf("read upload: %w", err)
	}
	return data, alt, nil
}

// storeUpload writes the file under a random name, then its row; a file
// whose row could not be written is removed again.
func (s *Server) storeUpload(ctx context.Context, owner int64, img *content.ProcessedImage, alt string) (*content.Media, error) {
	name, err := storage.NewMediaName(img.Ext)
	if err != nil {
		return nil, err
	}
	files := s.mediaFiles()
	if err := files.Put(ctx, name, img.Data); err != nil {
		return nil, fmt.Errorf("store upload of member %d: %w", owner, err)
	}
	m := &content.Media{Name: name, OwnerID: owner, MediaType: img.MediaType, Width: img.Width, Height: img.Height,
		Size: int64(len(img.Data)), Alt: alt}
	if err := s.db.CreateMedia(ctx, m); err != nil {
		return nil, errors.Join(fmt.Errorf("record upload %s: %w", name, err), files.Remove(name))
	}
	return m, nil
}

// uploadNext is where a browser goes after an upload: the form's next
// field when it is a local path, else the page the form was on.
func (s *Server) uploadNext(r *http.Request) string {
	if next := localPath(r.PostForm.Get("next")); next != "" {
		return next
	}
	if back := s.refererPath(r); back != "" {
		return back
	}
	return "/"
}

// uploadProblem gives a refused upload its status and message.
func uploadProblem(err error) error {
	e, ok := content.AsError(err)
	if !ok {
		return err
	}
	key := "error.code." + e.Code
	args, ok := uploadArgs[key]
	if !ok {
		return err
	}
	status, ok := uploadStatus[key]
	if !ok {
		status = kindStatus[e.Kind]
	}
	return &problem{status: status, key: key, args: args, field: e.Field, err: err}
}

// refuseJSON answers a failed upload as JSON, as fail does with a page.
func (s *Server) refuseJSON(w http.ResponseWriter, r *http.Request, err error) {
	p := s.problemOf(err)
	s.logProblem(r, p)
	s.problemHeaders(w, p)
	msg := s.catalogs[reqFrom(r.Context()).lang].t(p.key, p.args...)
	if err := writeJSON(w, p.status, uploadRefusal{Error: msg, Field: p.field}); err != nil {
		s.log.Warn("write upload refusal", "request_id", reqFrom(r.Context()).id, "err", err)
	}
}

func writeJSON(w http.ResponseWriter, status int, v any) error {
	body, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("encode answer: %w", err)
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, err = w.Write(body)
	return err
}

// wantsJSON reports whether the client asked for JSON rather than a page.
func wantsJSON(r *http.Request) bool {
	for part := range strings.SplitSeq(r.Header.Get("Accept"), ",") {
		mt, params, err := mime.ParseMediaType(strings.TrimSpace(part))
		if err != nil || mt != "application/json" {
			continue
		}
		if q, err := strconv.ParseFloat(params["q"], 64); err == nil && q == 0 {
			continue
		}
		return true
	}
	return false
}

// serveMedia serves an uploaded image to anyone, as the stored type and
// with long caching; conditional and range requests are answered by
// http.ServeContent.
func (s *Server) serveMedia(w http.ResponseWriter, r *http.Request) error {
	name := r.PathValue("name")
	notFound := &problem{status: http.StatusNotFound, key: "error.not_found", detail: "no media " + name}
	if !storage.ValidFileName(name) {
		return notFound
	}
	m, err := s.db.MediaByName(r.Context(), name)
	if content.KindOf(err) == content.KindNotFound {
		return notFound
	}
	if err != nil {
		return err
	}
	f, err := s.mediaFiles().Open(name)
	if content.KindOf(err) == content.KindNotFound {
		s.log.Warn("media file missing", "request_id", reqFrom(r.Context()).id, "name", name)
		return notFound
	}
	if err != nil {
		return err
	}
	defer f.Close()
	h := w.Header()
	h.Set("Content-Type", m.MediaType)
	h.Set("Cache-Control", mediaCacheControl)
	h.Set("Content-Security-Policy", mediaCSP)
	h.Set("X-Content-Type-Options", "nosniff")
	random, _, _ := strings.Cut(name, ".")
	h.Set("ETag", `"`+random+`"`) // the name is never reused: a strong validator
	http.ServeContent(w, r, "", m.CreatedAt, f)
	return nil
}
