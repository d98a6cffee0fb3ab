package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/urfave/cli/v2"
	"golang.org/x/term"

	"kring/content"
)

// userConfig is what the `kring user` commands need; each reads the
// fields it has flags and arguments for.
type userConfig struct {
	commonConfig
	Username      string
	DisplayName   string
	Email         string
	Role          string
	PasswordStdin bool
}

func userCommand(s streams) *cli.Command {
	passwordStdin := func() cli.Flag {
		return &cli.BoolFlag{Name: "password-stdin", Usage: "read the password from one line of standard input instead of generating one",
			EnvVars: []string{"KRING_PASSWORD_STDIN"}}
	}
	return &cli.Command{
		Name:  "user",
		Usage: "manage members",
		Subcommands: []*cli.Command{
			{
				Name:      "add",
				Usage:     "add a member; prints a generated password unless --password-stdin",
				ArgsUsage: "NAME",
				Flags: append(commonFlags(),
					&cli.StringFlag{Name: "display-name", Usage: "name shown to others", EnvVars: []string{"KRING_DISPLAY_NAME"}},
					&cli.StringFlag{Name: "email", Usage: "e-mail address", EnvVars: []string{"KRING_EMAIL"}},
					&cli.StringFlag{Name: "role", Value: "member", Usage: "member, moderator or admin", EnvVars: []string{"KRING_ROLE"}},
					passwordStdin(),
				),
				Action: userAction(s, []string{"NAME"}, runUserAdd),
			},
			{
				Name:   "list",
				Usage:  "list the members",
				Flags:  commonFlags(),
				Action: userAction(s, nil, runUserList),
			},
			{
				Name:      "show",
				Usage:     "show a member's details",
				ArgsUsage: "NAME",
				Flags:     commonFlags(),
				Action:    userAction(s, []string{"NAME"}, runUserShow),
			},
			{
				Name:      "suspend",
				Usage:     "suspend a member and end their sessions",
				ArgsUsage: "NAME",
				Flags:     commonFlags(),
				Action: userAction(s, []string{"NAME"}, func(ctx context.Context, cfg userConfig, s streams) error {
					return runUserSuspend(ctx, cfg, s, true)
				}),
			},
			{
				Name:      "unsuspend",
				Usage:     "reinstate a suspended member",
				ArgsUsage: "NAME",
				Flags:     commonFlags(),
				Action: userAction(s, []string{"NAME"}, func(ctx context.Context, cfg userConfig, s streams) error {
					return runUserSuspend(ctx, cfg, s, false)
				}),
			},
			{
				Name:      "set-role",
				Usage:     "change a member's role to member, moderator or admin",
				ArgsUsage: "NAME ROLE",
				Flags:     commonFlags(),
				Action:    userAction(s, []string{"NAME", "ROLE"}, runUserSetRole),
			},
			{
				Name:      "reset-password",
				Usage:     "set a new password and end all the member's sessions; prints a generated one unless --password-stdin",
				ArgsUsage: "NAME",
				Flags:     append(commonFlags(), passwordStdin()),
				Action:    userAction(s, []string{"NAME"}, runUserResetPassword),
			},
			// The account lifecycle (account.go).
			userAliasCommand(s),
			userExportCommand(s),
			userDeleteCommand(s),
		},
	}
}

// userAction reads the arguments named in args (NAME, then ROLE) and the
// flags into a userConfig and runs fn with it.
func userAction(s streams, args []string, fn func(context.Context, userConfig, streams) error) cli.ActionFunc {
	return func(c *cli.Context) error {
		values, err := needArgs(c, args...)
		if err != nil {
			return err
		}
		common, err := commonConfigFrom(c)
		if err != nil {
			return err
		}
		cfg := userConfig{
			commonConfig:  common,
			DisplayName:   c.String("display-name"),
			Email:         c.String("email"),
			Role:          c.String("role"),
			PasswordStdin: c.Bool("password-stdin"),
		}
		if len(values) > 0 {
			cfg.Username = values[0]
		}
		if len(values) > 1 {
			cfg.Role = values[1]
		}
		return fn(c.Context, cfg, s)
	}
}

func runUserAdd(ctx context.Context, cfg userConfig, s streams) error {
	role, err := content.ParseRole(cfg.Role)
	if err != nil {
		return err
	}
	db, node, err := openNode(ctx, cfg.commonConfig)
	if err != nil {
		return err
	}
	defer db.Close()
	m, err := content.NewMember(cfg.Username, cfg.DisplayName, cfg.Email, role, node.DefaultLanguage)
	if err != nil {
		return err
	}
	password, err := newPassword(cfg, m.Username, s)
	if err != nil {
		return err
	}
	if err := setSecrets(m, password); err != nil {
		return err
	}
	if err := db.CreateMember(ctx, m); err != nil {
		return err
	}
	fmt.Fprintf(s.out, "Created member %q with role %s.\n", m.Username, m.Role)
	if !cfg.PasswordStdin {
		fmt.Fprintf(s.out, "Password: %s\n(shown once: pass it on safely; it can be changed in Settings)\n", password)
	}
	return nil
}

func runUserList(ctx context.Context, cfg userConfig, s streams) error {
	db, _, err := openNode(ctx, cfg.commonConfig)
	if err != nil {
		return err
	}
	defer db.Close()
	members, err := db.ListMembers(ctx)
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(s.out, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "USERNAME\tDISPLAY NAME\tROLE\tSUSPENDED\tCREATED")
	for _, m := range members {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", m.Username, orDash(m.DisplayName), m.Role, yesNo(m.Suspended), formatTime(m.CreatedAt))
	}
	return tw.Flush()
}

