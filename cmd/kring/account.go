package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/urfave/cli/v2"

	"kring/content"
	"kring/federation"
	"kring/storage"
)

// The account lifecycle: keys, follows lists, moving, deleting and
// exporting a member (the last three as `kring user` subcommands).

// keysCommand lists and rotates the key pairs of local actors.
func keysCommand(s streams) *cli.Command {
	return &cli.Command{
		Name:  "keys",
		Usage: "show and rotate the signing keys of members, forums, the organisation and the instance actor",
		Subcommands: []*cli.Command{
			{
				Name:   "list",
				Usage:  "list every local actor's key fingerprint and when it was last rotated",
				Flags:  commonFlags(),
				Action: runKeysList(s),
			},
			{
				Name: "rotate",
				Usage: "give an actor a new key pair and send its followers' servers an Update with the new key; " +
					"--actor is a member, a forum, the organisation's handle, or instance",
				UsageText: "kring keys rotate --actor NAME [--data DIR]",
				Flags: append(commonFlags(),
					&cli.StringFlag{Name: "actor", Usage: "whose key: a member's or forum's name, the organisation's handle, or instance",
						EnvVars: []string{"KRING_KEY_ACTOR"}}),
				Action: runKeysRotate(s),
			},
		},
	}
}

// openFederation opens the node with its federation side, for commands
// that act on behalf of the node rather than one member.
func openFederation(ctx context.Context, cfg commonConfig, resolve map[string]string, s streams) (*storage.DB, *federation.Node, error) {
	db, node, err := openNode(ctx, cfg)
	if err != nil {
		return nil, nil, err
	}
	fed, err := newFederation(db, node, fedOptions{Resolve: resolve}, newLogger(s.err, cfg))
	if err != nil {
		db.Close()
		return nil, nil, err
	}
	return db, fed, nil
}

