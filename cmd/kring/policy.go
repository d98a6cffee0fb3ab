package main

import (
	"context"
	"fmt"
	"strings"
	"text/tabwriter"

	"github.com/urfave/cli/v2"

	"kring/content"
	"kring/federation"
	"kring/storage"
)

// `kring domain` and `kring actor` set the federation policy in the
// database; a running kring serve rereads it within about a second
// (federation/policy.go), so no restart is needed. Changes are logged in
// the moderation log as made at the command line.

// domainConfig is what the `kring domain` commands need.
type domainConfig struct {
	commonConfig
	Domain  string // as typed; parsed by content.ParseDomain
	Block   content.DomainBlock
	Comment string
	Mode    string // "" shows the mode
	File    string // import or export; "-" or "" for stdin or stdout
	Replace bool
}

func domainCommand(s streams) *cli.Command {
	return &cli.Command{
		Name:  "domain",
		Usage: "federation policy for servers: block (suspend, limit), allowlist, import and export block lists",
		Subcommands: []*cli.Command{
			{
				Name: "block",
				Usage: "block a domain and its subdomains: suspend refuses everything and drops what was stored, " +
					"limit keeps its posts and events out of public pages and agendas, noop only rejects media or reports",
				UsageText: "kring domain block DOMAIN [--severity suspend|limit|noop] [--reject-media] [--reject-reports] " +
					"[--public-comment TEXT] [--private-comment TEXT] [--obfuscate] [--data DIR]",
				ArgsUsage: "DOMAIN",
				Flags: append(commonFlags(),
					&cli.StringFlag{Name: "severity", Value: "suspend", Usage: "suspend, limit (Mastodon's silence) or noop", EnvVars: []string{"KRING_DOMAIN_SEVERITY"}},
					&cli.BoolFlag{Name: "reject-media", Usage: "drop attachments and event covers from the domain", EnvVars: []string{"KRING_DOMAIN_REJECT_MEDIA"}},
					&cli.BoolFlag{Name: "reject-reports", Usage: "ignore reports (Flag) from the domain", EnvVars: []string{"KRING_DOMAIN_REJECT_REPORTS"}},
					&cli.StringFlag{Name: "public-comment", Usage: "the reason the domain itself is told and the public list shows", EnvVars: []string{"KRING_DOMAIN_PUBLIC_COMMENT"}},
					&cli.StringFlag{Name: "private-comment", Usage: "the reason for the node's admins only", EnvVars: []string{"KRING_DOMAIN_PRIVATE_COMMENT"}},
					&cli.BoolFlag{Name: "obfuscate", Usage: "show the domain partly hidden in public lists", EnvVars: []string{"KRING_DOMAIN_OBFUSCATE"}},
				),
				Action: domainAction(s, runDomainBlock, "DOMAIN"),
			},
			{
				Name:      "unblock",
				Usage:     "lift the block of a domain (what a suspension dropped stays gone)",
				UsageText: "kring domain unblock DOMAIN [--data DIR]",
				ArgsUsage: "DOMAIN",
				Flags:     commonFlags(),
				Action:    domainAction(s, runDomainUnblock, "DOMAIN"),
			},
			{
				Name:      "allow",
				Usage:     "put a domain (and its subdomains) on the allowlist, which holds in allowlist mode",
				UsageText: "kring domain allow DOMAIN [--comment TEXT] [--data DIR]",
				ArgsUsage: "DOMAIN",
				Flags: append(commonFlags(),
					&cli.StringFlag{Name: "comment", Usage: "why the domain is listed, for the admins", EnvVars: []string{"KRING_DOMAIN_COMMENT"}}),
				Action: domainAction(s, runDomainAllow, "DOMAIN"),
			},
			{
				Name:      "disallow",
				Usage:     "take a domain off the allowlist; in allowlist mode its pending deliveries are cancelled",
				UsageText: "kring domain disallow DOMAIN [--data DIR]",
				ArgsUsage: "DOMAIN",
				Flags:     commonFlags(),
				Action:    domainAction(s, runDomainDisallow, "DOMAIN"),
			},
			{
				Name:      "mode",
				Usage:     "show or set whom the node federates with: open (all but suspended) or allowlist (listed domains only)",
				UsageText: "kring domain mode [open|allowlist] [--data DIR]",
				ArgsUsage: "[MODE]",
				Flags:     commonFlags(),
				Action: func(c *cli.Context) error {
					if c.NArg() > 1 {
						return usageError(c, "unexpected argument %q", c.Args().Get(1))
					}
					common, err := commonConfigFrom(c)
					if err != nil {
						return err
					}
					return runDomainMode(c.Context, domainConfig{commonConfig: common, Mode: c.Args().First()}, s)
				},
			},
			{
				Name:      "list",
				Usage:     "show the federation mode, the blocked domains and the allowlist",
				UsageText: "kring domain list [--data DIR]",
				Flags:     commonFlags(),
				Action:    domainAction(s, runDomainList),
			},
			{
				Name: "import",
				Usage: "block the domains of a block list in Mastodon's CSV form (domain_blocks.csv: " +
					"#domain,#severity,#reject_media,#reject_reports,#public_comment,#obfuscate), all or none; FILE - reads stdin",
				UsageText: "kring domain import FILE [--replace] [--data DIR]",
				ArgsUsage: "FILE",
				Flags: append(commonFlags(),
					&cli.BoolFlag{Name: "replace", Usage: "replace the blocks of domains already blocked (by default they are kept)", EnvVars: []string{"KRING_DOMAIN_REPLACE"}}),
				Action: domainAction(s, runDomainImport, "FILE"),
			},
			{
				Name:      "export",
				Usage:     "write the blocked domains in Mastodon's CSV form (private comments stay out), to FILE or stdout",
				UsageText: "kring domain export [FILE] [--data DIR]",
				ArgsUsage: "[FILE]",
				Flags:     commonFlags(),
				Action: func(c *cli.Context) error {
					if c.NArg() > 1 {
						return usageError(c, "unexpected argument %q", c.Args().Get(1))
					}
					common, err := commonConfigFrom(c)
					if err != nil {
						return err
					}
					return runDomainExport(c.Context, domainConfig{commonConfig: common, File: c.Args().First()}, s)
				},
			},
		},
	}
}

