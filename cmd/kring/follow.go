package main

import (
	"context"
	"fmt"

	"github.com/urfave/cli/v2"
)

// followConfig is what `kring follow` and `kring unfollow` need.
type followConfig struct {
	commonConfig
	As      string
	Target  string
	Resolve map[string]string
}

func followCommand(s streams) *cli.Command {
	return targetCommand("follow", "let a member follow a remote actor by handle (user@host) or URL", s, runFollow)
}

func unfollowCommand(s streams) *cli.Command {
	return targetCommand("unfollow", "withdraw a member's follow of a remote actor (sends Undo)", s, runUnfollow)
}

// targetCommand builds a command that acts for a member (--as) on one
// remote actor named by handle or URL.
func targetCommand(name, usage string, s streams, run func(context.Context, followConfig, streams) error) *cli.Command {
	return &cli.Command{
		Name:      name,
		Usage:     usage,
		UsageText: "kring " + name + " --as NAME TARGET [--data DIR]",
		ArgsUsage: "TARGET",
		Flags:     actingFlags(),
		Action: func(c *cli.Context) error {
			values, err := needArgs(c, "TARGET")
			if err != nil {
				return err
			}
			acting, err := actingConfigFrom(c)
			if err != nil {
				return err
			}
			return run(c.Context, followConfig{commonConfig: acting.commonConfig, As: acting.As, Target: values[0], Resolve: acting.Resolve}, s)
		},
	}
}

// actingConfig is the part of a command that acts for a member.
type actingConfig struct {
	commonConfig
	As      string
	Resolve map[string]string
}

// actingFlags are the flags of commands that act for a member and may
// reach other servers.
func actingFlags() []cli.Flag {
	return append(commonFlags(),
		&cli.StringFlag{Name: "as", Usage: "the member to act for", EnvVars: []string{"KRING_AS"}},
		resolveFlag())
}

func actingConfigFrom(c *cli.Context) (actingConfig, error) {
	common, err := commonConfigFrom(c)
	if err != nil {
		return actingConfig{}, err
	}
	if c.String("as") == "" {
		return actingConfig{}, usageError(c, "--as is missing: name the member to act for")
	}
	resolve, err := parseResolve(c.StringSlice("resolve"))
	if err != nil {
		return actingConfig{}, err
	}
	return actingConfig{commonConfig: common, As: c.String("as"), Resolve: resolve}, nil
}

func runFollow(ctx context.Context, cfg followConfig, s streams) error {
	env, err := openActing(ctx, actingConfig{commonConfig: cfg.commonConfig, As: cfg.As, Resolve: cfg.Resolve}, s)
	if err != nil {
		return err
	}
	defer env.db.Close()
	remote, err := env.fed.Follow(ctx, env.member, cfg.Target)
	if err != nil {
		return err
	}
	fmt.Fprintf(s.out, "Follow request sent from %s to %s; it counts once %s accepts.\n", env.member.Username, remote.IRI, remote.Host)
	return nil
}

func runUnfollow(ctx context.Context, cfg followConfig, s streams) error {
	env, err := openActing(ctx, actingConfig{commonConfig: cfg.commonConfig, As: cfg.As, Resolve: cfg.Resolve}, s)
	if err != nil {
		return err
	}
	defer env.db.Close()
	if err := env.fed.Unfollow(ctx, env.member, cfg.Target); err != nil {
		return err
	}
	fmt.Fprintf(s.out, "%s no longer follows %s; the Undo is queued.\n", env.member.Username, cfg.Target)
	return nil
}
