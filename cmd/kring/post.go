package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/urfave/cli/v2"

	"kring/content"
	"kring/federation"
	"kring/storage"
)

// postConfig is what `kring post` needs. Without a title it publishes a
// short public Note; with one, a blog post written in Markdown.
type postConfig struct {
	commonConfig
	As   string
	Text string
	File string
	Slug string // edit and delete: which post
	post federation.PostInput
	set  func(flag string) bool // whether a flag was given (edits keep the rest)
}

func postFlags() []cli.Flag {
	return []cli.Flag{
		&cli.StringFlag{Name: "as", Usage: "the member who posts", EnvVars: []string{"KRING_AS"}},
		&cli.StringFlag{Name: "text", Usage: "the text (Markdown for a blog post)", EnvVars: []string{"KRING_POST_TEXT"}},
		&cli.StringFlag{Name: "file", Usage: "read the text from FILE (- for standard input)", EnvVars: []string{"KRING_POST_FILE"}},
		&cli.StringFlag{Name: "title", Usage: "publish a blog post with this title (without it: a short note)", EnvVars: []string{"KRING_POST_TITLE"}},
		&cli.StringFlag{Name: "summary", Usage: "the blog post's lead (default: its first paragraph)", EnvVars: []string{"KRING_POST_SUMMARY"}},
		&cli.StringFlag{Name: "tags", Usage: "extra hashtags, separated by commas or spaces", EnvVars: []string{"KRING_POST_TAGS"}},
		&cli.StringFlag{Name: "lang", Usage: "the post's language: nl or en (default: the member's)", EnvVars: []string{"KRING_POST_LANG"}},
		&cli.StringFlag{Name: "visibility", Usage: "public, unlisted or followers", Value: "public", EnvVars: []string{"KRING_POST_VISIBILITY"}},
		&cli.BoolFlag{Name: "as-note", Usage: "federate the blog post as a Note with the full text", EnvVars: []string{"KRING_POST_AS_NOTE"}},
		&cli.BoolFlag{Name: "draft", Usage: "save as a draft: nothing is published", EnvVars: []string{"KRING_POST_DRAFT"}},
		&cli.StringFlag{Name: "media", Usage: "ids of the member's uploaded images to show, in order, e.g. 3,4 (kring media list)", EnvVars: []string{"KRING_POST_MEDIA"}},
		&cli.Int64Flag{Name: "cover", Usage: "id of the uploaded image to show as the cover", EnvVars: []string{"KRING_POST_COVER"}},
	}
}

func postCommand(s streams) *cli.Command {
	return &cli.Command{
		Name:      "post",
		Usage:     "publish a note or a blog post as a member; a running kring serve delivers it",
		UsageText: "kring post --as NAME [--title T] (--text TEXT | --file FILE | -) [--data DIR]",
		Flags:     append(commonFlags(), postFlags()...),
		Action: func(c *cli.Context) error {
			cfg, err := postConfigFrom(c, false)
			if err != nil {
				return err
			}
			return runPost(c.Context, cfg, s)
		},
	}
}

// postsCommand manages blog posts already written. It is a command of its
// own: `kring post "text"` takes its text as an argument, which a
// subcommand name would shadow.
func postsCommand(s streams) *cli.Command {
	return &cli.Command{
		Name:  "posts",
		Usage: "list, edit and delete a member's blog posts",
		Subcommands: []*cli.Command{
			{
				Name:      "edit",
				Usage:     "change a blog post; a published one sends Update to its readers' servers",
				UsageText: "kring posts edit --as NAME --slug SLUG --title T (--text TEXT | --file FILE) [--data DIR]",
				Flags: append(append(commonFlags(), postFlags()...),
					&cli.StringFlag{Name: "slug", Usage: "the post to change (the last part of its address)", EnvVars: []string{"KRING_POST_SLUG"}}),
				Action: func(c *cli.Context) error {
					cfg, err := postConfigFrom(c, true)
					if err != nil {
						return err
					}
					return runPostEdit(c.Context, cfg, s)
				},
			},
			{
				Name:      "delete",
				Usage:     "delete a blog post; a published one sends Delete and its address answers 410 Gone",
				UsageText: "kring posts delete --as NAME --slug SLUG [--data DIR]",
				Flags: append(commonFlags(),
					&cli.StringFlag{Name: "as", Usage: "the post's author", EnvVars: []string{"KRING_AS"}},
					&cli.StringFlag{Name: "slug", Usage: "the post to delete", EnvVars: []string{"KRING_POST_SLUG"}}),
				Action: func(c *cli.Context) error {
					common, err := commonConfigFrom(c)
					if err != nil {
						return err
					}
					if err := noArgs(c); err != nil {
						return err
					}
					cfg := postConfig{commonConfig: common, As: c.String("as"), Slug: c.String("slug")}
					if cfg.As == "" || cfg.Slug == "" {
						return usageError(c, "give --as NAME and --slug SLUG")
					}
					return runPostDelete(c.Context, cfg, s)
				},
			},
			{
				Name:      "list",
				Usage:     "list a member's blog posts, drafts included",
				UsageText: "kring posts list --as NAME [--data DIR]",
				Flags: append(commonFlags(),
					&cli.StringFlag{Name: "as", Usage: "the member whose posts to list", EnvVars: []string{"KRING_AS"}}),
				Action: func(c *cli.Context) error {
					common, err := commonConfigFrom(c)
					if err != nil {
						return err
					}
					if err := noArgs(c); err != nil {
						return err
					}
					if c.String("as") == "" {
						return usageError(c, "--as is missing: name the member")
					}
					return runPostList(c.Context, postConfig{commonConfig: common, As: c.String("as")}, s)
				},
			},
		},
	}
}

