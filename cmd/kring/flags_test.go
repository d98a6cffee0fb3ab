package main

import (
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/urfave/cli/v2"
)

// TestEveryFlagHasAnEnvironmentVariable holds the CLI to the rule that
// every flag can also be set as KRING_*, and that the README names it.
func TestEveryFlagHasAnEnvironmentVariable(t *testing.T) {
	readme := readREADME(t)
	app := newApp(streams{in: strings.NewReader(""), out: io.Discard, err: io.Discard})
	var walk func(path string, cs []*cli.Command)
	walk = func(path string, cs []*cli.Command) {
		for _, c := range cs {
			for _, f := range c.Flags {
				name := f.Names()[0]
				if name == "help" {
					continue
				}
				env, ok := f.(interface{ GetEnvVars() []string })
				if !ok || len(env.GetEnvVars()) == 0 {
					t.Errorf("kring %s%s --%s has no KRING_* variable", path, c.Name, name)
					continue
				}
				for _, v := range env.GetEnvVars() {
					if !strings.HasPrefix(v, "KRING_") {
						t.Errorf("kring %s%s --%s: variable %s does not start with KRING_", path, c.Name, name, v)
					}
					if !strings.Contains(readme, "`"+v+"`") {
						t.Errorf("README does not document %s (kring %s%s --%s)", v, path, c.Name, name)
					}
				}
			}
			walk(path+c.Name+" ", c.Subcommands)
		}
	}
	walk("", app.Commands)
}

func readREADME(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
