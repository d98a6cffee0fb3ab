package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/urfave/cli/v2"

	"kring/content"
	"kring/federation"
	"kring/storage"
)

// initConfig is what `kring init` needs.
type initConfig struct {
	commonConfig
	Host        string
	Name        string
	Description string
	Language    string
	OrgHandle   string
	OrgName     string
}

func initCommand(s streams) *cli.Command {
	return &cli.Command{
		Name:      "init",
		Usage:     "create the data folder, the database and the node's key pair",
		UsageText: "kring init --host HOST [--data DIR] [--name NAME] [--description TEXT] [--language nl|en]",
		Description: "The host is part of every actor id on the fediverse and cannot change later.\n" +
			"Running init again with the same host changes nothing.",
		Flags: append(commonFlags(),
			&cli.StringFlag{Name: "host", Usage: "public host name, e.g. kring.example.nl (required)", EnvVars: []string{"KRING_HOST"}},
			&cli.StringFlag{Name: "name", Value: "Kring", Usage: "the node's display name", EnvVars: []string{"KRING_NAME"}},
			&cli.StringFlag{Name: "description", Usage: "a line about the node", EnvVars: []string{"KRING_DESCRIPTION"}},
			&cli.StringFlag{Name: "language", Value: "nl", Usage: "default language: nl or en", EnvVars: []string{"KRING_LANGUAGE"}},
			&cli.StringFlag{Name: "org-handle", Value: federation.DefaultOrgHandle, Usage: "handle of the organisation's actor, which boosts every public post (e.g. ministerie)", EnvVars: []string{"KRING_ORG_HANDLE"}},
			&cli.StringFlag{Name: "org-name", Usage: "display name of the organisation's actor (default: the node's name)", EnvVars: []string{"KRING_ORG_NAME"}},
		),
		Action: func(c *cli.Context) error {
			if err := noArgs(c); err != nil {
				return err
			}
			common, err := commonConfigFrom(c)
			if err != nil {
				return err
			}
			cfg := initConfig{
				commonConfig: common,
				Host:         strings.TrimSpace(c.String("host")),
				Name:         strings.TrimSpace(c.String("name")),
				Description:  strings.TrimSpace(c.String("description")),
				Language:     c.String("language"),
				OrgHandle:    strings.TrimSpace(c.String("org-handle")),
				OrgName:      strings.TrimSpace(c.String("org-name")),
			}
			if cfg.Host == "" {
				return &userError{
					msg:  "--host is required: the public host name is part of every actor id and cannot change later",
					try:  fmt.Sprintf("kring init --host kring.example.nl --data %s (or --host localhost:8080 for development)", cfg.DataDir),
					code: exitUsage,
				}
			}
			return runInit(c.Context, cfg, s)
		},
	}
}

func runInit(ctx context.Context, cfg initConfig, s streams) error {
	if err := content.ValidateHost(cfg.Host); err != nil {
		return err
	}
	if err := content.ValidateNodeName(cfg.Name); err != nil {
		return err
	}
	lang, err := content.ParseLanguage(cfg.Language)
	if err != nil {
		return err
	}
	// Checked before anything is written: a refused handle leaves no node.
	if err := content.ValidateUsername(cfg.OrgHandle); err != nil {
		return failure("choose another --org-handle, e.g. ministerie", "organisation handle %q: %v", cfg.OrgHandle, err)
	}
	if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
		return fmt.Errorf("create data folder %s: %w", cfg.DataDir, err)
	}
	db, err := storage.Open(ctx, cfg.dbPath(), storage.Options{Create: true, Migrate: true})
	if err != nil {
		return inDataDir(cfg.DataDir, err)
	}
	defer db.Close()
	created, err := ensureNode(ctx, db, content.Node{Host: cfg.Host, Name: cfg.Name, Description: cfg.Description, DefaultLanguage: lang})
	if err != nil {
		return err
	}
	if !created {
		fmt.Fprintf(s.out, "The node in %s is already initialised for host %s; nothing changed.\n", cfg.DataDir, cfg.Host)
		return nil
	}
	node, err := db.Node(ctx)
	if err != nil {
		return err
	}
	fed, err := newFederation(db, node, fedOptions{}, newLogger(s.err, cfg.commonConfig))
	if err != nil {
		return err
	}
	if err := fed.EnsureOrganisation(ctx, cfg.OrgHandle, cfg.OrgName); err != nil {
		return err
	}
	fmt.Fprintf(s.out, "Initialised node %q for host %s in %s.\n", cfg.Name, cfg.Host, cfg.DataDir)
	fmt.Fprintf(s.out, "The organisation posts as @%s@%s: one follow of it brings every public post.\n", cfg.OrgHandle, cfg.Host)
	fmt.Fprintf(s.out, "Next: kring serve --data %s (it creates the first admin member and prints its password)\n", cfg.DataDir)
	return nil
}

// ensureNode stores the node's settings unless the database has them. It
// generates the instance key pair only when it is needed (RSA takes
// ~100 ms). A different host is refused by storage, which explains why.
func ensureNode(ctx context.Context, db *storage.DB, n content.Node) (created bool, err error) {
	existing, err := db.Node(ctx)
	switch {
	case err == nil && existing.Host == n.Host:
		return false, nil
	case err == nil:
		// Another host: InitNode refuses it with the explanation, without
		// looking at the keys.
	case errors.Is(err, storage.ErrNotInitialised):
		keys, err := content.GenerateKeyPair()
		if err != nil {
			return false, err
		}
		n.PublicKeyPEM, n.PrivateKeyPEM = keys.PublicPEM, keys.PrivatePEM
	default:
		return false, err
	}
	return db.InitNode(ctx, n)
}
