package storage_test

import (
	"context"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"kring/content"
	"kring/storage"
	"kring/storage/storagetest"
)

func newMedia(owner int64, name string) *content.Media {
	return &content.Media{Name: name, OwnerID: owner, MediaType: "image/png", Width: 20, Height: 10, Size: 123, Alt: "A heron"}
}

func TestMedia(t *testing.T) {
	ctx := context.Background()
	db := storagetest.Open(t)
	clock := time.Date(2026, 3, 14, 12, 0, 0, 0, time.UTC)
	db.SetClock(func() time.Time { return clock })
	ada := storagetest.Member(t, db, "ada", content.RoleMember, "correct horse battery")
	bob := storagetest.Member(t, db, "bob", content.RoleMember, "correct horse battery")

	first := newMedia(ada.ID, "aaaa.png")
	if err := db.CreateMedia(ctx, first); err != nil {
		t.Fatal(err)
	}
	if first.ID == 0 || !first.CreatedAt.Equal(clock) {
		t.Fatalf("after create: id %d, created %v", first.ID, first.CreatedAt)
	}

	t.Run("read back by name and id", func(t *testing.T) {
		for name, read := range map[string]func() (*content.Media, error){
			"name": func() (*content.Media, error) { return db.MediaByName(ctx, "aaaa.png") },
			"id":   func() (*content.Media, error) { return db.MediaByID(ctx, first.ID) },
		} {
			got, err := read()
			if err != nil {
				t.Fatalf("by %s: %v", name, err)
			}
			if diff := cmp.Diff(first, got); diff != "" {
				t.Errorf("by %s (-created +read):\n%s", name, diff)
			}
		}
	})
	t.Run("unknown is not found", func(t *testing.T) {
		if _, err := db.MediaByName(ctx, "nope.png"); content.KindOf(err) != content.KindNotFound {
			t.Errorf("by name: err = %v, want not found", err)
		}
		if _, err := db.MediaByID(ctx, 9999); content.KindOf(err) != content.KindNotFound {
			t.Errorf("by id: err = %v, want not found", err)
		}
	})
	t.Run("refused rows", func(t *testing.T) {
		tests := []struct {
			name string
			m    *content.Media
			want content.Kind
		}{
			{"name taken", newMedia(bob.ID, "aaaa.png"), content.KindConflict},
			{"unknown owner", newMedia(424242, "bbbb.png"), content.KindNotFound},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				if err := db.CreateMedia(ctx, tt.m); content.KindOf(err) != tt.want {
					t.Errorf("err = %v (kind %v), want %v", err, content.KindOf(err), tt.want)
				}
			})
		}
	})
	t.Run("by owner, newest first, limited", func(t *testing.T) {
		for _, name := range []string{"cccc.gif", "dddd.webp", "eeee.jpg"} {
			if err := db.CreateMedia(ctx, newMedia(ada.ID, name)); err != nil {
				t.Fatal(err)
			}
		}
		if err := db.CreateMedia(ctx, newMedia(bob.ID, "ffff.png")); err != nil {
			t.Fatal(err)
		}
		tests := []struct {
			limit int
			want  []string
		}{
			{0, []string{"eeee.jpg", "dddd.webp", "cccc.gif", "aaaa.png"}},
			{2, []string{"eeee.jpg", "dddd.webp"}},
		}
		for _, tt := range tests {
			list, err := db.MediaByOwner(ctx, ada.ID, tt.limit)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, m := range list {
				got = append(got, m.Name)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("limit %d (-want +got):\n%s", tt.limit, diff)
			}
		}
	})
	t.Run("delete", func(t *testing.T) {
		m := newMedia(ada.ID, "gggg.png")
		if err := db.CreateMedia(ctx, m); err != nil {
			t.Fatal(err)
		}
		if _, err := db.DeleteMedia(ctx, m.ID, bob.ID); content.KindOf(err) != content.KindNotFound {
			t.Errorf("by another member: err = %v, want not found", err)
		}
		name, err := db.DeleteMedia(ctx, m.ID, ada.ID)
		if err != nil || name != "gggg.png" {
			t.Fatalf("delete = %q, %v; want gggg.png", name, err)
		}
		if _, err := db.MediaByID(ctx, m.ID); content.KindOf(err) != content.KindNotFound {
			t.Errorf("after delete: err = %v, want not found", err)
		}
		if _, err := db.DeleteMedia(ctx, m.ID, ada.ID); content.KindOf(err) != content.KindNotFound {
			t.Errorf("twice: err = %v, want not found", err)
		}
	})
	t.Run("an image a post shows stays", func(t *testing.T) {
		shown, cover := newMedia(ada.ID, "hhhh.png"), newMedia(ada.ID, "iiii.png")
		for _, m := range []*content.Media{shown, cover} {
			if err := db.CreateMedia(ctx, m); err != nil {
				t.Fatal(err)
			}
		}
		post := &content.Post{IRI: "https://kring.test/@ada/posts/1", AuthorID: ada.ID, Slug: "heron", Title: "Heron",
			Body: "A heron.", Content: "<p>A heron.</p>", Language: content.LanguageEnglish, Visibility: content.VisibilityPublic,
			State: content.PostDraft, CoverID: cover.ID, MediaIDs: []int64{shown.ID}}
		if err := db.SavePost(ctx, storage.PostChange{Post: post}); err != nil {
			t.Fatalf("save post: %v", err)
		}
		for _, m := range []*content.Media{shown, cover} {
			if _, err := db.DeleteMedia(ctx, m.ID, ada.ID); content.KindOf(err) != content.KindConflict {
				t.Errorf("delete %s: err = %v, want conflict", m.Name, err)
			}
			if _, err := db.MediaByID(ctx, m.ID); err != nil {
				t.Errorf("%s after refused delete: %v", m.Name, err)
			}
		}
	})
}