func postConfigFrom(c *cli.Context, edit bool) (postConfig, error) {
	common, err := commonConfigFrom(c)
	if err != nil {
		return postConfig{}, err
	}
	cfg := postConfig{commonConfig: common, As: c.String("as"), Text: c.String("text"), File: c.String("file")}
	if cfg.Text == "" && cfg.File == "" && c.NArg() == 1 {
		cfg.Text = c.Args().First() // kring post --as alice "hello"
	} else if err := noArgs(c); err != nil {
		return cfg, err
	}
	if cfg.As == "" {
		return cfg, usageError(c, "--as is missing: name the member who posts")
	}
	if (cfg.Text == "") == (cfg.File == "") {
		return cfg, usageError(c, "give the text as --text TEXT or --file FILE, not both")
	}
	in := federation.PostInput{Title: c.String("title"), Summary: c.String("summary"), AsNote: c.Bool("as-note"), Draft: c.Bool("draft"),
		Tags: strings.FieldsFunc(c.String("tags"), func(r rune) bool { return r == ',' || r == ' ' || r == '#' })}
	if edit {
		if cfg.Slug = c.String("slug"); cfg.Slug == "" {
			return cfg, usageError(c, "--slug is missing: name the post to change")
		}
		if in.Title == "" {
			return cfg, usageError(c, "--title is missing: a blog post needs its title")
		}
	}
	if in.Title == "" && (in.Summary != "" || in.AsNote || in.Draft || c.String("tags") != "" || c.String("media") != "" || c.Int64("cover") != 0) {
		return cfg, usageError(c, "--summary, --tags, --media, --cover, --as-note and --draft are for blog posts: add --title")
	}
	for _, v := range strings.FieldsFunc(c.String("media"), func(r rune) bool { return r == ',' || r == ' ' }) {
		id, err := strconv.ParseInt(v, 10, 64)
		if err != nil || id <= 0 {
			return cfg, usageError(c, "--media %q: give image ids separated by commas, e.g. --media 3,4 (kring media list shows them)", v)
		}
		in.MediaIDs = append(in.MediaIDs, id)
	}
	in.CoverID = c.Int64("cover")
	if v := c.String("lang"); v != "" {
		if in.Language, err = content.ParseLanguage(v); err != nil {
			return cfg, usageError(c, "%s", err.Error())
		}
	}
	// An edit changes what its flags name and keeps the rest.
	if !edit || c.IsSet("visibility") {
		if in.Visibility, err = content.ParseVisibility(c.String("visibility")); err != nil {
			return cfg, usageError(c, "%s", err.Error())
		}
	}
	cfg.post = in
	cfg.set = func(name string) bool { return c.IsSet(name) }
	return cfg, nil
}

// postSession opens the node for a member who writes.
func postSession(ctx context.Context, cfg postConfig, s streams) (*postWriter, *content.Member, func(), error) {
	db, node, err := openNode(ctx, cfg.commonConfig)
	if err != nil {
		return nil, nil, nil, err
	}
	m, err := db.MemberByUsername(ctx, cfg.As)
	if err != nil {
		db.Close()
		return nil, nil, nil, err
	}
	if m.Suspended {
		db.Close()
		return nil, nil, nil, failure("kring user unsuspend "+m.Username+" first", "member %q is suspended and cannot post", m.Username)
	}
	fed, err := newFederation(db, node, fedOptions{}, newLogger(s.err, cfg.commonConfig))
	if err != nil {
		db.Close()
		return nil, nil, nil, err
	}
	return &postWriter{Node: fed, db: db}, m, func() { db.Close() }, nil
}

// postWriter is the node as a command that writes posts uses it.
type postWriter struct {
	*federation.Node
	db *storage.DB
}