func runKeysList(s streams) cli.ActionFunc {
	return func(c *cli.Context) error {
		if err := noArgs(c); err != nil {
			return err
		}
		cfg, err := commonConfigFrom(c)
		if err != nil {
			return err
		}
		db, fed, err := openFederation(c.Context, cfg, nil, s)
		if err != nil {
			return err
		}
		defer db.Close()
		keys, err := fed.LocalKeys(c.Context)
		if err != nil {
			return err
		}
		tw := tabwriter.NewWriter(s.out, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "NAME\tKIND\tFINGERPRINT\tROTATED")
		for _, k := range keys {
			rotated := "never"
			if len(k.Rotations) > 0 {
				rotated = fmt.Sprintf("%s (%d×)", formatTime(k.Rotations[0].RotatedAt), len(k.Rotations))
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", k.Name, k.Kind, k.Fingerprint, rotated)
		}
		return tw.Flush()
	}
}

func runKeysRotate(s streams) cli.ActionFunc {
	return func(c *cli.Context) error {
		if err := noArgs(c); err != nil {
			return err
		}
		cfg, err := commonConfigFrom(c)
		if err != nil {
			return err
		}
		name := strings.TrimSpace(c.String("actor"))
		if name == "" {
			return usageError(c, "--actor is missing: name the member, forum, organisation or instance whose key to rotate")
		}
		db, fed, err := openFederation(c.Context, cfg, nil, s)
		if err != nil {
			return err
		}
		defer db.Close()
		rot, err := fed.RotateKey(c.Context, name)
		if e, ok := content.AsError(err); ok && e.Kind == content.KindNotFound {
			return failure("kring keys list shows the actors and their keys", "%s", e.Message)
		}
		if err != nil {
			return err
		}
		fmt.Fprintf(s.out, "Rotated the key of %s (%s).\n", rot.Actor, rot.Kind)
		fmt.Fprintf(s.out, "Old: %s\nNew: %s\n", rot.OldFingerprint, rot.NewFingerprint)
		if rot.Kind == storage.KeyOfInstance {
			fmt.Fprintln(s.out, "The instance actor has no followers: servers fetch the new key when our next signed request fails to verify with the old one.")
		} else {
			fmt.Fprintf(s.out, "The Update with the new key is queued for %d inbox(es); kring serve delivers it. Servers that missed it fetch the key again when a signature fails.\n", rot.Notified)
		}
		return nil
	}
}

// followsCommand exports and imports the accounts a member follows, as the
// CSV Mastodon uses.
func followsCommand(s streams) *cli.Command {
	return &cli.Command{
		Name:  "follows",
		Usage: "export or import the accounts a member follows (Mastodon's CSV)",
		Subcommands: []*cli.Command{
			{
				Name:      "export",
				Usage:     "write the accounts a member follows as CSV (Account address,Show boosts,Notify on new posts,Languages)",
				UsageText: "kring follows export --as NAME [--out FILE] [--data DIR]",
				Flags: append(actingFlags(),
					&cli.StringFlag{Name: "out", Usage: "write to this file instead of standard output", EnvVars: []string{"KRING_FOLLOWS_OUT"}}),
				Action: runFollowsExport(s),
			},
			{
				Name: "import",
				Usage: "follow every account of a CSV follows list (as Mastodon exports it; - reads standard input); " +
					"accounts already followed are skipped, so it can run again",
				UsageText: "kring follows import --as NAME FILE [--data DIR]",
				ArgsUsage: "FILE",
				Flags:     actingFlags(),
				Action:    runFollowsImport(s),
			},
		},
	}
}

func runFollowsExport(s streams) cli.ActionFunc {
	return func(c *cli.Context) error {
		if err := noArgs(c); err != nil {
			return err
		}
		acting, err := actingConfigFrom(c)
		if err != nil {
			return err
		}
		env, err := openActing(c.Context, acting, s)
		if err != nil {
			return err
		}
		defer env.db.Close()
		out := c.String("out")
		if out == "" || out == "-" {
			_, err := env.fed.ExportFollows(c.Context, env.member, s.out)
			return err
		}
		var buf strings.Builder
		n, err := env.fed.ExportFollows(c.Context, env.member, &buf)
		if err != nil {
			return err
		}
		if err := writeFile(out, []byte(buf.String())); err != nil {
			return err
		}
		fmt.Fprintf(s.out, "Wrote %d account(s) %s follows to %s.\n", n, env.member.Username, out)
		return nil
	}
}

func runFollowsImport(s streams) cli.ActionFunc {
	return func(c *cli.Context) error {
		values, err := needArgs(c, "FILE")
		if err != nil {
			return err
		}
		acting, err := actingConfigFrom(c)
		if err != nil {
			return err
		}
		var in io.Reader = s.in
		if values[0] != "-" {
			f, err := os.Open(values[0])
			if err != nil {
				return failure("give the path of a CSV file, or - to read standard input", "cannot read the follows list: %v", err)
			}
			defer f.Close()
			in = f
		}
		env, err := openActing(c.Context, acting, s)
		if err != nil {
			return err
		}
		defer env.db.Close()
		counts := map[string]int{}
		lines := 0
		failed, err := env.fed.ImportFollows(c.Context, env.member, in, func(r federation.ImportedFollow) {
			lines++
			if r.Err != nil {
				fmt.Fprintf(s.out, "line %d: %s: %s (%v)\n", r.Line, r.Address, r.Outcome, r.Err)
				return
			}
			counts[r.Outcome]++
			fmt.Fprintf(s.out, "line %d: %s: %s\n", r.Line, r.Address, r.Outcome)
		})
		if err != nil {
			return err
		}
		fmt.Fprintf(s.out, "%d requested, %d already followed or requested, %d failed.\n",
			counts["requested"], counts["already following"]+counts["already requested"], failed)
		if failed > 0 {
			return failure("correct the lines named above and run the import again: accounts already followed are skipped",
				"%d of %d line(s) could not be followed", failed, lines)
		}
		return nil
	}
}

// moveCommand moves a member to an account elsewhere.
func moveCommand(s streams) *cli.Command {
	return &cli.Command{
		Name: "move",
		Usage: "move a member to another account (user@host), which must list this one in alsoKnownAs: " +
			"sets movedTo and sends Move to the followers, whose servers make them follow the new account",
		UsageText: "kring move --as NAME --to USER@HOST [--data DIR]",
		Flags: append(actingFlags(),
			&cli.StringFlag{Name: "to", Usage: "the new account, as user@host or actor URL", EnvVars: []string{"KRING_MOVE_TO"}}),
		Action: func(c *cli.Context) error {
			if err := noArgs(c); err != nil {
				return err
			}
			acting, err := actingConfigFrom(c)
			if err != nil {
				return err
			}
			to := strings.TrimSpace(c.String("to"))
			if to == "" {
				return usageError(c, "--to is missing: name the new account, e.g. --to jdevries@mastodon.example")
			}
			env, err := openActing(c.Context, acting, s)
			if err != nil {
				return err
			}
			defer env.db.Close()
			target, n, err := env.fed.MoveTo(c.Context, env.member, to)
			if e, ok := content.AsError(err); ok && e.Code == "move.no_alias" {
				return failure(fmt.Sprintf("on the new account, add %s@%s as an alias (on Kring: kring user alias --as NEW --add %s@%s), then move again",
					env.member.Username, env.fed.IRIs().Host(), env.member.Username, env.fed.IRIs().Host()), "%s", e.Message)
			}
			if err != nil {
				return err
			}
			fmt.Fprintf(s.out, "%s moved to %s; the Move is queued for %d inbox(es) of followers.\n", env.member.Username, target.IRI, n)
			return nil
		},
	}
}

// userDeleteCommand is `kring user delete`.
func userDeleteCommand(s streams) *cli.Command {
	return &cli.Command{
		Name: "delete",
		Usage: "delete a member's account for good: Delete goes to every server that knows it, its actor answers 410 Gone, " +
			"its posts, notes and events are deleted and its uploads removed; the name is never given out again",
		ArgsUsage: "NAME",
		Flags: append(commonFlags(),
			&cli.BoolFlag{Name: "yes", Usage: "confirm: the deletion cannot be undone", EnvVars: []string{"KRING_DELETE_YES"}}),
		Action: func(c *cli.Context) error {
			values, err := needArgs(c, "NAME")
			if err != nil {
				return err
			}
			cfg, err := commonConfigFrom(c)
			if err != nil {
				return err
			}
			if !c.Bool("yes") {
				return &userError{msg: fmt.Sprintf("deleting %q cannot be undone", values[0]),
					try: fmt.Sprintf("kring user export %s --out DIR first to keep a copy, then kring user delete %s --yes", values[0], values[0]), code: exitUsage}
			}
			db, fed, err := openFederation(c.Context, cfg, nil, s)
			if err != nil {
				return err
			}
			defer db.Close()
			m, err := db.MemberByUsername(c.Context, values[0])
			if err != nil {
				return err
			}
			gone, n, err := fed.DeleteAccount(c.Context, m)
			if err != nil {
				return err
			}
			files := storage.Files{Dir: storage.MediaDir(cfg.DataDir)}
			var removeErrs []error
			for _, name := range gone.MediaFiles {
				if err := files.Remove(name); err != nil && !errors.Is(err, os.ErrNotExist) {
					removeErrs = append(removeErrs, err)
				}
			}
			fmt.Fprintf(s.out, "Deleted %q: %d post(s), %d object(s), %d event(s), %d follow(s), %d upload(s). The Delete is queued for %d inbox(es).\n",
				m.Username, gone.Posts, gone.Objects, gone.Events, gone.Follows, gone.Media, n)
			if len(removeErrs) > 0 {
				return failure("remove the files by hand from "+files.Dir, "could not remove %d upload file(s): %v", len(removeErrs), errors.Join(removeErrs...))
			}
			return nil
		},
	}
}

// userAliasCommand is `kring user alias`: the accounts elsewhere that are
// also this member, so that one of them can move here.
func userAliasCommand(s streams) *cli.Command {
	return &cli.Command{
		Name: "alias",
		Usage: "list, add or remove the member's other accounts (alsoKnownAs), so that one of them can move here; " +
			"changes are sent to the followers as an Update",
		UsageText: "kring user alias --as NAME [--add USER@HOST]... [--remove USER@HOST]... [--data DIR]",
		Flags: append(actingFlags(),
			&cli.StringSliceFlag{Name: "add", Usage: "an account (user@host or actor URL) that is also this member; repeatable", EnvVars: []string{"KRING_ALIAS_ADD"}},
			&cli.StringSliceFlag{Name: "remove", Usage: "an account to take off the list; repeatable", EnvVars: []string{"KRING_ALIAS_REMOVE"}}),
		Action: func(c *cli.Context) error {
			if err := noArgs(c); err != nil {
				return err
			}
			acting, err := actingConfigFrom(c)
			if err != nil {
				return err
			}
			env, err := openActing(c.Context, acting, s)
			if err != nil {
				return err
			}
			defer env.db.Close()
			add, remove := c.StringSlice("add"), c.StringSlice("remove")
			var aliases []string
			if len(add) == 0 && len(remove) == 0 {
				acct, err := env.db.Account(c.Context, env.member.ID)
				if err != nil {
					return err
				}
				aliases = acct.AlsoKnownAs
			} else if aliases, err = env.fed.SetAliases(c.Context, env.member, add, remove); err != nil {
				return err
			}
			if len(aliases) == 0 {
				fmt.Fprintf(s.out, "%s names no other accounts.\n", env.member.Username)
				return nil
			}
			fmt.Fprintf(s.out, "%s is also known as:\n", env.member.Username)
			for _, a := range aliases {
				fmt.Fprintf(s.out, "  %s\n", a)
			}
			return nil
		},
	}
}

// userExportCommand is `kring user export`: a member's data as files.
func userExportCommand(s streams) *cli.Command {
	return &cli.Command{
		Name: "export",
		Usage: "write a member's data to a folder: actor.json (the profile as ActivityStreams), " +
			"outbox.json (everything they wrote) and following_accounts.csv (Mastodon's follows list)",
		ArgsUsage: "NAME",
		Flags: append(commonFlags(),
			&cli.StringFlag{Name: "out", Usage: "the folder to write to (made when missing)", EnvVars: []string{"KRING_EXPORT_DIR"}}),
		Action: func(c *cli.Context) error {
			values, err := needArgs(c, "NAME")
			if err != nil {
				return err
			}
			cfg, err := commonConfigFrom(c)
			if err != nil {
				return err
			}
			dir := strings.TrimSpace(c.String("out"))
			if dir == "" {
				return usageError(c, "--out is missing: name the folder to write to")
			}
			db, fed, err := openFederation(c.Context, cfg, nil, s)
			if err != nil {
				return err
			}
			defer db.Close()
			m, err := db.MemberByUsername(c.Context, values[0])
			if err != nil {
				return err
			}
			arc, err := fed.ExportAccount(c.Context, m)
			if err != nil {
				return err
			}
			if err := os.MkdirAll(dir, 0o700); err != nil {
				return failure("choose a folder you may write to", "cannot make %s: %v", dir, err)
			}
			for name, data := range map[string][]byte{"actor.json": arc.Actor, "outbox.json": arc.Outbox, "following_accounts.csv": arc.Follows} {
				if err := writeFile(filepath.Join(dir, name), data); err != nil {
					return err
				}
			}
			fmt.Fprintf(s.out, "Exported %q to %s: actor.json, outbox.json (%d item(s)), following_accounts.csv (%d account(s)).\n",
				m.Username, dir, arc.Objects, arc.FollowCount)
			return nil
		},
	}
}

// refuseDeleted refuses to reinstate a deleted member: its followers'
// servers were told the actor is gone.
func refuseDeleted(ctx context.Context, db *storage.DB, username string) error {
	m, err := db.MemberByUsername(ctx, username)
	if err != nil {
		return nil // SetMemberSuspended reports it
	}
	if acct, err := db.Account(ctx, m.ID); err == nil && acct.Deleted() {
		return failure("add a new member with kring user add: a deleted account's name is never given out again",
			"%q was deleted on %s and cannot be reinstated", username, formatTime(acct.DeletedAt))
	}
	return nil
}

// writeFile writes data to path for the node's user only: exports hold
// personal data.
func writeFile(path string, data []byte) error {
	if err := os.WriteFile(path, data, 0o600); err != nil {
		return failure("choose a file you may write to", "cannot write %s: %v", path, err)
	}
	return nil
}

// inviteCommand issues and manages invitations to register.
func inviteCommand(s streams) *cli.Command {
	return &cli.Command{
		Name:  "invite",
		Usage: "issue, list and revoke invitation links: registration on the node is by invitation only",
		Subcommands: []*cli.Command{
			{
				Name:      "create",
				Usage:     "make an invitation link (/register?invite=CODE), shown once",
				UsageText: "kring invite create [--uses N] [--expires 7d] [--data DIR]",
				Flags: append(commonFlags(),
					&cli.IntFlag{Name: "uses", Value: 1, Usage: "how many members may register with it; 0 is unlimited", EnvVars: []string{"KRING_INVITE_USES"}},
					&cli.StringFlag{Name: "expires", Value: "7d", Usage: "how long it stays valid: days (7d), hours (12h) or never",
						EnvVars: []string{"KRING_INVITE_EXPIRES"}}),
				Action: runInviteCreate(s),
			},
			{
				Name:   "list",
				Usage:  "list the invitations: id, code prefix, uses, expiry and state",
				Flags:  commonFlags(),
				Action: runInviteList(s),
			},
			{
				Name:      "revoke",
				Usage:     "make an invitation unusable",
				ArgsUsage: "ID",
				Flags:     commonFlags(),
				Action:    runInviteRevoke(s),
			},
		},
	}
}

// parseValidity reads --expires: a number of days (7d), a Go duration
// (12h, 90m), or never/0 for no expiry.
func parseValidity(v string) (time.Duration, error) {
	v = strings.ToLower(strings.TrimSpace(v))
	if v == "never" || v == "0" {
		return 0, nil
	}
	if days, ok := strings.CutSuffix(v, "d"); ok {
		n, err := strconv.Atoi(days)
		if err != nil || n <= 0 {
			return 0, fmt.Errorf("%q is not a number of days", v)
		}
		return time.Duration(n) * 24 * time.Hour, nil
	}
	d, err := time.ParseDuration(v)
	if err != nil || d <= 0 {
		return 0, fmt.Errorf("%q is not a duration", v)
	}
	return d, nil
}

func runInviteCreate(s streams) cli.ActionFunc {
	return func(c *cli.Context) error {
		if err := noArgs(c); err != nil {
			return err
		}
		cfg, err := commonConfigFrom(c)
		if err != nil {
			return err
		}
		uses := c.Int("uses")
		if uses < 0 {
			return usageError(c, "--uses %d: give a number of uses, or 0 for unlimited", uses)
		}
		validity, err := parseValidity(c.String("expires"))
		if err != nil {
			return usageError(c, "--expires: %v; use e.g. 7d, 12h or never", err)
		}
		db, node, err := openNode(c.Context, cfg)
		if err != nil {
			return err
		}
		defer db.Close()
		inv := &storage.Invite{MaxUses: uses, CreatedBy: "cli"}
		if validity > 0 {
			inv.ExpiresAt = time.Now().Add(validity)
		}
		code := content.NewToken()
		if err := db.CreateInvite(c.Context, code, inv); err != nil {
			return err
		}
		fmt.Fprintf(s.out, "Invitation %d: %s://%s/register?invite=%s\n", inv.ID, node.Scheme, node.Host, code)
		fmt.Fprintf(s.out, "(shown once) %s, %s.\n", usesText(inv.MaxUses), expiryText(inv.ExpiresAt))
		return nil
	}
}

func usesText(n int) string {
	switch n {
	case 0:
		return "unlimited uses"
	case 1:
		return "1 use"
	}
	return fmt.Sprintf("%d uses", n)
}

func expiryText(t time.Time) string {
	if t.IsZero() {
		return "never expires"
	}
	return "valid until " + formatTime(t)
}

func runInviteList(s streams) cli.ActionFunc {
	return func(c *cli.Context) error {
		if err := noArgs(c); err != nil {
			return err
		}
		cfg, err := commonConfigFrom(c)
		if err != nil {
			return err
		}
		db, _, err := openNode(c.Context, cfg)
		if err != nil {
			return err
		}
		defer db.Close()
		invites, err := db.Invites(c.Context)
		if err != nil {
			return err
		}
		if len(invites) == 0 {
			fmt.Fprintln(s.out, "No invitations. kring invite create makes one.")
			return nil
		}
		now := time.Now()
		tw := tabwriter.NewWriter(s.out, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "ID\tCODE\tUSES\tEXPIRES\tSTATE\tCREATED")
		for _, i := range invites {
			limit := "∞"
			if i.MaxUses > 0 {
				limit = strconv.Itoa(i.MaxUses)
			}
			expires := "never"
			if !i.ExpiresAt.IsZero() {
				expires = formatTime(i.ExpiresAt)
			}
			fmt.Fprintf(tw, "%d\t%s…\t%d/%s\t%s\t%s\t%s\n", i.ID, i.Prefix, i.Uses, limit, expires, i.State(now), formatTime(i.CreatedAt))
		}
		return tw.Flush()
	}
}

func runInviteRevoke(s streams) cli.ActionFunc {
	return func(c *cli.Context) error {
		values, err := needArgs(c, "ID")
		if err != nil {
			return err
		}
		id, err := strconv.ParseInt(values[0], 10, 64)
		if err != nil {
			return usageError(c, "%q is not an invitation id; kring invite list shows them", values[0])
		}
		cfg, err := commonConfigFrom(c)
		if err != nil {
			return err
		}
		db, _, err := openNode(c.Context, cfg)
		if err != nil {
			return err
		}
		defer db.Close()
		if err := db.RevokeInvite(c.Context, id); err != nil {
			if content.KindOf(err) == content.KindNotFound {
				return failure("kring invite list shows the invitations", "no invitation %d", id)
			}
			return err
		}
		fmt.Fprintf(s.out, "Revoked invitation %d.\n", id)
		return nil
	}
}
