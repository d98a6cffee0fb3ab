package web

import (
	"embed"
	"encoding/json"
	"fmt"
	"io/fs"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"kring/content"
)

//go:embed locales/*.json
var localeFS embed.FS

// catalog maps message keys to text in one language. Placeholders are {0},
// {1}, ... so translators can reorder arguments.
type catalog map[string]string

// t returns the message for key with its placeholders filled. A missing key
// shows as [[key]] so that it stands out on a page and in tests rather than
// passing silently.
func (c catalog) t(key string, args ...any) string {
	msg, ok := c[key]
	if !ok {
		return "[[" + key + "]]"
	}
	if len(args) == 0 {
		return msg
	}
	pairs := make([]string, 0, 2*len(args))
	for i, a := range args {
		pairs = append(pairs, "{"+strconv.Itoa(i)+"}", fmt.Sprint(a))
	}
	return strings.NewReplacer(pairs...).Replace(msg)
}

// loadCatalogs reads one catalogue per supported language: locales/nl.json
// and any locales/nl.*.json parts (one per feature, so that features add
// their messages without touching each other's files). A key defined twice
// is an error.
func loadCatalogs() (map[content.Language]catalog, error) {
	out := make(map[content.Language]catalog, len(content.Languages))
	for _, lang := range content.Languages {
		parts, err := fs.Glob(localeFS, "locales/"+string(lang)+".*json")
		if err != nil {
			return nil, err
		}
		c := catalog{}
		for _, name := range parts {
			b, err := localeFS.ReadFile(name)
			if err != nil {
				return nil, fmt.Errorf("read catalogue %s: %w", name, err)
			}
			var part catalog
			if err := json.Unmarshal(b, &part); err != nil {
				return nil, fmt.Errorf("parse catalogue %s: %w", name, err)
			}
			for k, v := range part {
				if _, dup := c[k]; dup {
					return nil, fmt.Errorf("catalogue %s: key %q is defined twice", name, k)
				}
				c[k] = v
			}
		}
		if len(c) == 0 {
			return nil, fmt.Errorf("no catalogue for %s", lang)
		}
		out[lang] = c
	}
	return out, nil
}

// langCookie holds a visitor's explicit language choice; it outranks the
// member's setting so that a shared computer can be switched without
// changing anyone's profile.
const langCookie = "kring_lang"

// chooseLanguage picks the page language: an explicit choice, else the
// member's own setting, else the browser's preference, else the node's
// default.
func chooseLanguage(r *http.Request, member *content.Member, nodeDefault content.Language) content.Language {
	if c, err := r.Cookie(langCookie); err == nil {
		if l, err := content.ParseLanguage(c.Value); err == nil {
			return l
		}
	}
	if member != nil {
		if l, err := content.ParseLanguage(string(member.Language)); err == nil {
			return l
		}
	}
	if l, ok := preferredLanguage(r.Header.Get("Accept-Language")); ok {
		return l
	}
	if l, err := content.ParseLanguage(string(nodeDefault)); err == nil {
		return l
	}
	return content.Languages[0]
}

// maxAcceptLanguageTags bounds the work a hostile header can cause.
const maxAcceptLanguageTags = 32

type weightedTag struct {
	tag string
	q   float64
}

// preferredLanguage returns the supported language the browser ranks
// highest (RFC 9110 §12.5.4). A wildcard before any supported tag, or no
// supported tag at all, leaves the choice to the node.
func preferredLanguage(header string) (content.Language, bool) {
	var tags []weightedTag
	for i, part := range strings.Split(header, ",") {
		if i == maxAcceptLanguageTags {
			break
		}
		tag, params, _ := strings.Cut(part, ";")
		tag = strings.TrimSpace(tag)
		if tag == "" {
			continue
		}
		q, ok := qValue(params)
		if !ok || q == 0 {
			continue
		}
		tags = append(tags, weightedTag{tag: tag, q: q})
	}
	// Stable, so equal weights keep the browser's order.
	slices.SortStableFunc(tags, func(a, b weightedTag) int {
		switch {
		case a.q > b.q:
			return -1
		case a.q < b.q:
			return 1
		}
		return 0
	})
	for _, wt := range tags {
		if wt.tag == "*" {
			return "", false
		}
		if l, err := content.ParseLanguage(wt.tag); err == nil {
			return l, true
		}
	}
	return "", false
}

// qValue reads the weight from an Accept-Language entry's parameters; no
// weight means 1.
func qValue(params string) (float64, bool) {
	params = strings.TrimSpace(params)
	if params == "" {
		return 1, true
	}
	name, value, ok := strings.Cut(params, "=")
	if !ok || !strings.EqualFold(strings.TrimSpace(name), "q") {
		return 0, false
	}
	q, err := strconv.ParseFloat(strings.TrimSpace(value), 64)
	if err != nil || q < 0 || q > 1 {
		return 0, false
	}
	return q, true
}
