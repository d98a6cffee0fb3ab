package main

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/urfave/cli/v2"

	"kring/content"
	"kring/federation"
	"kring/storage"
)

// reportConfig is what the `kring report` commands need.
type reportConfig struct {
	actingConfig
	ID      int64
	All     bool
	Limit   int
	Action  content.ReportAction
	Reason  string
	Forward bool
	Comment string // what the forwarded Flag says; "" sends the reporter's comment
}

func reportCommand(s streams) *cli.Command {
	return &cli.Command{
		Name:  "report",
		Usage: "the moderators' queue of reports: members' and other servers' (Flag) complaints about posts and accounts",
		Subcommands: []*cli.Command{
			{
				Name:      "list",
				Usage:     "list the open reports, newest first (--all: the closed ones too)",
				UsageText: "kring report list [--all] [--limit N] [--data DIR]",
				Flags: append(commonFlags(),
					&cli.BoolFlag{Name: "all", Usage: "also list resolved and dismissed reports", EnvVars: []string{"KRING_REPORT_ALL"}},
					&cli.IntFlag{Name: "limit", Value: 50, Usage: fmt.Sprintf("show at most N reports (1–%d)", storage.MaxReportPage),
						EnvVars: []string{"KRING_REPORT_LIMIT"}},
				),
				Action: func(c *cli.Context) error {
					if err := noArgs(c); err != nil {
						return err
					}
					common, err := commonConfigFrom(c)
					if err != nil {
						return err
					}
					cfg := reportConfig{actingConfig: actingConfig{commonConfig: common}, All: c.Bool("all"), Limit: c.Int("limit")}
					if cfg.Limit < 1 || cfg.Limit > storage.MaxReportPage {
						return usageError(c, "--limit %d: give a number from 1 to %d", cfg.Limit, storage.MaxReportPage)
					}
					return runReportList(c.Context, cfg, s)
				},
			},
			{
				Name:      "show",
				Usage:     "show a report: who reported whom, the comment, and the reported posts as they were then",
				UsageText: "kring report show ID [--data DIR]",
				ArgsUsage: "ID",
				Flags:     commonFlags(),
				Action: func(c *cli.Context) error {
					values, err := needArgs(c, "ID")
					if err != nil {
						return err
					}
					id, err := reportID(c, values[0])
					if err != nil {
						return err
					}
					common, err := commonConfigFrom(c)
					if err != nil {
						return err
					}
					return runReportShow(c.Context, reportConfig{actingConfig: actingConfig{commonConfig: common}, ID: id}, s)
				},
			},
			{
				Name: "resolve",
				Usage: "close a report as a moderator: dismiss it, delete the reported posts, suspend the account or block its server; " +
					"--forward first sends it on to the account's server",
				UsageText: "kring report resolve ID --as MODERATOR --action dismiss|delete|suspend|block [--reason R] [--forward [--comment C]] [--data DIR]",
				ArgsUsage: "ID",
				Flags: append(actingFlags(),
					&cli.StringFlag{Name: "action", Usage: "dismiss, delete (the reported posts), suspend (the account) or block (its server)",
						EnvVars: []string{"KRING_REPORT_ACTION"}},
					&cli.StringFlag{Name: "reason", Usage: "why, for the moderation log", EnvVars: []string{"KRING_MOD_REASON"}},
					&cli.BoolFlag{Name: "forward", Usage: "send the report to the server of an account elsewhere first, as a Flag from this node",
						EnvVars: []string{"KRING_REPORT_FORWARD"}},
					&cli.StringFlag{Name: "comment", Usage: "what the forwarded report says to the other server (default: the reporter's comment)",
						EnvVars: []string{"KRING_REPORT_COMMENT"}},
				),
				Action: func(c *cli.Context) error {
					values, err := needArgs(c, "ID")
					if err != nil {
						return err
					}
					id, err := reportID(c, values[0])
					if err != nil {
						return err
					}
					if c.String("action") == "" {
						return usageError(c, "--action is missing: give dismiss, delete, suspend or block")
					}
					action, err := content.ParseReportAction(c.String("action"))
					if err != nil {
						return usageError(c, "--action %q: give dismiss, delete, suspend or block", c.String("action"))
					}
					if c.IsSet("comment") && !c.Bool("forward") {
						return usageError(c, "--comment goes with --forward: it is what the other server reads")
					}
					acting, err := actingConfigFrom(c)
					if err != nil {
						return err
					}
					return runReportResolve(c.Context, reportConfig{actingConfig: acting, ID: id, Action: action, Reason: c.String("reason"),
						Forward: c.Bool("forward"), Comment: c.String("comment")}, s)
				},
			},
		},
	}
}