func runUserShow(ctx context.Context, cfg userConfig, s streams) error {
	db, _, err := openNode(ctx, cfg.commonConfig)
	if err != nil {
		return err
	}
	defer db.Close()
	m, err := db.MemberByUsername(ctx, cfg.Username)
	if err != nil {
		return err
	}
	// Never the password hash or the keys.
	tw := tabwriter.NewWriter(s.out, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "Username:\t%s\n", m.Username)
	fmt.Fprintf(tw, "Display name:\t%s\n", orDash(m.DisplayName))
	fmt.Fprintf(tw, "Email:\t%s\n", orDash(m.Email))
	fmt.Fprintf(tw, "Role:\t%s\n", m.Role)
	fmt.Fprintf(tw, "Language:\t%s\n", m.Language)
	fmt.Fprintf(tw, "Suspended:\t%s\n", yesNo(m.Suspended))
	fmt.Fprintf(tw, "Created:\t%s\n", formatTime(m.CreatedAt))
	fmt.Fprintf(tw, "Updated:\t%s\n", formatTime(m.UpdatedAt))
	if m.Bio != "" {
		fmt.Fprintf(tw, "Bio:\t%s\n", strings.ReplaceAll(m.Bio, "\n", "\n\t"))
	}
	return tw.Flush()
}

func runUserSuspend(ctx context.Context, cfg userConfig, s streams, suspend bool) error {
	db, _, err := openNode(ctx, cfg.commonConfig)
	if err != nil {
		return err
	}
	defer db.Close()
	if !suspend {
		if err := refuseDeleted(ctx, db, cfg.Username); err != nil { // account.go
			return err
		}
	}
	if err := db.SetMemberSuspended(ctx, cfg.Username, suspend); err != nil {
		return err
	}
	if suspend {
		fmt.Fprintf(s.out, "Suspended %q; their sessions have ended.\n", cfg.Username)
	} else {
		fmt.Fprintf(s.out, "Reinstated %q.\n", cfg.Username)
	}
	return nil
}

func runUserSetRole(ctx context.Context, cfg userConfig, s streams) error {
	role, err := content.ParseRole(cfg.Role)
	if err != nil {
		return err
	}
	db, _, err := openNode(ctx, cfg.commonConfig)
	if err != nil {
		return err
	}
	defer db.Close()
	if err := db.SetMemberRole(ctx, cfg.Username, role); err != nil {
		return err
	}
	fmt.Fprintf(s.out, "%q is now %s.\n", cfg.Username, role)
	return nil
}

func runUserResetPassword(ctx context.Context, cfg userConfig, s streams) error {
	db, _, err := openNode(ctx, cfg.commonConfig)
	if err != nil {
		return err
	}
	defer db.Close()
	m, err := db.MemberByUsername(ctx, cfg.Username)
	if err != nil {
		return err
	}
	password, err := newPassword(cfg, m.Username, s)
	if err != nil {
		return err
	}
	hash, err := content.HashPassword(password)
	if err != nil {
		return err
	}
	if err := db.SetMemberPassword(ctx, m.ID, hash, ""); err != nil {
		return err
	}
	fmt.Fprintf(s.out, "Reset the password of %q and ended all their sessions.\n", m.Username)
	if !cfg.PasswordStdin {
		fmt.Fprintf(s.out, "Password: %s\n(shown once: pass it on safely; it can be changed in Settings)\n", password)
	}
	return nil
}

// newPassword reads the password from stdin when asked to and checks it,
// else generates one.
func newPassword(cfg userConfig, username string, s streams) (string, error) {
	if !cfg.PasswordStdin {
		return generatePassword(username), nil
	}
	password, err := readPassword(s)
	if err != nil {
		return "", err
	}
	if err := content.ValidatePassword(password, username); err != nil {
		return "", err
	}
	return password, nil
}

// readPassword reads one line, without echo when stdin is a terminal.
func readPassword(s streams) (string, error) {
	if f, ok := s.in.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		fmt.Fprint(s.err, "Password: ")
		b, err := term.ReadPassword(int(f.Fd()))
		fmt.Fprintln(s.err)
		if err != nil {
			return "", fmt.Errorf("read password: %w", err)
		}
		return string(b), nil
	}
	line, err := bufio.NewReader(s.in).ReadString('\n')
	if err != nil && !(errors.Is(err, io.EOF) && line != "") {
		if errors.Is(err, io.EOF) {
			return "", failure("echo 'a long passphrase' | kring user ... --password-stdin, or leave out --password-stdin to get a generated password",
				"--password-stdin: standard input is empty")
		}
		return "", fmt.Errorf("read password from stdin: %w", err)
	}
	return strings.TrimRight(line, "\r\n"), nil
}

// generatePassword returns a generated password that passes
// ValidatePassword for username: a random one can contain a short
// username (two letters, say), which the check refuses.
func generatePassword(username string) string {
	p := content.GeneratePassword()
	for i := 0; i < 100 && content.ValidatePassword(p, username) != nil; i++ {
		p = content.GeneratePassword()
	}
	return p
}

// setSecrets hashes the password and gives the member a key pair.
func setSecrets(m *content.Member, password string) error {
	hash, err := content.HashPassword(password)
	if err != nil {
		return fmt.Errorf("hash password of %s: %w", m.Username, err)
	}
	keys, err := content.GenerateKeyPair()
	if err != nil {
		return fmt.Errorf("key pair for %s: %w", m.Username, err)
	}
	m.PasswordHash, m.PublicKeyPEM, m.PrivateKeyPEM = hash, keys.PublicPEM, keys.PrivatePEM
	return nil
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

func formatTime(t time.Time) string { return t.Local().Format("2006-01-02 15:04") }
