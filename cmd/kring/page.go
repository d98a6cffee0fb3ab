package main

import (
	"context"
	"fmt"
	"strings"
	"text/tabwriter"

	"github.com/urfave/cli/v2"

	"kring/content"
	"kring/storage"
	"kring/web"
)

// pageConfig is what the `kring page` commands need.
type pageConfig struct {
	commonConfig
	Slug     string
	Language string
	Title    string
	Text     string
	File     string // "-" for standard input
	NavOrder *int   // nil keeps the page's place (0 for a new page)
}

// pageSlugFlag names the page in add and remove; each call returns a new
// flag, as urfave/cli keeps parse state in it.
func pageSlugFlag() cli.Flag {
	return &cli.StringFlag{Name: "slug", Usage: "the page's address: it appears at /p/SLUG, e.g. about", EnvVars: []string{"KRING_PAGE_SLUG"}}
}

func pageCommand(s streams) *cli.Command {
	return &cli.Command{
		Name:  "page",
		Usage: "manage the static pages in the site menu (about, contact), one text per language",
		Subcommands: []*cli.Command{
			{
				Name:      "add",
				Usage:     "create a page in one language, or replace that language's text",
				UsageText: "kring page add --slug SLUG [--lang nl|en] --title TITLE (--file FILE | --text MARKDOWN) [--nav-order N] [--data DIR]",
				Flags: append(commonFlags(),
					pageSlugFlag(),
					&cli.StringFlag{Name: "lang", Value: "nl", Usage: "the language of the text: nl or en", EnvVars: []string{"KRING_PAGE_LANG"}},
					&cli.StringFlag{Name: "title", Usage: "the page's title, also shown in the menu", EnvVars: []string{"KRING_PAGE_TITLE"}},
					&cli.StringFlag{Name: "file", Usage: "read the Markdown text from FILE (- for standard input)", EnvVars: []string{"KRING_PAGE_FILE"}},
					&cli.StringFlag{Name: "text", Usage: "the Markdown text itself", EnvVars: []string{"KRING_PAGE_TEXT"}},
					&cli.IntFlag{Name: "nav-order", Usage: "the page's place in the menu, 0–999: lower comes first (default: the page's current place, else 0)", EnvVars: []string{"KRING_PAGE_NAV_ORDER"}},
				),
				Action: func(c *cli.Context) error {
					if err := noArgs(c); err != nil {
						return err
					}
					common, err := commonConfigFrom(c)
					if err != nil {
						return err
					}
					cfg := pageConfig{commonConfig: common, Slug: c.String("slug"), Language: c.String("lang"), Title: c.String("title"),
						Text: c.String("text"), File: c.String("file")}
					if c.IsSet("nav-order") {
						order := c.Int("nav-order")
						cfg.NavOrder = &order
					}
					if strings.TrimSpace(cfg.Slug) == "" {
						return usageError(c, "--slug is missing: name the page's address, e.g. --slug about")
					}
					if (cfg.Text == "") == (cfg.File == "") {
						return usageError(c, "give the page's text as --text MARKDOWN or --file FILE, not both")
					}
					return runPageAdd(c.Context, cfg, s)
				},
			},
			{
				Name:  "list",
				Usage: "list the pages in every language",
				Flags: commonFlags(),
				Action: func(c *cli.Context) error {
					if err := noArgs(c); err != nil {
						return err
					}
					common, err := commonConfigFrom(c)
					if err != nil {
						return err
					}
					return runPageList(c.Context, pageConfig{commonConfig: common}, s)
				},
			},
			{
				Name:      "remove",
				Usage:     "delete a page in every language",
				UsageText: "kring page remove --slug SLUG [--data DIR]",
				Flags:     append(commonFlags(), pageSlugFlag()),
				Action: func(c *cli.Context) error {
					if err := noArgs(c); err != nil {
						return err
					}
					common, err := commonConfigFrom(c)
					if err != nil {
						return err
					}
					cfg := pageConfig{commonConfig: common, Slug: strings.TrimSpace(c.String("slug"))}
					if cfg.Slug == "" {
						return usageError(c, "--slug is missing: name the page to remove; kring page list shows them")
					}
					return runPageRemove(c.Context, cfg, s)
				},
			},
		},
	}
}

