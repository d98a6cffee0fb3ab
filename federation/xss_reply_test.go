package federation_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/html"

	"kring/content"
	"kring/federation"
	"kring/federation/fedtest"
	"kring/storage/storagetest"
)

// TestXSSThroughRemoteReplies sends every vector of the XSS corpus as the
// content, the summary and the name of a signed remote reply to a post
// and checks what is stored: nothing executable survives, while the
// reply itself is kept.
func TestXSSThroughRemoteReplies(t *testing.T) {
	vectors := xssVectors(t)
	ctx := context.Background()
	key := fedtest.Key(t, 0)
	remote := fedtest.NewRemote(t)
	remote.ServeAnyActor(key)
	node := fedtest.NewNode(t, fedtest.NodeOptions{})
	alice := storagetest.Member(t, node.DB, "alice", content.RoleMember, "correct horse battery staple")
	env := &corpusEnv{node: node, remote: remote, alice: alice, key: key}
	post, err := node.SavePost(ctx, alice, nil, federation.PostInput{Title: "Vraag", Body: "Wat vindt u?", Language: content.LanguageDutch})
	if err != nil {
		t.Fatal(err)
	}
	actor := "https://evil.example/users/mallory"
	env.storeActor(t, actor)
	signer := federation.Signer{KeyID: actor + "#main-key", Key: key}
	for i, v := range vectors {
		id := fmt.Sprintf("https://evil.example/notes/%d", i)
		doc := map[string]any{
			"@context": federation.ASContext, "id": id + "/activity", "type": "Create", "actor": actor,
			"to": []string{federation.Public},
			"object": map[string]any{"id": id, "type": "Note", "attributedTo": actor, "inReplyTo": post.IRI,
				"content": v, "summary": v, "name": v, "to": []string{federation.Public}},
		}
		body, _ := json.Marshal(doc)
		if got := fedtest.Post(t, node.SharedInbox(), body, signer.SignPost); got.Status != 202 {
			t.Fatalf("vector %d: status %d %s", i, got.Status, got.Body)
		}
		node.WaitProcessed(t, id+"/activity", 10*time.Second)
		o, err := node.DB.ObjectByIRI(ctx, id)
		if err != nil {
			t.Fatalf("vector %d not stored: %v", i, err)
		}
		for field, stored := range map[string]string{"content": o.Content, "summary": o.Summary, "name": o.Name} {
			if why := executable(stored); why != "" {
				t.Errorf("vector %d %q: stored %s %q has %s", i, v, field, stored, why)
			}
		}
	}
}

// executable names what in an HTML fragment could run code, or "".
func executable(fragment string) string {
	z := html.NewTokenizer(strings.NewReader(fragment))
	for {
		switch z.Next() {
		case html.ErrorToken:
			return ""
		case html.StartTagToken, html.SelfClosingTagToken:
			tok := z.Token()
			switch tok.Data {
			case "script", "iframe", "object", "embed", "svg", "math", "base", "meta", "link", "style", "form", "input", "frame", "template":
				return "a <" + tok.Data + "> element"
			}
			for _, a := range tok.Attr {
				v := strings.ToLower(strings.Join(strings.Fields(a.Val), ""))
				switch {
				case strings.HasPrefix(a.Key, "on"):
					return "an event handler"
				case a.Key == "style":
					return "a style attribute"
				case strings.HasPrefix(v, "javascript:") || strings.HasPrefix(v, "data:") || strings.HasPrefix(v, "vbscript:"):
					return "a script URL"
				}
			}
		}
	}
}

func xssVectors(t *testing.T) []string {
	t.Helper()
	f, err := os.Open("../content/testdata/xss_vectors.txt")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	unescape := strings.NewReplacer(`\\`, `\`, `\n`, "\n", `\r`, "\r", `\t`, "\t", `\0`, "\x00", `\#`, "#")
	var out []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if line := sc.Text(); line != "" && !strings.HasPrefix(line, "#") {
			out = append(out, unescape.Replace(line))
		}
	}
	if len(out) < 60 {
		t.Fatalf("%d XSS vectors, want at least 60", len(out))
	}
	return out
}
