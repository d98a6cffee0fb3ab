// Command kring runs and administers a Kring node: init creates the data
// folder, serve runs the web server, user manages members, backup copies
// the live database, migrate shows and applies schema steps.
//
// Flags and KRING_* environment variables are read here, into plain Config
// structs, and nowhere else.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/urfave/cli/v2"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	go func() {
		// After the first signal, a second one kills at once rather than
		// waiting for a graceful shutdown.
		<-ctx.Done()
		stop()
	}()
	code := run(ctx, os.Args, streams{in: os.Stdin, out: os.Stdout, err: os.Stderr})
	stop()
	os.Exit(code)
}

// run runs the command line args and returns the exit code. Every error
// is printed here, once, as "Error: ..." and "Try: ...".
func run(ctx context.Context, args []string, s streams) int {
	app := newApp(s)
	err := app.RunContext(ctx, interspersed(args, app.Commands))
	if err == nil {
		return 0
	}
	msg, try, code := exitError(err)
	fmt.Fprintf(s.err, "Error: %s\n", msg)
	if try != "" {
		fmt.Fprintf(s.err, "Try: %s\n", try)
	}
	return code
}

func newApp(s streams) *cli.App {
	app := &cli.App{
		Name:      "kring",
		HelpName:  "kring",
		Usage:     "a federated community node for Dutch public-sector networks",
		Reader:    s.in,
		Writer:    s.out,
		ErrWriter: s.err,
		// `kring version` prints the version; no --version flag beside it.
		HideVersion: true,
		// run prints errors; urfave/cli must neither print nor exit.
		ExitErrHandler: func(*cli.Context, error) {},
		Commands: []*cli.Command{
			initCommand(s),
			serveCommand(s),
			userCommand(s),
			postCommand(s),
			postsCommand(s),
			mediaCommand(s),
			followCommand(s),
			unfollowCommand(s),
			followerCommand(s),
			queueCommand(s),
			forumCommand(s),
			threadCommand(s),
			eventCommand(s),
			seriesCommand(s),
			modlogCommand(s),
			domainCommand(s),
			actorCommand(s),
			reportCommand(s),
			keysCommand(s),
			followsCommand(s),
			moveCommand(s),
			inviteCommand(s),
			doctorCommand(s),
			restoreCommand(s),
			pageCommand(s),
			searchCommand(s),
			dataCommand(s),
			backupCommand(s),
			migrateCommand(s),
			versionCommand(s),
		},
	}
	app.OnUsageError = onUsageError
	app.Action = func(c *cli.Context) error {
		if c.Args().Present() {
			return usageError(c, "unknown command %q", c.Args().First())
		}
		return cli.ShowAppHelp(c)
	}
	for _, c := range app.Commands {
		setupCommand(c)
	}
	return app
}

// setupCommand gives every command the shared error handling. A command
// with subcommands refuses unknown ones; a leaf gets no "help" subcommand,
// so that `kring user add help` means a member named help.
func setupCommand(c *cli.Command) {
	c.OnUsageError = onUsageError
	if len(c.Subcommands) == 0 {
		c.HideHelpCommand = true
		return
	}
	c.Action = groupAction
	for _, sub := range c.Subcommands {
		setupCommand(sub)
	}
}

// groupAction runs for a command group given no known subcommand: help
// when there is none, a usage error for an unknown one.
func groupAction(c *cli.Context) error {
	if c.Args().Present() {
		return usageError(c, "unknown command %q for %s", c.Args().First(), helpName(c))
	}
	return cli.ShowSubcommandHelp(c)
}

// interspersed moves flags to just after the command's name, so that they
// may come after its arguments (kring user add jdevries --role admin) or
// before its name (kring --data ./data user list): urfave/cli v2, like the
// flag package, stops reading flags at the first argument. After "--"
// everything is an argument.
func interspersed(args []string, commands []*cli.Command) []string {
	if len(args) == 0 {
		return args
	}
	if len(args) > 2 && (args[1] == "help" || args[1] == "h") {
		// urfave/cli v2 lists no subcommands for `kring help user`; the
		// --help form does.
		return interspersed(append(append([]string{args[0]}, args[2:]...), "--help"), commands)
	}
	takesValue := map[string]bool{}
	var collect func([]*cli.Command)
	collect = func(cs []*cli.Command) {
		for _, c := range cs {
			for _, f := range c.Flags {
				tv, ok := f.(interface{ TakesValue() bool })
				for _, name := range f.Names() {
					takesValue[name] = ok && tv.TakesValue()
				}
			}
			collect(c.Subcommands)
		}
	}
	collect(commands)

	path := []string{args[0]}
	var flags, rest []string
	dashdash := false
	subs := commands
	group := true // the command found so far has subcommands
	for i := 1; i < len(args); i++ {
		a := args[i]
		switch {
		case a == "--":
			dashdash = true
			rest = append(rest, args[i+1:]...)
			i = len(args)
		case len(a) > 1 && a[0] == '-':
			flags = append(flags, a)
			name, _, hasValue := strings.Cut(strings.TrimLeft(a, "-"), "=")
			if !hasValue && takesValue[name] && i+1 < len(args) {
				i++
				flags = append(flags, args[i])
			}
		case len(rest) == 0 && findCommand(subs, a) != nil:
			path = append(path, a)
			subs = findCommand(subs, a).Subcommands
			group = len(subs) > 0
		default:
			rest = append(rest, a)
		}
	}
	if group {
		// An unknown subcommand (or "help"): keep it first, so that it is
		// reported as such rather than its flags as unknown.
		return append(append(path, rest...), flags...)
	}
	out := append(path, flags...)
	if dashdash {
		out = append(out, "--")
	}
	return append(out, rest...)
}

func findCommand(cs []*cli.Command, name string) *cli.Command {
	for _, c := range cs {
		if c.HasName(name) {
			return c
		}
	}
	return nil
}