func runPageAdd(ctx context.Context, cfg pageConfig, s streams) error {
	lang, err := content.ParseLanguage(cfg.Language)
	if err != nil {
		return failure("use --lang nl or --lang en", "unsupported language %q", cfg.Language)
	}
	body := cfg.Text
	if cfg.File != "" {
		if body, err = readTextFile(cfg.File, s.in); err != nil {
			return err
		}
	}
	// Check the page before opening the node; its place in the menu may
	// come from the stored page below.
	navOrder := 0
	if cfg.NavOrder != nil {
		navOrder = *cfg.NavOrder
	}
	if _, err := web.NewPage(cfg.Slug, lang, cfg.Title, body, navOrder); err != nil {
		return pageError(err)
	}
	db, _, err := openNode(ctx, cfg.commonConfig)
	if err != nil {
		return err
	}
	defer db.Close()
	existing, err := samePage(ctx, db, strings.TrimSpace(cfg.Slug), lang)
	if err != nil {
		return err
	}
	if cfg.NavOrder == nil && existing != nil {
		navOrder = existing.NavOrder
	}
	p, err := web.NewPage(cfg.Slug, lang, cfg.Title, body, navOrder)
	if err != nil {
		return pageError(err)
	}
	verb := "Added"
	if existing != nil && existing.Language == lang {
		verb = "Updated"
	}
	if err := db.PutPage(ctx, p); err != nil {
		return err
	}
	fmt.Fprintf(s.out, "%s page /p/%s (%s): %q.\n", verb, p.Slug, p.Language, p.Title)
	return nil
}

// samePage finds the page a new text joins: the slug's version in lang,
// else one in another language, whose place in the menu it takes; nil for
// a new slug.
func samePage(ctx context.Context, db *storage.DB, slug string, lang content.Language) (*content.Page, error) {
	for _, l := range append([]content.Language{lang}, content.Languages...) {
		p, err := db.PageBySlug(ctx, slug, l)
		if err == nil {
			return p, nil
		}
		if content.KindOf(err) != content.KindNotFound {
			return nil, err
		}
	}
	return nil, nil
}

// pageError gives a page's validation error the flag that fixes it.
func pageError(err error) error {
	e, ok := content.AsError(err)
	if !ok {
		return err
	}
	try := map[string]string{
		"slug":      "use lowercase letters, digits and single hyphens, e.g. --slug about-us",
		"language":  "use --lang nl or --lang en",
		"title":     `give a title of one line, e.g. --title "Over ons"`,
		"nav_order": "give --nav-order a whole number from 0 to 999",
		"body":      "write the page's Markdown in a file and give it as --file FILE (or --text MARKDOWN)",
	}[e.Field]
	if try == "" {
		return err
	}
	return failure(try, "%s", e.Message)
}

func runPageList(ctx context.Context, cfg pageConfig, s streams) error {
	db, _, err := openNode(ctx, cfg.commonConfig)
	if err != nil {
		return err
	}
	defer db.Close()
	pages, err := db.Pages(ctx)
	if err != nil {
		return err
	}
	if len(pages) == 0 {
		fmt.Fprintln(s.out, "No pages yet: kring page add --slug about --title TITLE --file FILE creates one.")
		return nil
	}
	tw := tabwriter.NewWriter(s.out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "PATH\tLANGUAGE\tTITLE\tNAV ORDER\tUPDATED")
	for _, p := range pages {
		fmt.Fprintf(tw, "/p/%s\t%s\t%s\t%d\t%s\n", p.Slug, p.Language, p.Title, p.NavOrder, formatTime(p.Updated))
	}
	return tw.Flush()
}

func runPageRemove(ctx context.Context, cfg pageConfig, s streams) error {
	db, _, err := openNode(ctx, cfg.commonConfig)
	if err != nil {
		return err
	}
	defer db.Close()
	n, err := db.DeletePage(ctx, cfg.Slug)
	if err != nil {
		return err
	}
	if n == 0 {
		return failure("kring page list shows the pages", "no page with slug %q", cfg.Slug)
	}
	versions := "1 language"
	if n > 1 {
		versions = fmt.Sprintf("%d languages", n)
	}
	fmt.Fprintf(s.out, "Removed page /p/%s (%s).\n", cfg.Slug, versions)
	return nil
}