func TestFiles(t *testing.T) {
	ctx := context.Background()
	dir := filepath.Join(t.TempDir(), "data", storage.MediaFolder)
	files := storage.Files{Dir: dir}
	data := []byte("\x89PNG not really")

	if err := files.Put(ctx, "0123abcd.png", data); err != nil {
		t.Fatalf("put into a missing folder: %v", err)
	}
	t.Run("read back", func(t *testing.T) {
		f, err := files.Open("0123abcd.png")
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		got, err := io.ReadAll(f)
		if err != nil || string(got) != string(data) {
			t.Errorf("read %q, %v; want %q", got, err, data)
		}
	})
	t.Run("mode and no leftovers", func(t *testing.T) {
		info, err := os.Stat(filepath.Join(dir, "0123abcd.png"))
		if err != nil {
			t.Fatal(err)
		}
		if mode := info.Mode().Perm(); mode != 0o600 {
			t.Errorf("mode %v, want 0600", mode)
		}
		entries, err := os.ReadDir(dir)
		if err != nil {
			t.Fatal(err)
		}
		if len(entries) != 1 {
			t.Errorf("folder holds %d entries, want the file alone (no temporary files)", len(entries))
		}
	})
	t.Run("names", func(t *testing.T) {
		tests := []struct {
			name string
			ok   bool
		}{
			{"0123abcd.png", true},
			{"ff.jpg", true},
			{"ab.webp", true},
			{"ab.gif", true},
			{"../kring.db", false},
			{"..%2fkring.db", false},
			{"a/b.png", false},
			{"ABCD.png", false},
			{".png", false},
			{"abcd.svg", false},
			{"abcd.png.html", false},
			{"abcd.PNG", false},
			{"abcd.png\n", false},
			{"", false},
		}
		for _, tt := range tests {
			if got := storage.ValidFileName(tt.name); got != tt.ok {
				t.Errorf("ValidFileName(%q) = %v, want %v", tt.name, got, tt.ok)
			}
			if tt.ok {
				continue
			}
			if err := files.Put(ctx, tt.name, data); content.KindOf(err) != content.KindInvalid {
				t.Errorf("Put(%q): err = %v, want invalid", tt.name, err)
			}
			if _, err := files.Open(tt.name); content.KindOf(err) != content.KindInvalid {
				t.Errorf("Open(%q): err = %v, want invalid", tt.name, err)
			}
			if err := files.Remove(tt.name); content.KindOf(err) != content.KindInvalid {
				t.Errorf("Remove(%q): err = %v, want invalid", tt.name, err)
			}
		}
	})
	t.Run("missing file", func(t *testing.T) {
		_, err := files.Open("ffff.gif")
		if content.KindOf(err) != content.KindNotFound || !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("err = %v, want not found and fs.ErrNotExist", err)
		}
	})
	t.Run("remove", func(t *testing.T) {
		if err := files.Remove("0123abcd.png"); err != nil {
			t.Fatal(err)
		}
		if _, err := files.Open("0123abcd.png"); content.KindOf(err) != content.KindNotFound {
			t.Errorf("after remove: err = %v, want not found", err)
		}
		if err := files.Remove("0123abcd.png"); err != nil {
			t.Errorf("removing again: %v", err)
		}
	})
	t.Run("cancelled context", func(t *testing.T) {
		cctx, cancel := context.WithCancel(ctx)
		cancel()
		if err := files.Put(cctx, "abcd.png", data); !errors.Is(err, context.Canceled) {
			t.Errorf("err = %v, want context.Canceled", err)
		}
	})
}

func TestMediaDir(t *testing.T) {
	if got, want := storage.MediaDir("/srv/kring"), filepath.Join("/srv/kring", "media"); got != want {
		t.Errorf("MediaDir = %q, want %q", got, want)
	}
}
