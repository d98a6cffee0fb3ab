package main

import (
	"context"
	"fmt"
	"strings"
	"text/tabwriter"

	"github.com/urfave/cli/v2"

	"kring/content"
)

// forumConfig is what the `kring forum` commands need.
type forumConfig struct {
	commonConfig
	Name        string
	Title       string
	Description string
	Language    string
}

func forumCommand(s streams) *cli.Command {
	return &cli.Command{
		Name:  "forum",
		Usage: "manage forums (Group actors anyone on the fediverse can follow)",
		Subcommands: []*cli.Command{
			{
				Name:      "add",
				Usage:     "create a forum; its name is its handle, e.g. opendata for @opendata@HOST",
				ArgsUsage: "NAME",
				Flags: append(commonFlags(),
					&cli.StringFlag{Name: "title", Usage: "the forum's title, e.g. \"Open data\"", EnvVars: []string{"KRING_FORUM_TITLE"}},
					&cli.StringFlag{Name: "description", Usage: "what the forum is about", EnvVars: []string{"KRING_FORUM_DESCRIPTION"}},
					&cli.StringFlag{Name: "language", Value: "nl", Usage: "nl or en", EnvVars: []string{"KRING_FORUM_LANGUAGE"}},
				),
				Action: func(c *cli.Context) error {
					values, err := needArgs(c, "NAME")
					if err != nil {
						return err
					}
					common, err := commonConfigFrom(c)
					if err != nil {
						return err
					}
					return runForumAdd(c.Context, forumConfig{commonConfig: common, Name: values[0], Title: c.String("title"),
						Description: c.String("description"), Language: c.String("language")}, s)
				},
			},
			{
				Name:  "list",
				Usage: "list the forums and their moderators",
				Flags: commonFlags(),
				Action: func(c *cli.Context) error {
					if err := noArgs(c); err != nil {
						return err
					}
					common, err := commonConfigFrom(c)
					if err != nil {
						return err
					}
					return runForumList(c.Context, forumConfig{commonConfig: common}, s)
				},
			},
			forumSetCommand(s),
			{
				Name:  "moderator",
				Usage: "choose who moderates a forum (admins moderate every forum)",
				Subcommands: []*cli.Command{
					forumModeratorCommand(s, "add", "make a member a moderator of the forum", true),
					forumModeratorCommand(s, "remove", "take a member off the forum's moderators", false),
				},
			},
			forumBanCommand(s, "ban", "ban an actor from the forum: their threads and replies are refused; the forum's followers are told (Block)", true),
			forumBanCommand(s, "unban", "lift a ban (Undo Block)", false),
		},
	}
}

func runForumAdd(ctx context.Context, cfg forumConfig, s streams) error {
	lang, err := content.ParseLanguage(cfg.Language)
	if err != nil {
		return err
	}
	f, err := content.NewForum(cfg.Name, cfg.Title, cfg.Description, lang)
	if err != nil {
		return err
	}
	db, node, err := openNode(ctx, cfg.commonConfig)
	if err != nil {
		return err
	}
	defer db.Close()
	keys, err := content.GenerateKeyPair()
	if err != nil {
		return err
	}
	f.PublicKeyPEM, f.PrivateKeyPEM = keys.PublicPEM, keys.PrivatePEM
	if err := db.CreateForum(ctx, f); err != nil {
		return err
	}
	fmt.Fprintf(s.out, "Created forum %q (@%s@%s).\n", f.Title, f.Name, node.Host)
	return nil
}

func runForumList(ctx context.Context, cfg forumConfig, s streams) error {
	db, node, err := openNode(ctx, cfg.commonConfig)
	if err != nil {
		return err
	}
	defer db.Close()
	forums, err := db.ListForums(ctx)
	if err != nil {
		return err
	}
	if len(forums) == 0 {
		fmt.Fprintln(s.out, "No forums yet: kring forum add NAME --title TITLE creates one.")
		return nil
	}
	tw := tabwriter.NewWriter(s.out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "HANDLE\tTITLE\tLANGUAGE\tTHREADS BY\tMODERATORS\tCREATED")
	for _, f := range forums {
		mods, err := db.Moderators(ctx, f.ID)
		if err != nil {
			return fmt.Errorf("list moderators of %s: %w", f.Name, err)
		}
		fmt.Fprintf(tw, "@%s@%s\t%s\t%s\t%s\t%s\t%s\n", f.Name, node.Host, f.Title, f.Language, threadsBy(f.MembersOnlyThreads),
			orDash(strings.Join(mods, ",")), formatTime(f.CreatedAt))
	}
	return tw.Flush()
}

// threadsBy says who may start a forum's threads.
func threadsBy(membersOnly bool) string {
	if membersOnly {
		return "members"
	}
	return "anyone"
}

// forumChanges are the settings `kring forum set` was given; nil keeps
// what the forum has.
type forumChanges struct {
	Title, Description, Language *string
	MembersOnlyThreads           *bool
}

