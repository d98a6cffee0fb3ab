package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strings"
	"text/tabwriter"
	"unicode/utf8"

	"github.com/urfave/cli/v2"

	"kring/content"
	"kring/storage"
)

// mediaConfig is what the `kring media` commands need.
type mediaConfig struct {
	commonConfig
	As   string
	File string // add: the image, "-" for standard input
	Alt  string // add: the description, trimmed
}

func mediaCommand(s streams) *cli.Command {
	return &cli.Command{
		Name:  "media",
		Usage: "upload and list a member's images (kring post --media and --cover show them)",
		Subcommands: []*cli.Command{
			{
				Name:      "add",
				Usage:     "upload an image: its metadata (GPS position, camera) is stripped, its pixels kept as they are",
				UsageText: `kring media add --as NAME --file FILE --alt "what the image shows" [--data DIR]`,
				Flags: append(commonFlags(),
					&cli.StringFlag{Name: "as", Usage: "the member who uploads", EnvVars: []string{"KRING_AS"}},
					&cli.StringFlag{Name: "file", Usage: "the image: JPEG, PNG, WebP or GIF (- for standard input)", EnvVars: []string{"KRING_MEDIA_FILE"}},
					&cli.StringFlag{Name: "alt", Usage: "what the image shows, for people who cannot see it", EnvVars: []string{"KRING_MEDIA_ALT"}},
				),
				Action: func(c *cli.Context) error {
					cfg, err := mediaConfigFrom(c)
					if err != nil {
						return err
					}
					cfg.File = c.String("file")
					cfg.Alt = strings.TrimSpace(strings.ReplaceAll(c.String("alt"), "\r\n", "\n"))
					switch {
					case cfg.File == "":
						return usageError(c, "--file is missing: name the image to upload")
					case cfg.Alt == "":
						return usageError(c, `--alt is missing: describe the image for people who cannot see it, e.g. --alt "Koffie op tafel"`)
					}
					return runMediaAdd(c.Context, cfg, s)
				},
			},
			{
				Name:      "list",
				Usage:     "list a member's images, newest first",
				UsageText: "kring media list --as NAME [--data DIR]",
				Flags: append(commonFlags(),
					&cli.StringFlag{Name: "as", Usage: "the member whose images to list", EnvVars: []string{"KRING_AS"}}),
				Action: func(c *cli.Context) error {
					cfg, err := mediaConfigFrom(c)
					if err != nil {
						return err
					}
					return runMediaList(c.Context, cfg, s)
				},
			},
		},
	}
}

// mediaConfigFrom reads what both subcommands take.
func mediaConfigFrom(c *cli.Context) (mediaConfig, error) {
	common, err := commonConfigFrom(c)
	if err != nil {
		return mediaConfig{}, err
	}
	if err := noArgs(c); err != nil {
		return mediaConfig{}, err
	}
	cfg := mediaConfig{commonConfig: common, As: c.String("as")}
	if cfg.As == "" {
		return cfg, usageError(c, "--as is missing: name the member")
	}
	return cfg, nil
}

func runMediaAdd(ctx context.Context, cfg mediaConfig, s streams) error {
	if err := content.ValidateAlt(cfg.Alt); err != nil {
		return refuseImage(cfg.File, err)
	}
	data, err := readImageFile(cfg.File, s.in)
	if err != nil {
		return err
	}
	img, err := content.ProcessImage(data, content.ImageLimits{})
	if err != nil {
		return refuseImage(cfg.File, err)
	}
	db, _, err := openNode(ctx, cfg.commonConfig)
	if err != nil {
		return err
	}
	defer db.Close()
	member, err := db.MemberByUsername(ctx, cfg.As)
	if err != nil {
		return err
	}
	if member.Suspended {
		return failure("kring user unsuspend "+member.Username+" first", "member %q is suspended and cannot upload", member.Username)
	}
	name, err := storage.NewMediaName(img.Ext)
	if err != nil {
		return err
	}
	files := storage.Files{Dir: storage.MediaDir(cfg.DataDir)}
	if err := files.Put(ctx, name, img.Data); err != nil {
		return err
	}
	m := &content.Media{Name: name, OwnerID: member.ID, MediaType: img.MediaType, Width: img.Width, Height: img.Height,
		Size: int64(len(img.Data)), Alt: cfg.Alt}
	if err := db.CreateMedia(ctx, m); err != nil {
		// The row is what makes the file reachable: without it, remove it.
		return errors.Join(fmt.Errorf("record image %s: %w", name, err), files.Remove(name))
	}
	fmt.Fprintf(s.out, "Uploaded image %d (%dx%d) /media/%s\n", m.ID, m.Width, m.Height, m.Name)
	return nil
}

