package federation

import (
	"bytes"
	"encoding/json"
	"net/url"
	"slices"
	"unicode/utf8"
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
	if raw[0] == '"' {
		s, _ := jsonStringValue(raw)
		return s
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
		var ss []string
		if json.Unmarshal(raw, &ss) == nil { // the usual case: one pass
			if ss = slices.DeleteFunc(ss, func(s string) bool { return s == "" }); len(ss) == 0 {
				return nil
			}
			return ss
		}
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
	if s, ok := jsonStringValue(raw); ok {
		return s
	}
	var ss []string
	if json.Unmarshal(raw, &ss) == nil && len(ss) > 0 {
		return ss[0]
	}
	return ""
}

// jsonStringValue reads a JSON string. Ids and types are plain ASCII, so
// a string without escapes is its own value and needs no decoder (most of
// what the inbox reads, thousands of times a second).
func jsonStringValue(raw []byte) (string, bool) {
	if len(raw) < 2 || raw[0] != '"' {
		return "", false
	}
	if inner := raw[1 : len(raw)-1]; raw[len(raw)-1] == '"' && bytes.IndexByte(inner, '\\') < 0 && bytes.IndexByte(inner, '"') < 0 {
		if plain := !bytes.ContainsFunc(inner, func(r rune) bool { return r < 0x20 || r == utf8.RuneError }); plain {
			return string(inner), true
		}
	}
	var s string
	if json.Unmarshal(raw, &s) != nil {
		return "", false
	}
	return s, true
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