func forumSetCommand(s streams) *cli.Command {
	return &cli.Command{
		Name:      "set",
		Usage:     "change a forum's title, description, language or who may start threads; only what is given changes",
		UsageText: "kring forum set NAME [--title T] [--description D] [--language nl|en] [--members-only-threads=true|false] [--data DIR]",
		ArgsUsage: "NAME",
		Flags: append(commonFlags(),
			&cli.StringFlag{Name: "title", Usage: "the forum's title", EnvVars: []string{"KRING_FORUM_TITLE"}},
			&cli.StringFlag{Name: "description", Usage: "what the forum is about", EnvVars: []string{"KRING_FORUM_DESCRIPTION"}},
			&cli.StringFlag{Name: "language", Usage: "nl or en", EnvVars: []string{"KRING_FORUM_LANGUAGE"}},
			&cli.BoolFlag{Name: "members-only-threads", Usage: "true: only members of this node start threads; false: anyone on the fediverse may",
				EnvVars: []string{"KRING_FORUM_MEMBERS_ONLY_THREADS"}},
		),
		Action: func(c *cli.Context) error {
			values, err := needArgs(c, "NAME")
			if err != nil {
				return err
			}
			common, err := commonConfigFrom(c)
			if err != nil {
				return err
			}
			changes := forumChanges{Title: optString(c, "title"), Description: optString(c, "description"), Language: optString(c, "language")}
			if c.IsSet("members-only-threads") {
				v := c.Bool("members-only-threads")
				changes.MembersOnlyThreads = &v
			}
			if changes == (forumChanges{}) {
				return usageError(c, "nothing to change: give --title, --description, --language or --members-only-threads")
			}
			return runForumSet(c.Context, forumConfig{commonConfig: common, Name: values[0]}, changes, s)
		},
	}
}

// optString is a flag's value when it was given (also as its variable),
// else nil.
func optString(c *cli.Context, name string) *string {
	if !c.IsSet(name) {
		return nil
	}
	v := c.String(name)
	return &v
}

func runForumSet(ctx context.Context, cfg forumConfig, changes forumChanges, s streams) error {
	db, node, err := openNode(ctx, cfg.commonConfig)
	if err != nil {
		return err
	}
	defer db.Close()
	f, err := db.ForumByName(ctx, cfg.Name)
	if err != nil {
		return explainForumError(err, errHints{forum: cfg.Name})
	}
	if err := applyForumChanges(f, changes); err != nil {
		return err
	}
	fed, err := newFederation(db, node, fedOptions{}, newLogger(s.err, cfg.commonConfig))
	if err != nil {
		return err
	}
	if err := fed.UpdateForum(ctx, f); err != nil {
		return err
	}
	fmt.Fprintf(s.out, "Updated forum %q (@%s@%s): language %s, threads by %s.\n", f.Title, f.Name, node.Host, f.Language, threadsBy(f.MembersOnlyThreads))
	return nil
}

// applyForumChanges changes f as given, validated as a new forum is.
func applyForumChanges(f *content.Forum, changes forumChanges) error {
	title, description, lang := f.Title, f.Description, f.Language
	if changes.Title != nil {
		title = *changes.Title
	}
	if changes.Description != nil {
		description = *changes.Description
	}
	if changes.Language != nil {
		var err error
		if lang, err = content.ParseLanguage(*changes.Language); err != nil {
			return err
		}
	}
	checked, err := content.NewForum(f.Name, title, description, lang)
	if err != nil {
		return err
	}
	f.Title, f.Description, f.Language = checked.Title, checked.Description, checked.Language
	if changes.MembersOnlyThreads != nil {
		f.MembersOnlyThreads = *changes.MembersOnlyThreads
	}
	return nil
}

func forumModeratorCommand(s streams, name, usage string, on bool) *cli.Command {
	return &cli.Command{
		Name:      name,
		Usage:     usage,
		UsageText: "kring forum moderator " + name + " NAME USERNAME [--data DIR]",
		ArgsUsage: "NAME USERNAME",
		Flags:     commonFlags(),
		Action: func(c *cli.Context) error {
			values, err := needArgs(c, "NAME", "USERNAME")
			if err != nil {
				return err
			}
			common, err := commonConfigFrom(c)
			if err != nil {
				return err
			}
			return runForumModerator(c.Context, forumConfig{commonConfig: common, Name: values[0]}, values[1], on, s)
		},
	}
}

