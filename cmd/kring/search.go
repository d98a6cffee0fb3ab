package main

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/urfave/cli/v2"

	"kring/federation"
	"kring/storage"
	"kring/web"
)

// searchConfig is what `kring search` needs.
type searchConfig struct {
	commonConfig
	Query        string
	Kind         string
	Author       string
	Forum        string
	Since, Until time.Time
	Limit        int
	Page         int
	Newest       bool
}

// searchCommand searches the node's posts, threads, events and members.
// It finds what an anonymous visitor of the search page finds, no more:
// its output is for pasting into a report or a chat, and followers-only
// posts and direct messages are not the admin's to quote.
func searchCommand(s streams) *cli.Command {
	return &cli.Command{
		Name:      "search",
		Usage:     "search posts, threads, replies, events and members, as a visitor of the search page would (public ones only)",
		UsageText: "kring search [--type post|thread|reply|event|member] [--author NAME] [--forum FORUM] [--since DATE] [--until DATE] [--limit N] [--page N] [--newest] [--data DIR] QUERY",
		ArgsUsage: "QUERY",
		Flags: append(commonFlags(),
			&cli.StringFlag{Name: "type", Usage: "only this kind: " + strings.Join(storage.SearchKinds, ", "), EnvVars: []string{"KRING_SEARCH_TYPE"}},
			&cli.StringFlag{Name: "author", Usage: "only by this author: a username, or @name@server for someone elsewhere", EnvVars: []string{"KRING_SEARCH_AUTHOR"}},
			forumFlag("only threads and replies in this forum"),
			&cli.StringFlag{Name: "since", Usage: "published (events: starting) on or after DATE (YYYY-MM-DD)", EnvVars: []string{"KRING_SEARCH_SINCE"}},
			&cli.StringFlag{Name: "until", Usage: "published (events: starting) on or before DATE (YYYY-MM-DD)", EnvVars: []string{"KRING_SEARCH_UNTIL"}},
			&cli.IntFlag{Name: "limit", Value: storage.DefaultSearchPerPage, Usage: fmt.Sprintf("results per page, at most %d", storage.MaxSearchPerPage), EnvVars: []string{"KRING_SEARCH_LIMIT"}},
			&cli.IntFlag{Name: "page", Value: 1, Usage: fmt.Sprintf("which page of results, at most %d", storage.MaxSearchPage), EnvVars: []string{"KRING_SEARCH_PAGE"}},
			&cli.BoolFlag{Name: "newest", Usage: "newest first instead of best match first", EnvVars: []string{"KRING_SEARCH_NEWEST"}},
		),
		Action: func(c *cli.Context) error {
			cfg, err := searchConfigFrom(c)
			if err != nil {
				return err
			}
			return runSearch(c.Context, cfg, s)
		},
	}
}

func searchConfigFrom(c *cli.Context) (searchConfig, error) {
	common, err := commonConfigFrom(c)
	if err != nil {
		return searchConfig{}, err
	}
	cfg := searchConfig{commonConfig: common, Query: strings.TrimSpace(strings.Join(c.Args().Slice(), " ")), Kind: c.String("type"),
		Author: c.String("author"), Forum: c.String("forum"), Limit: c.Int("limit"), Page: c.Int("page"), Newest: c.Bool("newest")}
	if q, _ := storage.SearchTerms(cfg.Query); q == "" {
		return cfg, usageError(c, "give words to search for, e.g. kring search koffie")
	}
	if cfg.Kind != "" && !slices.Contains(storage.SearchKinds, cfg.Kind) {
		return cfg, usageError(c, "unknown --type %q: use %s", cfg.Kind, strings.Join(storage.SearchKinds, ", "))
	}
	if cfg.Limit < 1 || cfg.Limit > storage.MaxSearchPerPage {
		return cfg, usageError(c, "--limit must be 1 to %d", storage.MaxSearchPerPage)
	}
	if cfg.Page < 1 || cfg.Page > storage.MaxSearchPage {
		return cfg, usageError(c, "--page must be 1 to %d", storage.MaxSearchPage)
	}
	for _, d := range []struct {
		flag string
		to   *time.Time
		days int
	}{{"since", &cfg.Since, 0}, {"until", &cfg.Until, 1}} {
		v := c.String(d.flag)
		if v == "" {
			continue
		}
		t, err := time.Parse(time.DateOnly, v)
		if err != nil {
			return cfg, usageError(c, "--%s %q is not a date: use YYYY-MM-DD", d.flag, v)
		}
		*d.to = t.AddDate(0, 0, d.days)
	}
	return cfg, nil
}