func (cfg *postConfig) readText(s streams) error {
	if cfg.File == "" {
		return nil
	}
	text, err := readTextFile(cfg.File, s.in)
	cfg.Text = text
	return err
}

func runPost(ctx context.Context, cfg postConfig, s streams) error {
	if err := cfg.readText(s); err != nil {
		return err
	}
	fed, m, done, err := postSession(ctx, cfg, s)
	if err != nil {
		return err
	}
	defer done()
	if cfg.post.Title == "" {
		obj, err := fed.PublishNote(ctx, m, cfg.Text)
		if err != nil {
			return err
		}
		fmt.Fprintf(s.out, "Published %s\n", obj.IRI)
		return nil
	}
	cfg.post.Body = cfg.Text
	p, err := fed.SavePost(ctx, m, nil, cfg.post)
	if err != nil {
		return err
	}
	return printPost(s, fed.Node, p)
}

func printPost(s streams, fed *federation.Node, p *content.Post) error {
	url := fed.IRIs().PostURL(p.Author, p.Slug)
	if p.State == content.PostDraft {
		fmt.Fprintf(s.out, "Saved draft %s (%s)\n", p.Slug, url)
		return nil
	}
	fmt.Fprintf(s.out, "Published %s\nid: %s\n", url, p.IRI)
	return nil
}

func runPostEdit(ctx context.Context, cfg postConfig, s streams) error {
	if err := cfg.readText(s); err != nil {
		return err
	}
	fed, m, done, err := postSession(ctx, cfg, s)
	if err != nil {
		return err
	}
	defer done()
	existing, err := fed.db.PostBySlug(ctx, m.Username, cfg.Slug)
	if err != nil {
		return failure("kring posts list --as "+m.Username+" shows the slugs", "%s has no post %q", m.Username, cfg.Slug)
	}
	cfg.post.Body = cfg.Text
	in := &cfg.post
	if !cfg.set("summary") {
		in.Summary = existing.Summary
	}
	if !cfg.set("tags") {
		in.Tags = existing.Tags
	}
	if !cfg.set("lang") {
		in.Language = existing.Language
	}
	if !cfg.set("visibility") {
		in.Visibility = existing.Visibility
	}
	if !cfg.set("as-note") {
		in.AsNote = existing.AsNote
	}
	if !cfg.set("media") && !cfg.set("cover") {
		in.MediaIDs, in.CoverID = existing.MediaIDs, existing.CoverID
	}
	p, err := fed.SavePost(ctx, m, existing, *in)
	if err != nil {
		return err
	}
	return printPost(s, fed.Node, p)
}

func runPostDelete(ctx context.Context, cfg postConfig, s streams) error {
	fed, m, done, err := postSession(ctx, cfg, s)
	if err != nil {
		return err
	}
	defer done()
	p, err := fed.db.PostBySlug(ctx, m.Username, cfg.Slug)
	if err != nil || p.State == content.PostDeleted {
		return failure("kring posts list --as "+m.Username+" shows the slugs", "%s has no post %q", m.Username, cfg.Slug)
	}
	if err := fed.DeletePost(ctx, m, p); err != nil {
		return err
	}
	fmt.Fprintf(s.out, "Deleted %s\n", p.Slug)
	return nil
}

func runPostList(ctx context.Context, cfg postConfig, s streams) error {
	db, _, err := openNode(ctx, cfg.commonConfig)
	if err != nil {
		return err
	}
	defer db.Close()
	m, err := db.MemberByUsername(ctx, cfg.As)
	if err != nil {
		return err
	}
	posts, err := db.Posts(ctx, storage.PostFilter{AuthorID: m.ID, Drafts: true, Limit: 200})
	if err != nil {
		return err
	}
	if len(posts) == 0 {
		fmt.Fprintf(s.out, "%s has no posts.\n", m.Username)
		return nil
	}
	tw := tabwriter.NewWriter(s.out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "SLUG\tSTATE\tVISIBILITY\tTITLE")
	for _, p := range posts {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", p.Slug, p.State, p.Visibility, p.Title)
	}
	return tw.Flush()
}

// readTextFile reads a note from a file or, for "-", standard input, with
// a size cap: a note is not a book.
func readTextFile(name string, stdin io.Reader) (string, error) {
	const maxText = 1 << 20
	var r io.Reader = stdin
	if name != "-" {
		f, err := os.Open(name)
		if err != nil {
			return "", failure("check the file name", "cannot read %s: %v", name, unwrapOp(err))
		}
		defer f.Close()
		r = f
	}
	b, err := io.ReadAll(io.LimitReader(r, maxText+1))
	if err != nil {
		return "", fmt.Errorf("read %s: %w", name, err)
	}
	if len(b) > maxText {
		return "", failure("shorten the text", "%s is larger than %d bytes", name, maxText)
	}
	return strings.TrimSpace(string(b)), nil
}
