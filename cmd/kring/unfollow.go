package main

import (
	"context"
	"fmt"

	"github.com/urfave/cli/v2"
)

func unfollowCommand(s streams) *cli.Command {
	return &cli.Command{
		Name:      "unfollow",
		Usage:     "withdraw a member's follow of a remote actor (sends Undo)",
		UsageText: "kring unfollow --as NAME TARGET [--data DIR]",
		ArgsUsage: "TARGET",
		Flags: append(commonFlags(),
			&cli.StringFlag{Name: "as", Usage: "the member who unfollows", EnvVars: []string{"KRING_AS"}},
			resolveFlag(),
		),
		Action: func(c *cli.Context) error {
			values, err := needArgs(c, "TARGET")
			if err != nil {
				return err
			}
			common, err := commonConfigFrom(c)
			if err != nil {
				return err
			}
			if c.String("as") == "" {
				return usageError(c, "--as is missing: name the member who unfollows")
			}
			resolve, err := parseResolve(c.StringSlice("resolve"))
			if err != nil {
				return err
			}
			return runUnfollow(c.Context, followConfig{commonConfig: common, As: c.String("as"), Target: values[0], Resolve: resolve}, s)
		},
	}
}

func runUnfollow(ctx context.Context, cfg followConfig, s streams) error {
	db, node, err := openNode(ctx, cfg.commonConfig)
	if err != nil {
		return err
	}
	defer db.Close()
	m, err := db.MemberByUsername(ctx, cfg.As)
	if err != nil {
		return err
	}
	fed, err := newFederation(db, node, fedOptions{Resolve: cfg.Resolve}, newLogger(s.err, cfg.commonConfig))
	if err != nil {
		return err
	}
	if err := fed.Unfollow(ctx, m, cfg.Target); err != nil {
		return err
	}
	fmt.Fprintf(s.out, "%s no longer follows %s; the Undo is queued.\n", m.Username, cfg.Target)
	return nil
}
