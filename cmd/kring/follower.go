package main

import (
	"context"
	"fmt"

	"github.com/urfave/cli/v2"

	"kring/content"
	"kring/federation"
	"kring/storage"
)

// followerConfig is what the `kring follower` commands need.
type followerConfig struct {
	commonConfig
	As      string
	Arg     string // the follower's actor id, or the approval mode
	Resolve map[string]string
}

func followerCommand(s streams) *cli.Command {
	flags := func() []cli.Flag {
		return append(commonFlags(),
			&cli.StringFlag{Name: "as", Usage: "the member whose followers these are", EnvVars: []string{"KRING_AS"}},
			resolveFlag())
	}
	return &cli.Command{
		Name:  "follower",
		Usage: "approve or reject follow requests, and choose whether they need approval",
		Subcommands: []*cli.Command{
			{Name: "requests", Usage: "list follow requests waiting for approval", Flags: flags(),
				Action: followerAction(s, "", runFollowerRequests)},
			{Name: "approve", Usage: "accept a follow request", ArgsUsage: "ACTOR", Flags: flags(),
				Action: followerAction(s, "ACTOR", runFollowerApprove)},
			{Name: "reject", Usage: "refuse a follow request, or remove a follower", ArgsUsage: "ACTOR", Flags: flags(),
				Action: followerAction(s, "ACTOR", runFollowerReject)},
			{Name: "approval", Usage: "manual: follow requests wait for approval; auto: accepted at once", ArgsUsage: "manual|auto", Flags: flags(),
				Action: followerAction(s, "MODE", runFollowerApproval)},
		},
	}
}

func followerAction(s streams, arg string, fn func(context.Context, followerConfig, *followerEnv, streams) error) cli.ActionFunc {
	return func(c *cli.Context) error {
		var values []string
		var err error
		if arg != "" {
			values, err = needArgs(c, arg)
		} else {
			err = noArgs(c)
		}
		if err != nil {
			return err
		}
		common, err := commonConfigFrom(c)
		if err != nil {
			return err
		}
		if c.String("as") == "" {
			return usageError(c, "--as is missing: name the member")
		}
		resolve, err := parseResolve(c.StringSlice("resolve"))
		if err != nil {
			return err
		}
		cfg := followerConfig{commonConfig: common, As: c.String("as"), Resolve: resolve}
		if len(values) > 0 {
			cfg.Arg = values[0]
		}
		env, err := openFollowerEnv(c.Context, cfg, s)
		if err != nil {
			return err
		}
		defer env.db.Close()
		return fn(c.Context, cfg, env, s)
	}
}

// followerEnv is the open node a follower command works on.
type followerEnv struct {
	db     *storage.DB
	member *content.Member
	fed    *federation.Node
}

func openFollowerEnv(ctx context.Context, cfg followerConfig, s streams) (*followerEnv, error) {
	db, node, err := openNode(ctx, cfg.commonConfig)
	if err != nil {
		return nil, err
	}
	m, err := db.MemberByUsername(ctx, cfg.As)
	if err != nil {
		db.Close()
		return nil, err
	}
	fed, err := newFederation(db, node, fedOptions{Resolve: cfg.Resolve}, newLogger(s.err, cfg.commonConfig))
	if err != nil {
		db.Close()
		return nil, err
	}
	return &followerEnv{db: db, member: m, fed: fed}, nil
}

func runFollowerRequests(ctx context.Context, cfg followerConfig, env *followerEnv, s streams) error {
	fs, err := env.fed.PendingFollowers(ctx, env.member)
	if err != nil {
		return err
	}
	if len(fs) == 0 {
		fmt.Fprintf(s.out, "No follow requests for %s.\n", env.member.Username)
		return nil
	}
	for _, f := range fs {
		fmt.Fprintf(s.out, "%s\t(asked %s)\n", f.Follower, formatTime(f.CreatedAt))
	}
	return nil
}

func runFollowerApprove(ctx context.Context, cfg followerConfig, env *followerEnv, s streams) error {
	if err := env.fed.ApproveFollower(ctx, env.member, cfg.Arg); err != nil {
		return err
	}
	fmt.Fprintf(s.out, "%s now follows %s; the Accept is queued.\n", cfg.Arg, env.member.Username)
	return nil
}

func runFollowerReject(ctx context.Context, cfg followerConfig, env *followerEnv, s streams) error {
	if err := env.fed.RejectFollower(ctx, env.member, cfg.Arg); err != nil {
		return err
	}
	fmt.Fprintf(s.out, "%s does not follow %s; the Reject is queued.\n", cfg.Arg, env.member.Username)
	return nil
}

func runFollowerApproval(ctx context.Context, cfg followerConfig, env *followerEnv, s streams) error {
	var manual bool
	switch cfg.Arg {
	case "manual":
		manual = true
	case "auto":
	default:
		return failure("kring follower approval --as "+env.member.Username+" manual (or auto)", "unknown approval mode %q", cfg.Arg)
	}
	if err := env.db.SetManuallyApprovesFollowers(ctx, env.member.ID, manual); err != nil {
		return err
	}
	fmt.Fprintf(s.out, "Follow requests for %s are now approved %s.\n", env.member.Username, map[bool]string{true: "by hand", false: "automatically"}[manual])
	return nil
}
