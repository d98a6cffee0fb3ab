package main

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"slices"
	"strings"

	"github.com/urfave/cli/v2"

	"kring/content"
	"kring/federation"
	"kring/storage"
	"kring/web"
)

// dataCommand manages the node's open data: the licence it is published
// under, and the datasets written to a file, as /data serves them.
func dataCommand(s streams) *cli.Command {
	return &cli.Command{
		Name:  "data",
		Usage: "the open data at /data: its licence, and the datasets as files",
		Subcommands: []*cli.Command{
			{
				Name:      "licence",
				Usage:     "show the open data's licence, or set it to cc0 or cc-by",
				UsageText: "kring data licence [cc0|cc-by] [--data DIR]",
				ArgsUsage: "[cc0|cc-by]",
				Flags:     commonFlags(),
				Action: func(c *cli.Context) error {
					if c.NArg() > 1 {
						return usageError(c, "give one licence: cc0 or cc-by")
					}
					cfg, err := commonConfigFrom(c)
					if err != nil {
						return err
					}
					return runDataLicence(c.Context, cfg, c.Args().First(), s)
				},
			},
			{
				Name:      "export",
				Usage:     "write one dataset as CSV or JSON-LD, exactly as /data/DATASET.FORMAT serves it",
				UsageText: "kring data export --dataset posts|threads|events|members --format csv|jsonld [--out FILE] [--data DIR]",
				Flags: append(commonFlags(),
					&cli.StringFlag{Name: "dataset", Usage: "the dataset: " + strings.Join(storage.Datasets, ", "), EnvVars: []string{"KRING_DATA_DATASET"}},
					&cli.StringFlag{Name: "format", Value: web.FormatCSV, Usage: "the format: " + strings.Join(web.DataFormats, " or "), EnvVars: []string{"KRING_DATA_FORMAT"}},
					&cli.StringFlag{Name: "out", Usage: "write to this file instead of standard output", EnvVars: []string{"KRING_DATA_OUT"}},
				),
				Action: func(c *cli.Context) error {
					if err := noArgs(c); err != nil {
						return err
					}
					cfg, err := commonConfigFrom(c)
					if err != nil {
						return err
					}
					dataset, format := c.String("dataset"), c.String("format")
					if !slices.Contains(storage.Datasets, dataset) {
						return usageError(c, "--dataset must be one of %s", strings.Join(storage.Datasets, ", "))
					}
					if !slices.Contains(web.DataFormats, format) {
						return usageError(c, "--format must be %s", strings.Join(web.DataFormats, " or "))
					}
					return runDataExport(c.Context, cfg, dataset, format, c.String("out"), s)
				},
			},
		},
	}
}

func runDataLicence(ctx context.Context, cfg commonConfig, want string, s streams) error {
	var lic content.DataLicence
	if want != "" {
		var err error
		if lic, err = content.ParseDataLicence(want); err != nil {
			return failure("use kring data licence cc0 or kring data licence cc-by", "unknown licence %q", want)
		}
	}
	db, node, err := openNode(ctx, cfg)
	if err != nil {
		return err
	}
	defer db.Close()
	if want == "" {
		fmt.Fprintf(s.out, "%s\t%s\t%s\n", node.DataLicence, node.DataLicence.Title(), node.DataLicence.URL())
		return nil
	}
	if err := db.SetDataLicence(ctx, lic); err != nil {
		return err
	}
	fmt.Fprintf(s.out, "The open data is now published under %s (%s).\n", lic.Title(), lic.URL())
	return nil
}

func runDataExport(ctx context.Context, cfg commonConfig, dataset, format, out string, s streams) error {
	db, node, err := openNode(ctx, cfg)
	if err != nil {
		return err
	}
	defer db.Close()
	od := web.NewOpenData(db, federation.NewIRIs(node.Host, node.Dev()))
	if out == "" || out == "-" {
		w := bufio.NewWriter(s.out)
		if _, err := od.Write(ctx, w, dataset, format, node.DataLicence); err != nil {
			return err
		}
		return w.Flush()
	}
	f, err := os.OpenFile(out, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return failure("choose a file you may write to", "cannot write %s: %v", out, err)
	}
	w := bufio.NewWriter(f)
	n, err := od.Write(ctx, w, dataset, format, node.DataLicence)
	if err == nil {
		err = w.Flush()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("write %s: %w", out, err)
	}
	fmt.Fprintf(s.out, "Wrote %d item(s) of %s as %s to %s (licence %s).\n", n, dataset, format, out, node.DataLicence.Title())
	return nil
}
