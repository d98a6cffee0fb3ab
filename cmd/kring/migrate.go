package main

import (
	"context"
	"fmt"
	"text/tabwriter"

	"github.com/urfave/cli/v2"

	"kring/storage"
)

// migrateConfig is what `kring migrate` needs.
type migrateConfig struct {
	commonConfig
}

func migrateCommand(s streams) *cli.Command {
	action := func(fn func(context.Context, migrateConfig, streams) error) cli.ActionFunc {
		return func(c *cli.Context) error {
			if err := noArgs(c); err != nil {
				return err
			}
			common, err := commonConfigFrom(c)
			if err != nil {
				return err
			}
			return fn(c.Context, migrateConfig{commonConfig: common}, s)
		}
	}
	return &cli.Command{
		Name:  "migrate",
		Usage: "show or apply database schema migrations",
		Subcommands: []*cli.Command{
			{Name: "status", Usage: "list the migrations and which are applied", Flags: commonFlags(), Action: action(runMigrateStatus)},
			{Name: "up", Usage: "apply the pending migrations (kring serve also does this on start)", Flags: commonFlags(), Action: action(runMigrateUp)},
		},
	}
}

func runMigrateStatus(ctx context.Context, cfg migrateConfig, s streams) error {
	db, err := openDB(ctx, cfg.commonConfig, storage.Options{})
	if err != nil {
		return err
	}
	defer db.Close()
	ms, err := db.Migrations(ctx)
	if err != nil {
		return err
	}
	current, err := db.SchemaVersion(ctx)
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(s.out, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "VERSION\tNAME\tAPPLIED")
	pending := 0
	for _, m := range ms {
		applied := "pending"
		if !m.AppliedAt.IsZero() {
			applied = m.AppliedAt.Local().Format("2006-01-02 15:04:05")
		} else {
			pending++
		}
		fmt.Fprintf(tw, "%04d\t%s\t%s\n", m.Version, m.Name, applied)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintf(s.out, "\nCurrent version: %d\nLatest version:  %d\n", current, storage.LatestVersion())
	if pending > 0 {
		fmt.Fprintf(s.out, "%d pending: back up (kring backup FILE --data %s), then run kring migrate up --data %s\n",
			pending, cfg.DataDir, cfg.DataDir)
	}
	return nil
}

func runMigrateUp(ctx context.Context, cfg migrateConfig, s streams) error {
	db, err := openDB(ctx, cfg.commonConfig, storage.Options{})
	if err != nil {
		return err
	}
	defer db.Close()
	before, err := db.SchemaVersion(ctx)
	if err != nil {
		return err
	}
	latest := storage.LatestVersion()
	if before == latest {
		fmt.Fprintf(s.out, "Schema is up to date at version %d.\n", latest)
		return nil
	}
	if err := db.MigrateTo(ctx, latest); err != nil {
		return err
	}
	fmt.Fprintf(s.out, "Applied migrations %d to %d; schema is at version %d.\n", before+1, latest, latest)
	return nil
}
