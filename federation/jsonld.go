package federation

import (
	"bytes"
	"encoding/json"
	"net/url"
)

// Public is the only form of the public collection we emit.
const Public = "https://www.w3.org/ns/activitystreams#Public"

// ASContext is the ActivityStreams context every document must carry:
// Mastodon ignores documents without it.
const ASContext = "https://www.w3.org/ns/activitystreams"

// idOf reads an id from a value that may be an IRI string or an embedded
// object with an "id": servers send either.
func idOf(raw json.RawMessage) string {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 {
		return ""
	}
	var s string
	if raw[0] == '"' {
		if json.Unmarshal(raw, &s) == nil {
			return s
		}
		return ""
	}
	var obj struct {
		ID string `json:"id"`
	}
	if raw[0] == '{' && json.Unmarshal(raw, &obj) == nil {
		return obj.ID
	}
	return ""
}

// idsOf reads a single value or an array of them (strings or objects).
func idsOf(raw json.RawMessage) []string {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 {
		return nil
	}
	if raw[0] == '[' {
		var items []json.RawMessage
		if json.Unmarshal(raw, &items) != nil {
			return nil
		}
		var out []string
		for _, it := range items {
			if id := idOf(it); id != "" {
				out = append(out, id)
			}
		}
		return out
	}
	if id := idOf(raw); id != "" {
		return []string{id}
	}
	return nil
}

// typeOf reads "type", which may be a string or an array of strings.
func typeOf(raw json.RawMessage) string {
	raw = bytes.TrimSpace(raw)
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	var ss []string
	if json.Unmarshal(raw, &ss) == nil && len(ss) > 0 {
		return ss[0]
	}
	return ""
}

// isPublic reports whether an addressing list names the public
// collection, in any of the three spellings servers use.
func isPublic(ids []string) bool {
	for _, id := range ids {
		if id == Public || id == "as:Public" || id == "Public" {
			return true
		}
	}
	return false
}

// hostOf is the host (with port) of an IRI, or "".
func hostOf(iri string) string {
	u, err := url.Parse(iri)
	if err != nil {
		return ""
	}
	return u.Host
}

// marshalAS encodes an ActivityStreams document without escaping HTML:
// content fields hold HTML, and \u003c in them puzzles some servers.
func marshalAS(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimRight(buf.Bytes(), "\n"), nil
}
