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
	actingConfig
	Arg string // the follower's actor id, or the approval mode
}

func followerCommand(s streams) *cli.Command {
	return &cli.Command{
		Name:  "follower",
		Usage: "approve or reject follow requests, and choose whether they need approval",
		Subcommands: []*cli.Command{
			{Name: "requests", Usage: "list follow requests waiting for approval", Flags: actingFlags(),
				Action: followerAction(s, "", runFollowerRequests)},
			{Name: "approve", Usage: "accept a follow request", ArgsUsage: "ACTOR", Flags: actingFlags(),
				Action: followerAction(s, "ACTOR", runFollowerApprove)},
			{Name: "reject", Usage: "refuse a follow request, or remove a follower", ArgsUsage: "ACTOR", Flags: actingFlags(),
				Action: followerAction(s, "ACTOR", runFollowerReject)},
			{Name: "approval", Usage: "manual: follow requests wait for approval; auto: accepted at once", ArgsUsage: "manual|auto", Flags: actingFlags(),
				Action: followerAction(s, "MODE", runFollowerApproval)},
		},
	}
}

func followerAction(s streams, arg string, fn func(context.Context, followerConfig, *actingEnv, streams) error) cli.ActionFunc {
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
		acting, err := actingConfigFrom(c)
		if err != nil {
			return err
		}
		cfg := followerConfig{actingConfig: acting}
		if len(values) > 0 {
			cfg.Arg = values[0]
		}
		env, err := openActing(c.Context, acting, s)
		if err != nil {
			return err
		}
		defer env.db.Close()
		return fn(c.Context, cfg, env, s)
	}
}

// actingEnv is the open node a command acting for a member works on.
type actingEnv struct {
	db     *storage.DB
	member *content.Member
	fed    *federation.Node
}

func openActing(ctx context.Context, cfg actingConfig, s streams) (*actingEnv, error) {
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
	return &actingEnv{db: db, member: m, fed: fed}, nil
}

func runFollowerRequests(ctx context.Context, cfg followerConfig, env *actingEnv, s streams) error {
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

func runFollowerApprove(ctx context.Context, cfg followerConfig, env *actingEnv, s streams) error {
	if err := env.fed.ApproveFollower(ctx, env.member, cfg.Arg); err != nil {
		return err
	}
	fmt.Fprintf(s.out, "%s now follows %s; the Accept is queued.\n", cfg.Arg, env.member.Username)
	return nil
}

func runFollowerReject(ctx context.Context, cfg followerConfig, env *actingEnv, s streams) error {
	if err := env.fed.RejectFollower(ctx, env.member, cfg.Arg); err != nil {
		return err
	}
	fmt.Fprintf(s.out, "%s does not follow %s; the Reject is queued.\n", cfg.Arg, env.member.Username)
	return nil
}

func runFollowerApproval(ctx context.Context, cfg followerConfig, env *actingEnv, s streams) error {
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
