package main

import (
	"context"
	"fmt"
	"text/tabwriter"

	"github.com/urfave/cli/v2"

	"kring/content"
)

// forumConfig is what the `kring forum` commands need.
type forumConfig struct {
	commonConfig
	Name        string
	Title       string
	Description string
	Language    string
}

func forumCommand(s streams) *cli.Command {
	return &cli.Command{
		Name:  "forum",
		Usage: "manage forums (Group actors anyone on the fediverse can follow)",
		Subcommands: []*cli.Command{
			{
				Name:      "add",
				Usage:     "create a forum; its name is its handle, e.g. opendata for @opendata@HOST",
				ArgsUsage: "NAME",
				Flags: append(commonFlags(),
					&cli.StringFlag{Name: "title", Usage: "the forum's title, e.g. \"Open data\"", EnvVars: []string{"KRING_FORUM_TITLE"}},
					&cli.StringFlag{Name: "description", Usage: "what the forum is about", EnvVars: []string{"KRING_FORUM_DESCRIPTION"}},
					&cli.StringFlag{Name: "language", Value: "nl", Usage: "nl or en", EnvVars: []string{"KRING_FORUM_LANGUAGE"}},
				),
				Action: func(c *cli.Context) error {
					values, err := needArgs(c, "NAME")
					if err != nil {
						return err
					}
					common, err := commonConfigFrom(c)
					if err != nil {
						return err
					}
					return runForumAdd(c.Context, forumConfig{commonConfig: common, Name: values[0], Title: c.String("title"),
						Description: c.String("description"), Language: c.String("language")}, s)
				},
			},
			{
				Name:  "list",
				Usage: "list the forums",
				Flags: commonFlags(),
				Action: func(c *cli.Context) error {
					if err := noArgs(c); err != nil {
						return err
					}
					common, err := commonConfigFrom(c)
					if err != nil {
						return err
					}
					return runForumList(c.Context, forumConfig{commonConfig: common}, s)
				},
			},
		},
	}
}

func runForumAdd(ctx context.Context, cfg forumConfig, s streams) error {
	lang, err := content.ParseLanguage(cfg.Language)
	if err != nil {
		return err
	}
	f, err := content.NewForum(cfg.Name, cfg.Title, cfg.Description, lang)
	if err != nil {
		return err
	}
	db, node, err := openNode(ctx, cfg.commonConfig)
	if err != nil {
		return err
	}
	defer db.Close()
	keys, err := content.GenerateKeyPair()
	if err != nil {
		return err
	}
	f.PublicKeyPEM, f.PrivateKeyPEM = keys.PublicPEM, keys.PrivatePEM
	if err := db.CreateForum(ctx, f); err != nil {
		return err
	}
	fmt.Fprintf(s.out, "Created forum %q (@%s@%s).\n", f.Title, f.Name, node.Host)
	return nil
}

func runForumList(ctx context.Context, cfg forumConfig, s streams) error {
	db, node, err := openNode(ctx, cfg.commonConfig)
	if err != nil {
		return err
	}
	defer db.Close()
	forums, err := db.ListForums(ctx)
	if err != nil {
		return err
	}
	if len(forums) == 0 {
		fmt.Fprintln(s.out, "No forums yet: kring forum add NAME --title TITLE creates one.")
		return nil
	}
	tw := tabwriter.NewWriter(s.out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "HANDLE\tTITLE\tLANGUAGE\tCREATED")
	for _, f := range forums {
		fmt.Fprintf(tw, "@%s@%s\t%s\t%s\t%s\n", f.Name, node.Host, f.Title, f.Language, formatTime(f.CreatedAt))
	}
	return tw.Flush()
}