func runForumModerator(ctx context.Context, cfg forumConfig, username string, on bool, s streams) error {
	db, node, err := openNode(ctx, cfg.commonConfig)
	if err != nil {
		return err
	}
	defer db.Close()
	f, err := db.ForumByName(ctx, cfg.Name)
	if err != nil {
		return explainForumError(err, errHints{forum: cfg.Name})
	}
	m, err := db.MemberByUsername(ctx, username)
	if err != nil {
		return err
	}
	was, err := db.IsModerator(ctx, f.ID, m.ID)
	if err != nil {
		return err
	}
	switch {
	case was && on:
		fmt.Fprintf(s.out, "%s already moderates %s.\n", m.Username, f.Name)
		return nil
	case !was && !on:
		fmt.Fprintf(s.out, "%s does not moderate %s.\n", m.Username, f.Name)
		return nil
	}
	fed, err := newFederation(db, node, fedOptions{}, newLogger(s.err, cfg.commonConfig))
	if err != nil {
		return err
	}
	// The command line speaks for the node: its instance actor did it.
	if err := fed.SetModerator(ctx, fed.IRIs().InstanceActor(), f, m, on); err != nil {
		return err
	}
	if on {
		fmt.Fprintf(s.out, "%s now moderates %s.\n", m.Username, f.Name)
	} else {
		fmt.Fprintf(s.out, "%s no longer moderates %s.\n", m.Username, f.Name)
	}
	return nil
}

func forumBanCommand(s streams, name, usage string, on bool) *cli.Command {
	flags := actingFlags()
	usageText := "kring forum " + name + " NAME ACTOR --as MODERATOR [--data DIR]"
	if on {
		flags = append(flags, reasonFlag())
		usageText = "kring forum ban NAME ACTOR --as MODERATOR [--reason R] [--data DIR]"
	}
	return &cli.Command{
		Name:      name,
		Usage:     usage + "; ACTOR is user@host, an actor URL or a member's username",
		UsageText: usageText,
		ArgsUsage: "NAME ACTOR",
		Flags:     flags,
		Action: func(c *cli.Context) error {
			values, err := needArgs(c, "NAME", "ACTOR")
			if err != nil {
				return err
			}
			acting, err := actingConfigFrom(c)
			if err != nil {
				return err
			}
			return runForumBan(c.Context, banConfig{actingConfig: acting, Forum: values[0], Actor: values[1], Reason: c.String("reason"), On: on}, s)
		},
	}
}

// banConfig is what `kring forum ban` and `unban` need.
type banConfig struct {
	actingConfig
	Forum  string
	Actor  string // as typed: user@host, a URL or a username
	Reason string
	On     bool // ban; false lifts the ban
}

func runForumBan(ctx context.Context, cfg banConfig, s streams) error {
	env, err := memberSession(ctx, cfg.actingConfig, s)
	if err != nil {
		return err
	}
	defer env.db.Close()
	f, err := env.db.ForumByName(ctx, cfg.Forum)
	if err != nil {
		return explainForumError(err, errHints{forum: cfg.Forum, as: cfg.As})
	}
	// The permission first: a WebFinger look-up for someone who may not
	// ban is wasted on the other server.
	if err := requireModerator(ctx, env, f.ID, f.Name); err != nil {
		return err
	}
	actor, err := resolveActor(ctx, env, cfg.Actor)
	if err != nil {
		return err
	}
	if !cfg.On {
		if banned, err := env.db.IsBanned(ctx, f.ID, actor); err != nil || !banned {
			if err == nil {
				fmt.Fprintf(s.out, "%s is not banned from %s.\n", actor, f.Name)
			}
			return err
		}
	}
	if err := env.fed.Ban(ctx, env.member, f, actor, cfg.Reason, cfg.On); err != nil {
		return explainForumError(err, errHints{forum: f.Name, as: cfg.As})
	}
	if cfg.On {
		fmt.Fprintf(s.out, "Banned %s from %s; the forum's followers are told.\n", actor, f.Name)
	} else {
		fmt.Fprintf(s.out, "Lifted the ban of %s from %s; the forum's followers are told.\n", actor, f.Name)
	}
	return nil
}

// resolveActor turns what an admin typed into an actor id: a URL as it
// is, a handle of this node or a bare username as the member's id (no
// request to ourselves), any other handle by WebFinger.
func resolveActor(ctx context.Context, env *actingEnv, target string) (string, error) {
	target = strings.TrimSpace(target)
	if strings.HasPrefix(target, "https://") || strings.HasPrefix(target, "http://") {
		return target, nil
	}
	iris := env.fed.IRIs()
	handle := strings.TrimPrefix(strings.TrimPrefix(target, "acct:"), "@")
	user, host, remote := strings.Cut(handle, "@")
	if remote && host != iris.Host() {
		iri, err := env.fed.Resolve(ctx, handle)
		if err != nil {
			return "", failure("check the handle, or give the actor's URL", "cannot find %s: %v", handle, err)
		}
		return iri, nil
	}
	m, err := env.db.MemberByUsername(ctx, user)
	if content.KindOf(err) == content.KindNotFound {
		return "", failure("kring user list shows the members; someone elsewhere is user@host or an actor URL", "no member named %q", user)
	}
	if err != nil {
		return "", err
	}
	return iris.Actor(m.Username), nil
}