// readImageFile reads an image from a file or, for "-", standard input,
// at most one byte more than an image may have: ProcessImage refuses the
// rest by size without the whole of it in memory.
func readImageFile(name string, stdin io.Reader) ([]byte, error) {
	r := stdin
	if name != "-" {
		f, err := os.Open(name)
		if err != nil {
			return nil, failure("check the file name and that you may read it", "cannot read %s: %v", name, pathCause(err))
		}
		defer f.Close()
		r = f
	}
	data, err := io.ReadAll(io.LimitReader(r, content.DefaultMaxImageBytes+1))
	if err != nil {
		return nil, failure("check the file name and that you may read it", "cannot read %s: %v", name, pathCause(err))
	}
	return data, nil
}

// pathCause drops the "open NAME:" that the message already says.
func pathCause(err error) error {
	if pe, ok := errors.AsType[*fs.PathError](err); ok {
		return pe.Err
	}
	return err
}

// imageTry is the fix for each refusal of an image or its description.
var imageTry = map[string]string{
	"media.empty":           "check the file name: that file is empty",
	"media.type":            "convert the image to JPEG, PNG, WebP or GIF first",
	"media.too_large":       fmt.Sprintf("make the file smaller than %d MiB, e.g. export the image at a lower resolution", content.DefaultMaxImageBytes>>20),
	"media.too_many_pixels": fmt.Sprintf("scale the image down to at most %d megapixels and %d pixels a side", content.DefaultMaxImagePixels/1_000_000, content.DefaultMaxImageSide),
	"media.corrupt":         "check that the image opens in an image viewer, and export it again",
	"media.alt_long":        fmt.Sprintf("shorten --alt to at most %d characters", content.MaxAltLen),
	"media.alt_encoding":    "give --alt as UTF-8 text",
}

// refuseImage says which input a refused upload is about, the file or
// --alt, and how to fix it.
func refuseImage(file string, err error) error {
	e, ok := content.AsError(err)
	if !ok {
		return err
	}
	try, ok := imageTry[e.Code]
	if !ok {
		return err
	}
	what := file
	switch {
	case e.Field == "alt":
		what = "--alt"
	case file == "-":
		what = "standard input"
	}
	return failure(try, "%s: %s", what, e.Message)
}

// maxListedAlt is how much of a description the list shows.
const maxListedAlt = 60

func runMediaList(ctx context.Context, cfg mediaConfig, s streams) error {
	db, _, err := openNode(ctx, cfg.commonConfig)
	if err != nil {
		return err
	}
	defer db.Close()
	member, err := db.MemberByUsername(ctx, cfg.As)
	if err != nil {
		return err
	}
	list, err := db.MediaByOwner(ctx, member.ID, storage.MaxMediaPage)
	if err != nil {
		return err
	}
	if len(list) == 0 {
		fmt.Fprintf(s.out, "%s has no images: kring media add --as %s --file FILE --alt TEXT uploads one.\n", member.Username, member.Username)
		return nil
	}
	tw := tabwriter.NewWriter(s.out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tNAME\tTYPE\tSIZE\tALT")
	for _, m := range list {
		fmt.Fprintf(tw, "%d\t%s\t%s\t%dx%d\t%s\n", m.ID, m.Name, m.MediaType, m.Width, m.Height, oneLine(m.Alt, maxListedAlt))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if len(list) == storage.MaxMediaPage {
		fmt.Fprintf(s.err, "Showing the newest %d images only.\n", storage.MaxMediaPage)
	}
	return nil
}

// oneLine fits text on one line of a table: line breaks and tabs become
// spaces, and it is cut to at most limit characters.
func oneLine(text string, limit int) string {
	text = strings.Join(strings.Fields(text), " ")
	if utf8.RuneCountInString(text) <= limit {
		return text
	}
	return string([]rune(text)[:limit-1]) + "…"
}
