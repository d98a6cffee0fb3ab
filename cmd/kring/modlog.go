package main

import (
	"context"
	"fmt"
	"text/tabwriter"

	"github.com/urfave/cli/v2"

	"kring/federation"
)

// modlogConfig is what `kring modlog` needs.
type modlogConfig struct {
	commonConfig
	Forum string // "" for every forum
	Limit int
}

// maxModlogLimit bounds one listing; the log itself keeps everything.
const maxModlogLimit = 1000

func modlogCommand(s streams) *cli.Command {
	return &cli.Command{
		Name:      "modlog",
		Usage:     "show the moderation log, newest first: locks, pins, deletions, bans and answers",
		UsageText: "kring modlog [--forum NAME] [--limit N] [--data DIR]",
		Flags: append(commonFlags(),
			forumFlag("only this forum's log"),
			&cli.IntFlag{Name: "limit", Value: 50, Usage: fmt.Sprintf("show at most N lines (1–%d)", maxModlogLimit), EnvVars: []string{"KRING_MODLOG_LIMIT"}},
		),
		Action: func(c *cli.Context) error {
			if err := noArgs(c); err != nil {
				return err
			}
			common, err := commonConfigFrom(c)
			if err != nil {
				return err
			}
			cfg := modlogConfig{commonConfig: common, Forum: c.String("forum"), Limit: c.Int("limit")}
			if cfg.Limit < 1 || cfg.Limit > maxModlogLimit {
				return usageError(c, "--limit %d: give a number from 1 to %d", cfg.Limit, maxModlogLimit)
			}
			return runModlog(c.Context, cfg, s)
		},
	}
}

func runModlog(ctx context.Context, cfg modlogConfig, s streams) error {
	db, node, err := openNode(ctx, cfg.commonConfig)
	if err != nil {
		return err
	}
	defer db.Close()
	var forumID int64
	if cfg.Forum != "" {
		f, err := db.ForumByName(ctx, cfg.Forum)
		if err != nil {
			return explainForumError(err, errHints{forum: cfg.Forum})
		}
		forumID = f.ID
	}
	forums, err := db.ListForums(ctx)
	if err != nil {
		return err
	}
	names := map[int64]string{}
	for _, f := range forums {
		names[f.ID] = f.Name
	}
	entries, err := db.ModLog(ctx, forumID, cfg.Limit)
	if err != nil {
		return err
	}
	if len(entries) == 0 {
		fmt.Fprintln(s.out, "The moderation log is empty.")
		return nil
	}
	// The node's own moderators by username; the log keeps actor ids.
	iris := federation.NewIRIs(node.Host, node.Dev())
	tw := tabwriter.NewWriter(s.out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "TIME\tFORUM\tMODERATOR\tACTION\tTARGET\tREASON")
	for _, e := range entries {
		mod := e.Moderator
		if name, ok := iris.LocalUsername(mod); ok {
			mod = name
		} else if mod == iris.InstanceActor() {
			mod = "(command line)" // an admin at the node's command line
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", formatTime(e.CreatedAt), orDash(names[e.ForumID]), mod, e.Action, e.Target,
			orDash(oneLine(e.Reason, 80)))
	}
	return tw.Flush()
}
