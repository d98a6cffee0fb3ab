package federation

import (
	"errors"
	"mime"
	"net/http"
	"slices"
	"strconv"
	"strings"
)

// WantsActivityJSON reports whether a request asks for an ActivityStreams
// document rather than a web page: its Accept header names
// application/activity+json or application/ld+json (with or without the
// ActivityStreams profile) with q > 0, at least as strongly as it names
// text/html. A tie goes to AS2 because browsers never name those types:
// a client that does is a fediverse server. Wildcards count for neither,
// so a bare */* (curl) gets the web page.
func WantsActivityJSON(r *http.Request) bool {
	as, page := 0.0, 0.0
	for _, h := range r.Header.Values("Accept") {
		for part := range strings.SplitSeq(h, ",") {
			// A malformed parameter (an unquoted profile URL, as some
			// servers send) still yields the media type, with q=1.
			mt, params, err := mime.ParseMediaType(strings.TrimSpace(part))
			if mt == "" || (err != nil && !errors.Is(err, mime.ErrInvalidMediaParameter)) {
				continue
			}
			q := 1.0
			if v, ok := params["q"]; ok {
				if q, err = strconv.ParseFloat(v, 64); err != nil {
					continue
				}
			}
			switch mt {
			case "application/activity+json", "application/ld+json":
				as = max(as, q)
			case "text/html", "application/xhtml+xml":
				page = max(page, q)
			}
		}
	}
	return as > 0 && as >= page
}

// varyAccept marks a response as negotiated on Accept, once, so that
// caches keep the HTML and the AS2 answer apart.
func varyAccept(w http.ResponseWriter) {
	if !slices.Contains(w.Header().Values("Vary"), "Accept") {
		w.Header().Add("Vary", "Accept")
	}
}