// domainAction reads the flags the domain commands share and exactly the
// arguments named.
func domainAction(s streams, run func(context.Context, domainConfig, streams) error, args ...string) cli.ActionFunc {
	return func(c *cli.Context) error {
		var values []string
		if len(args) == 0 {
			if err := noArgs(c); err != nil {
				return err
			}
		} else {
			var err error
			if values, err = needArgs(c, args...); err != nil {
				return err
			}
		}
		common, err := commonConfigFrom(c)
		if err != nil {
			return err
		}
		cfg := domainConfig{commonConfig: common, Comment: c.String("comment"), Replace: c.Bool("replace")}
		if len(values) > 0 {
			cfg.Domain, cfg.File = values[0], values[0]
		}
		if c.Command.Name == "block" {
			sev, err := content.ParseSeverity(c.String("severity"))
			if err != nil {
				return usageError(c, "--severity %q: use suspend, limit (Mastodon's silence) or noop", c.String("severity"))
			}
			cfg.Block = content.DomainBlock{Severity: sev, RejectMedia: c.Bool("reject-media"), RejectReports: c.Bool("reject-reports"),
				PublicComment: strings.TrimSpace(c.String("public-comment")), PrivateComment: strings.TrimSpace(c.String("private-comment")),
				Obfuscate: c.Bool("obfuscate")}
			if sev == content.SeverityNoop && !cfg.Block.RejectMedia && !cfg.Block.RejectReports {
				return usageError(c, "--severity noop changes nothing by itself: add --reject-media or --reject-reports")
			}
		}
		return run(c.Context, cfg, s)
	}
}

// policyEnv is an open node for a policy command, with the moderation
// log's name for the command line.
type policyEnv struct {
	db   *storage.DB
	node *content.Node
	by   string // the instance actor: `kring modlog` shows "(command line)"
}