func runSearch(ctx context.Context, cfg searchConfig, s streams) error {
	db, node, err := openNode(ctx, cfg.commonConfig)
	if err != nil {
		return err
	}
	defer db.Close()
	q := storage.SearchQuery{Text: cfg.Query, Kind: cfg.Kind, Forum: cfg.Forum, Since: cfg.Since, Until: cfg.Until, Limit: cfg.Limit,
		Page: cfg.Page, Newest: cfg.Newest}
	if cfg.Author != "" {
		if q.Author, err = db.SearchAuthor(ctx, cfg.Author); err != nil {
			return failure("kring search without --author, or name a member here or an account this node has fetched",
				"no author %q known here", cfg.Author)
		}
	}
	if cfg.Forum != "" {
		if _, err := db.ForumByName(ctx, cfg.Forum); err != nil {
			return failure("kring forum list", "no forum %q", cfg.Forum)
		}
	}
	res, err := db.Search(ctx, q)
	if err != nil {
		return err
	}
	if len(res.Hits) == 0 {
		fmt.Fprintf(s.out, "Nothing found for %q.\n", cfg.Query)
		return nil
	}
	iris := federation.NewIRIs(node.Host, node.Dev())
	for i, h := range res.Hits {
		if i > 0 {
			fmt.Fprintln(s.out)
		}
		printHit(s, h, iris)
	}
	if res.More {
		fmt.Fprintf(s.out, "\nMore results: add --page %d.\n", res.Page+1)
	}
	return nil
}

// printHit prints one result: its kind, date and title, who wrote it,
// its address, and the matching text.
func printHit(s streams, h storage.SearchHit, iris federation.IRIs) {
	date := ""
	if !h.Date.IsZero() {
		date = h.Date.UTC().Format(time.DateOnly)
	}
	title := fragmentText(h.Title)
	fmt.Fprintf(s.out, "%-7s %-10s %s\n", h.Kind, date, title)
	if by := strings.TrimSpace(h.AuthorName + " " + handleOf(h)); by != "" && h.Kind != storage.SearchMember {
		fmt.Fprintf(s.out, "        by %s\n", by)
	}
	addr := web.SearchHitPath(h, iris.EventToken)
	if addr != "" {
		addr = iris.Base() + addr
	} else if addr = h.URL; addr == "" {
		addr = h.IRI
	}
	fmt.Fprintf(s.out, "        %s\n", addr)
	if snippet := fragmentText(h.Snippet); snippet != "" {
		fmt.Fprintf(s.out, "        %s\n", snippet)
	}
}

func handleOf(h storage.SearchHit) string {
	if h.AuthorHandle == "" {
		return ""
	}
	return "@" + h.AuthorHandle
}

// fragmentText is a marked title or snippet on one line, with the
// matching words between ** as in Markdown.
func fragmentText(fs []storage.Fragment) string {
	var b strings.Builder
	for _, f := range fs {
		text := strings.Join(strings.Fields(f.Text), " ")
		if strings.HasPrefix(f.Text, " ") || strings.HasPrefix(f.Text, "\n") {
			text = " " + text
		}
		if strings.HasSuffix(f.Text, " ") || strings.HasSuffix(f.Text, "\n") {
			text += " "
		}
		if f.Match {
			text = "**" + text + "**"
		}
		b.WriteString(text)
	}
	return strings.TrimSpace(strings.Join(strings.Fields(b.String()), " "))
}
