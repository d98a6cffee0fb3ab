package main

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"kring/content"
)

// Block lists in and out, in the CSV form Mastodon exports and imports
// (Moderation → Federation → Export / Import).

// mastodonCSVHeader is the header of Mastodon's domain_blocks.csv.
var mastodonCSVHeader = []string{"#domain", "#severity", "#reject_media", "#reject_reports", "#public_comment", "#obfuscate"}

// parseBlockList reads a block list as Mastodon exports it (columns by
// the header, with or without '#'), or a plain list of domains, one a
// line, which Mastodon also imports (each suspended).
func parseBlockList(r io.Reader, source string) ([]content.DomainBlock, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	cr.TrimLeadingSpace = true
	rows, err := cr.ReadAll()
	if err != nil {
		return nil, failure("give a CSV file as Mastodon exports it (Moderation → Federation → Export)", "read %s: %v", source, err)
	}
	col := map[string]int{"domain": 0}
	if len(rows) > 0 && len(rows[0]) > 0 && strings.TrimPrefix(strings.ToLower(strings.TrimSpace(rows[0][0])), "#") == "domain" {
		col = map[string]int{}
		for i, name := range rows[0] {
			col[strings.TrimPrefix(strings.ToLower(strings.TrimSpace(name)), "#")] = i
		}
		rows = rows[1:]
	}
	field := func(row []string, name string) string {
		if i, ok := col[name]; ok && i < len(row) {
			return strings.TrimSpace(row[i])
		}
		return ""
	}
	flag := func(row []string, name string, line int) (bool, error) {
		v := field(row, name)
		if v == "" {
			return false, nil
		}
		b, err := strconv.ParseBool(v)
		if err != nil {
			return false, failure("write true or false", "%s line %d: %s %q is not true or false", source, line, name, v)
		}
		return b, nil
	}
	seen := map[string]bool{}
	var out []content.DomainBlock
	for i, row := range rows {
		line := i + 2
		if _, ok := col["domain"]; !ok {
			return nil, failure("start the file with Mastodon's header: "+strings.Join(mastodonCSVHeader, ","), "%s has no #domain column", source)
		}
		if len(row) == 0 || field(row, "domain") == "" || strings.HasPrefix(field(row, "domain"), "#") {
			continue
		}
		d, err := content.ParseDomain(field(row, "domain"))
		if err != nil {
			return nil, failure("correct or remove that line", "%s line %d: %s", source, line, messageOf(err))
		}
		if seen[d] {
			continue
		}
		seen[d] = true
		b := content.DomainBlock{Domain: d, Severity: content.SeveritySuspend, PublicComment: field(row, "public_comment"),
			PrivateComment: "imported from " + source}
		if v := field(row, "severity"); v != "" {
			if b.Severity, err = content.ParseSeverity(v); err != nil {
				return nil, failure("use suspend, silence or noop", "%s line %d: severity %q", source, line, v)
			}
		}
		if b.RejectMedia, err = flag(row, "reject_media", line); err != nil {
			return nil, err
		}
		if b.RejectReports, err = flag(row, "reject_reports", line); err != nil {
			return nil, err
		}
		if b.Obfuscate, err = flag(row, "obfuscate", line); err != nil {
			return nil, err
		}
		if err := content.ValidatePolicyComment("public_comment", b.PublicComment); err != nil {
			return nil, failure("shorten that line's public comment", "%s line %d: %s", source, line, messageOf(err))
		}
		if b.Severity == content.SeverityNoop && !b.RejectMedia && !b.RejectReports {
			continue // Mastodon keeps such rows for their comment; here they would change nothing
		}
		out = append(out, b)
	}
	return out, nil
}

func runDomainImport(ctx context.Context, cfg domainConfig, s streams) error {
	var r io.Reader = s.in
	source := "stdin"
	if cfg.File != "-" {
		f, err := os.Open(cfg.File)
		if err != nil {
			return failure("give the path of a CSV file, or - to read stdin", "open %s: %v", cfg.File, errors.Unwrap(err))
		}
		defer f.Close()
		r, source = f, filepath.Base(cfg.File)
	}
	blocks, err := parseBlockList(r, source)
	if err != nil {
		return err
	}
	env, err := openPolicy(ctx, cfg.commonConfig)
	if err != nil {
		return err
	}
	defer env.db.Close()
	for _, b := range blocks {
		if _, err := env.parseDomainArg(b.Domain); err != nil {
			return err
		}
	}
	added, skipped, eff, err := env.db.ImportDomainBlocks(ctx, blocks, !cfg.Replace, env.by)
	if err != nil {
		return err
	}
	fmt.Fprintf(s.out, "Imported %s from %s", plural(added, "block", "blocks"), source)
	if skipped > 0 {
		fmt.Fprintf(s.out, "; kept the blocks of %s already blocked (--replace replaces them)", plural(skipped, "domain", "domains"))
	}
	fmt.Fprintf(s.out, ": %s.\n", eff)
	return nil
}

func runDomainExport(ctx context.Context, cfg domainConfig, s streams) error {
	env, err := openPolicy(ctx, cfg.commonConfig)
	if err != nil {
		return err
	}
	defer env.db.Close()
	p, err := env.db.FederationPolicy(ctx)
	if err != nil {
		return err
	}
	w := s.out
	var f *os.File
	if cfg.File != "" && cfg.File != "-" {
		if f, err = os.OpenFile(cfg.File, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644); err != nil {
			return failure("give a path in a folder you can write to", "create %s: %v", cfg.File, errors.Unwrap(err))
		}
		defer f.Close()
		w = f
	}
	cw := csv.NewWriter(w)
	cw.Write(mastodonCSVHeader)
	for _, b := range p.Blocks {
		cw.Write([]string{b.Domain, b.Severity.MastodonSeverity(), strconv.FormatBool(b.RejectMedia), strconv.FormatBool(b.RejectReports),
			b.PublicComment, strconv.FormatBool(b.Obfuscate)})
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return fmt.Errorf("write %s: %w", cfg.File, err)
	}
	if f != nil {
		if err := f.Close(); err != nil {
			return fmt.Errorf("write %s: %w", cfg.File, err)
		}
		fmt.Fprintf(s.err, "Exported %s to %s.\n", plural(len(p.Blocks), "block", "blocks"), cfg.File)
	}
	return nil
}
