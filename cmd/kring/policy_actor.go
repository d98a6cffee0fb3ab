package main

import (
	"context"
	"fmt"
	"io"
	"path"
	"strings"
	"text/tabwriter"

	"github.com/urfave/cli/v2"

	"kring/content"
	"kring/storage"
)

// actorConfig is what the `kring actor` commands need.
type actorConfig struct {
	commonConfig
	Actor    string // as typed: an actor URL, or user@host
	Severity content.Severity
	Reason   string
	Resolve  map[string]string
}

func actorCommand(s streams) *cli.Command {
	policy := func(name string, sev content.Severity, usage string) *cli.Command {
		return &cli.Command{
			Name:      name,
			Usage:     usage + "; ACTOR is an actor URL or user@host",
			UsageText: "kring actor " + name + " ACTOR [--reason TEXT] [--data DIR]",
			ArgsUsage: "ACTOR",
			Flags: append(commonFlags(), resolveFlag(),
				&cli.StringFlag{Name: "reason", Usage: "why, for the moderation log", EnvVars: []string{"KRING_ACTOR_REASON"}}),
			Action: actorAction(s, sev, runActorPolicy),
		}
	}
	return &cli.Command{
		Name:  "actor",
		Usage: "federation policy for single remote actors: suspend, limit, lift",
		Subcommands: []*cli.Command{
			policy("suspend", content.SeveritySuspend, "refuse everything from and to a remote actor and drop what was stored of it"),
			policy("limit", content.SeverityLimit, "keep a remote actor's posts and events out of public pages and agendas"),
			{
				Name:      "lift",
				Usage:     "end a remote actor's suspension or limit (what a suspension dropped stays gone)",
				UsageText: "kring actor lift ACTOR [--data DIR]",
				ArgsUsage: "ACTOR",
				Flags:     append(commonFlags(), resolveFlag()),
				Action:    actorAction(s, "", runActorLift),
			},
			{
				Name:      "list",
				Usage:     "list the suspended and limited remote actors",
				UsageText: "kring actor list [--data DIR]",
				Flags:     commonFlags(),
				Action: func(c *cli.Context) error {
					if err := noArgs(c); err != nil {
						return err
					}
					common, err := commonConfigFrom(c)
					if err != nil {
						return err
					}
					return runActorList(c.Context, actorConfig{commonConfig: common}, s)
				},
			},
		},
	}
}

func actorAction(s streams, sev content.Severity, run func(context.Context, actorConfig, streams) error) cli.ActionFunc {
	return func(c *cli.Context) error {
		values, err := needArgs(c, "ACTOR")
		if err != nil {
			return err
		}
		common, err := commonConfigFrom(c)
		if err != nil {
			return err
		}
		resolve, err := parseResolve(c.StringSlice("resolve"))
		if err != nil {
			return err
		}
		return run(c.Context, actorConfig{commonConfig: common, Actor: values[0], Severity: sev, Reason: strings.TrimSpace(c.String("reason")),
			Resolve: resolve}, s)
	}
}

// actorID turns what an admin typed into a remote actor's id: a URL as it
// is; a handle from the actors stored here, else by WebFinger.
func (env *policyEnv) actorID(ctx context.Context, typed string, resolve map[string]string) (string, error) {
	typed = strings.TrimSpace(typed)
	if strings.HasPrefix(typed, "https://") || strings.HasPrefix(typed, "http://") {
		if strings.EqualFold(hostOfURL(typed), env.node.Host) {
			return "", failure("kring user suspend acts on this node's members", "%s is an actor of this node", typed)
		}
		return typed, nil
	}
	handle := strings.TrimPrefix(strings.TrimPrefix(typed, "acct:"), "@")
	user, host, ok := strings.Cut(handle, "@")
	if !ok || user == "" || host == "" {
		return "", failure("give an actor URL (https://server/users/name) or a handle user@server", "%q is neither an actor URL nor a handle", typed)
	}
	if strings.EqualFold(host, env.node.Host) {
		return "", failure("kring user suspend acts on this node's members", "%s is an actor of this node", typed)
	}
	if a, err := env.db.RemoteActorByHandle(ctx, user, host); err == nil {
		return a.IRI, nil
	}
	// A suspended actor is no longer stored: it may be among the policies.
	p, err := env.db.FederationPolicy(ctx)
	if err != nil {
		return "", err
	}
	for _, a := range p.Actors {
		if strings.EqualFold(hostOfURL(a.Actor), host) && path.Base(strings.TrimSuffix(a.Actor, "/")) == user {
			return a.Actor, nil
		}
	}
	fed, err := newFederation(env.db, env.node, fedOptions{Resolve: resolve}, newLogger(io.Discard, commonConfig{}))
	if err != nil {
		return "", err
	}
	iri, err := fed.Resolve(ctx, handle)
	if err != nil {
		return "", failure("give the actor's URL instead", "cannot find %s: %v", handle, err)
	}
	return iri, nil
}

func hostOfURL(s string) string {
	_, rest, _ := strings.Cut(s, "://")
	host, _, _ := strings.Cut(rest, "/")
	return host
}

func runActorPolicy(ctx context.Context, cfg actorConfig, s streams) error {
	env, err := openPolicy(ctx, cfg.commonConfig)
	if err != nil {
		return err
	}
	defer env.db.Close()
	actor, err := env.actorID(ctx, cfg.Actor, cfg.Resolve)
	if err != nil {
		return err
	}
	eff, err := env.db.SetActorPolicy(ctx, content.ActorPolicy{Actor: actor, Severity: cfg.Severity, Reason: cfg.Reason}, env.by)
	if err != nil {
		return err
	}
	what := "Suspended"
	if cfg.Severity == content.SeverityLimit {
		what = "Limited"
	}
	fmt.Fprintf(s.out, "%s %s: %s.\n", what, actor, eff)
	return nil
}

func runActorLift(ctx context.Context, cfg actorConfig, s streams) error {
	return liftPolicy(ctx, cfg.commonConfig, s, policyLift{
		target: func(ctx context.Context, env *policyEnv) (string, error) {
			return env.actorID(ctx, cfg.Actor, cfg.Resolve)
		},
		lift:   (*storage.DB).LiftActorPolicy,
		hint:   "kring actor list shows the suspended and limited actors",
		absent: "%s is neither suspended nor limited",
		done:   "Lifted the policy on %s: %s.\n",
	})
}

func runActorList(ctx context.Context, cfg actorConfig, s streams) error {
	env, err := openPolicy(ctx, cfg.commonConfig)
	if err != nil {
		return err
	}
	defer env.db.Close()
	p, err := env.db.FederationPolicy(ctx)
	if err != nil {
		return err
	}
	if len(p.Actors) == 0 {
		fmt.Fprintln(s.out, "No suspended or limited actors: kring actor suspend ACTOR suspends one.")
		return nil
	}
	tw := tabwriter.NewWriter(s.out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ACTOR\tSEVERITY\tREASON\tSINCE")
	for _, a := range p.Actors {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", a.Actor, a.Severity, orDash(oneLine(a.Reason, 60)), formatTime(a.CreatedAt))
	}
	return tw.Flush()
}
