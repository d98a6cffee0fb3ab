package fedtest

import (
	"bufio"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// Fixture is one row of the corpus's MANIFEST.tsv.
type Fixture struct {
	Dir        string // the corpus folder
	File       string // path inside it, e.g. "mastodon/person.json"
	Software   string
	What       string // type(object type) as stored, e.g. "Person", "Create(Note)"
	IDHost     string
	ActorHost  string
	ObjectHost string
	Flags      []string // negative, placeholder, scrubbed, http_capture, cross_origin, ld_signature
}

// Has reports whether the manifest flags the fixture with flag.
func (f Fixture) Has(flag string) bool { return slices.Contains(f.Flags, flag) }

// Read returns the fixture's bytes exactly as stored.
func (f Fixture) Read(t testing.TB) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(f.Dir, filepath.FromSlash(f.File)))
	if err != nil {
		t.Fatalf("read fixture %s: %v", f.File, err)
	}
	return b
}

// Document returns the ActivityPub document of the fixture: the body of
// an HTTP capture ({"headers": ..., "body": "<JSON as a string>"}), else
// the bytes as stored.
func (f Fixture) Document(t testing.TB) []byte {
	t.Helper()
	b := f.Read(t)
	if !f.Has("http_capture") && !strings.HasPrefix(filepath.Base(f.File), "http_response_") {
		return b
	}
	var capture struct {
		Body string `json:"body"`
	}
	if err := json.Unmarshal(b, &capture); err != nil {
		t.Fatalf("fixture %s: not an HTTP capture: %v", f.File, err)
	}
	return []byte(capture.Body)
}

// CorpusDir finds shared/fixtures/activitypub in the working directory or
// one of its parents, or returns "" when the corpus is not there.
func CorpusDir() string {
	dir, err := os.Getwd()
	if err != nil {
		return ""
	}
	for {
		c := filepath.Join(dir, "shared", "fixtures", "activitypub")
		if _, err := os.Stat(filepath.Join(c, "MANIFEST.tsv")); err == nil {
			return c
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return ""
		}
		dir = parent
	}
}

// Corpus reads the manifest. ok is false when the corpus is absent, so a
// test can say so and return; a corpus that is present but unreadable
// fails the test.
func Corpus(t testing.TB) (fixtures []Fixture, ok bool) {
	t.Helper()
	dir := CorpusDir()
	if dir == "" {
		return nil, false
	}
	file, err := os.Open(filepath.Join(dir, "MANIFEST.tsv"))
	if err != nil {
		t.Fatalf("open corpus manifest: %v", err)
	}
	defer file.Close()
	sc := bufio.NewScanner(file)
	header := true
	for sc.Scan() {
		if header { // file software what id_host actor_host object_host flags origin...
			header = false
			continue
		}
		cols := strings.Split(sc.Text(), "\t")
		if len(cols) < 7 {
			t.Fatalf("corpus manifest: short row %q", sc.Text())
		}
		f := Fixture{Dir: dir, File: cols[0], Software: cols[1], What: cols[2],
			IDHost: cols[3], ActorHost: cols[4], ObjectHost: cols[5]}
		if cols[6] != "" {
			f.Flags = strings.Split(cols[6], ",")
		}
		fixtures = append(fixtures, f)
	}
	if err := sc.Err(); err != nil {
		t.Fatalf("read corpus manifest: %v", err)
	}
	return fixtures, true
}