func openPolicy(ctx context.Context, cfg commonConfig) (*policyEnv, error) {
	db, node, err := openNode(ctx, cfg)
	if err != nil {
		return nil, err
	}
	return &policyEnv{db: db, node: node, by: federation.NewIRIs(node.Host, node.Dev()).InstanceActor()}, nil
}

// parseDomainArg reads a domain argument and refuses one that covers the
// node itself.
func (env *policyEnv) parseDomainArg(typed string) (string, error) {
	d, err := content.ParseDomain(typed)
	if err != nil {
		return "", failure("give a domain such as spam.example, or a host with its port such as b.test:8080", "%s", messageOf(err))
	}
	for _, c := range content.DomainCandidates(env.node.Host) {
		if c == d {
			return "", failure("give another server's domain", "%s is this node's own domain (%s)", d, env.node.Host)
		}
	}
	return d, nil
}

func runDomainBlock(ctx context.Context, cfg domainConfig, s streams) error {
	env, err := openPolicy(ctx, cfg.commonConfig)
	if err != nil {
		return err
	}
	defer env.db.Close()
	b := cfg.Block
	if b.Domain, err = env.parseDomainArg(cfg.Domain); err != nil {
		return err
	}
	eff, err := env.db.BlockDomain(ctx, b, env.by)
	if err != nil {
		return err
	}
	what := map[content.Severity]string{content.SeveritySuspend: "Suspended", content.SeverityLimit: "Limited",
		content.SeverityNoop: "Blocked media or reports of"}[b.Severity]
	fmt.Fprintf(s.out, "%s %s and its subdomains: %s.\n", what, b.Domain, eff)
	fmt.Fprintln(s.out, "A running kring serve applies it within a second or two.")
	return nil
}

func runDomainUnblock(ctx context.Context, cfg domainConfig, s streams) error {
	return liftPolicy(ctx, cfg.commonConfig, s, policyLift{
		target: func(_ context.Context, _ *policyEnv) (string, error) { return content.ParseDomain(cfg.Domain) },
		lift:   (*storage.DB).UnblockDomain,
		hint:   "kring domain list shows the blocked domains; a subdomain is lifted with its parent's block",
		absent: "%s is not blocked",
		done:   "Unblocked %s: %s.\n",
	})
}