func reportID(c *cli.Context, arg string) (int64, error) {
	id, err := strconv.ParseInt(strings.TrimPrefix(arg, "#"), 10, 64)
	if err != nil || id <= 0 {
		return 0, usageError(c, "%q is not a report id: kring report list shows them", arg)
	}
	return id, nil
}

func runReportList(ctx context.Context, cfg reportConfig, s streams) error {
	db, node, err := openNode(ctx, cfg.commonConfig)
	if err != nil {
		return err
	}
	defer db.Close()
	reports, err := db.Reports(ctx, storage.ReportFilter{All: cfg.All, Limit: cfg.Limit})
	if err != nil {
		return err
	}
	if len(reports) == 0 {
		if cfg.All {
			fmt.Fprintln(s.out, "No reports yet.")
		} else {
			fmt.Fprintln(s.out, "No open reports. kring report list --all shows the closed ones.")
		}
		return nil
	}
	iris := federation.NewIRIs(node.Host, node.Dev())
	tw := tabwriter.NewWriter(s.out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tSTATE\tFILED\tREPORTED\tBY\tPOSTS\tCOMMENT")
	for _, r := range reports {
		state := string(r.State)
		if r.State != content.ReportOpen {
			state += " (" + string(r.Resolution) + ")"
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%d\t%s\n", r.ID, state, formatTime(r.CreatedAt), shortActor(iris, r.Target),
			shortActor(iris, r.Reporter), len(r.Objects), orDash(oneLine(r.Comment, 60)))
	}
	return tw.Flush()
}

// shortActor names a member of this node by username, anyone else by id.
func shortActor(iris federation.IRIs, iri string) string {
	if name, ok := iris.LocalUsername(iri); ok {
		return name
	}
	return iri
}

func runReportShow(ctx context.Context, cfg reportConfig, s streams) error {
	db, node, err := openNode(ctx, cfg.commonConfig)
	if err != nil {
		return err
	}
	defer db.Close()
	r, err := db.ReportByID(ctx, cfg.ID)
	if err != nil {
		return explainReportError(err, cfg)
	}
	iris := federation.NewIRIs(node.Host, node.Dev())
	origin := "a member of this node"
	if r.Origin == content.ReportRemote {
		origin = "another server (Flag " + r.FlagIRI + ")"
	}
	_, about, err := db.CountReports(ctx, r.Target)
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(s.out, 0, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "Report:\t%d (%s)\n", r.ID, r.State)
	fmt.Fprintf(tw, "Filed:\t%s\n", formatTime(r.CreatedAt))
	fmt.Fprintf(tw, "Reported:\t%s (%d reports about it so far)\n", shortActor(iris, r.Target), about)
	fmt.Fprintf(tw, "By:\t%s, %s\n", shortActor(iris, r.Reporter), origin)
	fmt.Fprintf(tw, "Comment:\t%s\n", orDash(oneLine(r.Comment, 2000)))
	if r.Forwarded != "" {
		fmt.Fprintf(tw, "Forwarded:\t%s\n", r.Forwarded)
	}
	if r.State != content.ReportOpen {
		line := fmt.Sprintf("%s by %s on %s", r.Resolution, shortActor(iris, r.Moderator), formatTime(r.ResolvedAt))
		if r.Reason != "" {
			line += ": " + oneLine(r.Reason, 2000)
		}
		fmt.Fprintf(tw, "Closed:\t%s\n", line)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if len(r.Snapshot) == 0 {
		fmt.Fprintln(s.out, "\nNo posts named; the report is about the account.")
		return nil
	}
	fmt.Fprintln(s.out, "\nPosts, as they were when reported:")
	for _, o := range r.Snapshot {
		fmt.Fprintf(s.out, "\n  %s\n", o.IRI)
		if !o.Held {
			fmt.Fprintln(s.out, "    (this node held no copy)")
			continue
		}
		meta := o.Type + " by " + shortActor(iris, o.AttributedTo) + ", " + formatTime(o.Published)
		if o.Deleted {
			meta += ", already deleted then"
		}
		fmt.Fprintf(s.out, "    %s\n", meta)
		if o.InReplyTo != "" {
			fmt.Fprintf(s.out, "    in reply to %s\n", o.InReplyTo)
		}
		for _, part := range []string{o.Name, o.Summary, content.HTMLToText(o.Content)} {
			if part = oneLine(part, 500); part != "" {
				fmt.Fprintf(s.out, "    %s\n", part)
			}
		}
	}
	return nil
}

func runReportResolve(ctx context.Context, cfg reportConfig, s streams) error {
	env, err := memberSession(ctx, cfg.actingConfig, s)
	if err != nil {
		return err
	}
	defer env.db.Close()
	// Forwarded first: a suspension or block leaves no way to the server.
	if cfg.Forward {
		flag, err := env.fed.ForwardReport(ctx, env.member, cfg.ID, cfg.Comment)
		if err != nil {
			return explainReportError(err, cfg)
		}
		fmt.Fprintf(s.out, "Forwarded report %d as %s; kring serve delivers it.\n", cfg.ID, flag.IRI)
	}
	r, err := env.fed.ResolveReport(ctx, env.member, cfg.ID, cfg.Action, cfg.Reason)
	if err != nil {
		return explainReportError(err, cfg)
	}
	switch cfg.Action {
	case content.ReportDismiss:
		fmt.Fprintf(s.out, "Dismissed report %d.\n", r.ID)
	case content.ReportDelete:
		fmt.Fprintf(s.out, "Resolved report %d: deleted the reported posts; kring serve delivers the deletions.\n", r.ID)
	case content.ReportSuspend:
		fmt.Fprintf(s.out, "Resolved report %d: suspended %s.\n", r.ID, r.Target)
	case content.ReportBlockDomain:
		fmt.Fprintf(s.out, "Resolved report %d: blocked the server of %s.\n", r.ID, r.Target)
	}
	return nil
}

// explainReportError gives the domain errors of reports the fix an admin
// can run; exitError prints the others as they are.
func explainReportError(err error, cfg reportConfig) error {
	e, ok := content.AsError(err)
	if !ok {
		return err
	}
	id := strconv.FormatInt(cfg.ID, 10)
	switch e.Code {
	case "report.not_found":
		return failure("kring report list --all shows the reports", "no report %s", id)
	case "report.not_moderator":
		return failure(fmt.Sprintf("act as a moderator or admin, or make %s one: kring user set-role %s moderator", cfg.As, cfg.As), "%s", e.Message)
	case "report.closed":
		return failure("kring report show "+id+" says how it was closed", "%s", e.Message)
	case "report.forwarded":
		return failure("leave out --forward", "%s", e.Message)
	case "report.forward_local", "report.block_local":
		return failure("leave out --forward; use --action delete, suspend or dismiss", "%s", e.Message)
	case "report.nothing_to_delete":
		return failure("use --action suspend or --action dismiss", "%s", e.Message)
	case "report.suspend_admin", "report.suspend_self", "report.suspend_local":
		return failure("kring report show "+id+" shows whom it is about", "%s", e.Message)
	}
	return err
}
