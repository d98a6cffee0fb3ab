package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/urfave/cli/v2"
)

// postConfig is what `kring post` needs.
type postConfig struct {
	commonConfig
	As   string
	Text string
	File string
}

func postCommand(s streams) *cli.Command {
	return &cli.Command{
		Name:      "post",
		Usage:     "publish a public note as a member; a running kring serve delivers it",
		UsageText: "kring post --as NAME (--text TEXT | --file FILE | -) [--data DIR]",
		Flags: append(commonFlags(),
			&cli.StringFlag{Name: "as", Usage: "the member who posts", EnvVars: []string{"KRING_AS"}},
			&cli.StringFlag{Name: "text", Usage: "the text of the note", EnvVars: []string{"KRING_POST_TEXT"}},
			&cli.StringFlag{Name: "file", Usage: "read the text from FILE (- for standard input)", EnvVars: []string{"KRING_POST_FILE"}},
		),
		Action: func(c *cli.Context) error {
			common, err := commonConfigFrom(c)
			if err != nil {
				return err
			}
			cfg := postConfig{commonConfig: common, As: c.String("as"), Text: c.String("text"), File: c.String("file")}
			if cfg.Text == "" && cfg.File == "" && c.NArg() == 1 {
				cfg.Text = c.Args().First() // kring post --as alice "hello"
			} else if err := noArgs(c); err != nil {
				return err
			}
			if cfg.As == "" {
				return usageError(c, "--as is missing: name the member who posts")
			}
			if (cfg.Text == "") == (cfg.File == "") {
				return usageError(c, "give the note as --text TEXT or --file FILE, not both")
			}
			return runPost(c.Context, cfg, s)
		},
	}
}

func runPost(ctx context.Context, cfg postConfig, s streams) error {
	text := cfg.Text
	if cfg.File != "" {
		b, err := readTextFile(cfg.File, s.in)
		if err != nil {
			return err
		}
		text = b
	}
	db, node, err := openNode(ctx, cfg.commonConfig)
	if err != nil {
		return err
	}
	defer db.Close()
	m, err := db.MemberByUsername(ctx, cfg.As)
	if err != nil {
		return err
	}
	if m.Suspended {
		return failure("kring user unsuspend "+m.Username+" first", "member %q is suspended and cannot post", m.Username)
	}
	fed, err := newFederation(db, node, fedOptions{}, newLogger(s.err, cfg.commonConfig))
	if err != nil {
		return err
	}
	obj, err := fed.PublishNote(ctx, m, text)
	if err != nil {
		return err
	}
	fmt.Fprintf(s.out, "Published %s\n", obj.IRI)
	return nil
}

// readTextFile reads a note from a file or, for "-", standard input, with
// a size cap: a note is not a book.
func readTextFile(name string, stdin io.Reader) (string, error) {
	const maxText = 1 << 20
	var r io.Reader = stdin
	if name != "-" {
		f, err := os.Open(name)
		if err != nil {
			return "", failure("check the file name", "cannot read %s: %v", name, unwrapOp(err))
		}
		defer f.Close()
		r = f
	}
	b, err := io.ReadAll(io.LimitReader(r, maxText+1))
	if err != nil {
		return "", fmt.Errorf("read %s: %w", name, err)
	}
	if len(b) > maxText {
		return "", failure("shorten the text", "%s is larger than %d bytes", name, maxText)
	}
	return strings.TrimSpace(string(b)), nil
}