func runDomainAllow(ctx context.Context, cfg domainConfig, s streams) error {
	env, err := openPolicy(ctx, cfg.commonConfig)
	if err != nil {
		return err
	}
	defer env.db.Close()
	d, err := env.parseDomainArg(cfg.Domain)
	if err != nil {
		return err
	}
	if err := env.db.AllowDomain(ctx, content.DomainAllow{Domain: d, Comment: strings.TrimSpace(cfg.Comment)}, env.by); err != nil {
		return err
	}
	p, err := env.db.FederationPolicy(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(s.out, "Allowed %s and its subdomains.", d)
	if p.Mode != content.FederateAllowlist {
		fmt.Fprint(s.out, " The allowlist holds once the node is in allowlist mode: kring domain mode allowlist.")
	}
	fmt.Fprintln(s.out)
	return nil
}

func runDomainDisallow(ctx context.Context, cfg domainConfig, s streams) error {
	return liftPolicy(ctx, cfg.commonConfig, s, policyLift{
		target: func(_ context.Context, _ *policyEnv) (string, error) { return content.ParseDomain(cfg.Domain) },
		lift:   (*storage.DB).DisallowDomain,
		hint:   "kring domain list shows the allowlist",
		absent: "%s is not on the allowlist",
		done:   "Took %s off the allowlist: %s.\n",
	})
}

// policyLift is one way of taking a rule off the federation policy:
// unblocking a domain, taking one off the allowlist, lifting an actor's
// suspension or limit. liftPolicy runs it.
type policyLift struct {
	target func(context.Context, *policyEnv) (string, error) // what the rule is about, from the arguments
	lift   func(*storage.DB, context.Context, string, string) (storage.PolicyEffect, error)
	hint   string // the Try line when there is no such rule
	absent string // the error when there is none, with the target
	done   string // what is printed, with the target and the effect
}

func liftPolicy(ctx context.Context, cfg commonConfig, s streams, l policyLift) error {
	env, err := openPolicy(ctx, cfg)
	if err != nil {
		return err
	}
	defer env.db.Close()
	target, err := l.target(ctx, env)
	if err != nil {
		return err
	}
	eff, err := l.lift(env.db, ctx, target, env.by)
	if content.KindOf(err) == content.KindNotFound {
		return failure(l.hint, l.absent, target)
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(s.out, l.done, target, eff)
	return nil
}

func runDomainMode(ctx context.Context, cfg domainConfig, s streams) error {
	env, err := openPolicy(ctx, cfg.commonConfig)
	if err != nil {
		return err
	}
	defer env.db.Close()
	if cfg.Mode == "" {
		p, err := env.db.FederationPolicy(ctx)
		if err != nil {
			return err
		}
		fmt.Fprintln(s.out, describeMode(p.Mode, len(p.Allows)))
		return nil
	}
	mode, err := content.ParseFederationMode(cfg.Mode)
	if err != nil {
		return failure("kring domain mode open, or kring domain mode allowlist", "%s", messageOf(err))
	}
	eff, err := env.db.SetFederationMode(ctx, mode, env.by)
	if err != nil {
		return err
	}
	p, err := env.db.FederationPolicy(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(s.out, "%s (%s).\n", describeMode(p.Mode, len(p.Allows)), eff)
	if mode == content.FederateAllowlist && len(p.Allows) == 0 {
		fmt.Fprintln(s.out, "The allowlist is empty: the node federates with no one until kring domain allow DOMAIN lists a server.")
	}
	return nil
}

func describeMode(mode content.FederationMode, allowed int) string {
	if mode == content.FederateAllowlist {
		return fmt.Sprintf("Federation: allowlist, only with the %s on the allowlist and their subdomains", plural(allowed, "domain", "domains"))
	}
	return "Federation: open, with every server that is not suspended"
}

func runDomainList(ctx context.Context, cfg domainConfig, s streams) error {
	env, err := openPolicy(ctx, cfg.commonConfig)
	if err != nil {
		return err
	}
	defer env.db.Close()
	p, err := env.db.FederationPolicy(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintln(s.out, describeMode(p.Mode, len(p.Allows)))
	tw := tabwriter.NewWriter(s.out, 0, 4, 2, ' ', 0)
	if len(p.Blocks) == 0 {
		fmt.Fprintln(s.out, "No blocked domains: kring domain block DOMAIN blocks one.")
	} else {
		fmt.Fprintln(tw, "DOMAIN\tSEVERITY\tMEDIA\tREPORTS\tPUBLIC COMMENT\tPRIVATE COMMENT\tSINCE")
		for _, b := range p.Blocks {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", b.Domain, b.Severity, yesDash(b.RejectMedia, "rejected"),
				yesDash(b.RejectReports, "rejected"), orDash(oneLine(b.PublicComment, 50)), orDash(oneLine(b.PrivateComment, 50)), formatTime(b.CreatedAt))
		}
		if err := tw.Flush(); err != nil {
			return err
		}
	}
	if len(p.Allows) > 0 || p.Mode == content.FederateAllowlist {
		if len(p.Allows) == 0 {
			fmt.Fprintln(s.out, "The allowlist is empty.")
			return nil
		}
		fmt.Fprintln(tw, "ALLOWED\tCOMMENT\tSINCE")
		for _, a := range p.Allows {
			fmt.Fprintf(tw, "%s\t%s\t%s\n", a.Domain, orDash(oneLine(a.Comment, 60)), formatTime(a.CreatedAt))
		}
		return tw.Flush()
	}
	return nil
}

func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}

// messageOf is a domain error's message without its field prefix.
func messageOf(err error) string {
	if e, ok := content.AsError(err); ok {
		return e.Message
	}
	return err.Error()
}

func yesDash(b bool, yes string) string {
	if b {
		return yes
	}
	return "-"
}
