package main

import (
	"context"
	"fmt"

	"github.com/urfave/cli/v2"
)

// followConfig is what `kring follow` needs.
type followConfig struct {
	commonConfig
	As      string
	Target  string
	Resolve map[string]string
}

func followCommand(s streams) *cli.Command {
	return &cli.Command{
		Name:      "follow",
		Usage:     "let a member follow a remote actor by handle (user@host) or URL",
		UsageText: "kring follow --as NAME TARGET [--data DIR]",
		ArgsUsage: "TARGET",
		Flags: append(commonFlags(),
			&cli.StringFlag{Name: "as", Usage: "the member who follows", EnvVars: []string{"KRING_AS"}},
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
				return usageError(c, "--as is missing: name the member who follows")
			}
			resolve, err := parseResolve(c.StringSlice("resolve"))
			if err != nil {
				return err
			}
			return runFollow(c.Context, followConfig{commonConfig: common, As: c.String("as"), Target: values[0], Resolve: resolve}, s)
		},
	}
}

func runFollow(ctx context.Context, cfg followConfig, s streams) error {
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
	remote, err := fed.Follow(ctx, m, cfg.Target)
	if err != nil {
		return err
	}
	fmt.Fprintf(s.out, "Follow request sent from %s to %s; it counts once %s accepts.\n", m.Username, remote.IRI, remote.Host)
	return nil
}
