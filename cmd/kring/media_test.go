package main

import (
	"bytes"
	"context"
	"encoding/binary"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"kring/content"
	"kring/storage"
)

// secretPlace is the camera's note of where a photo was taken: it must not
// reach the stored file.
const secretPlace = "GPS 52.0907 N 5.1214 E"

// photoJPEG is a 40×30 JPEG as a phone writes it when held upright: EXIF
// with orientation 6 (shown turned a quarter, so 30×40) beside the make
// and place.
func photoJPEG(t *testing.T) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := jpeg.Encode(&b, testPicture(40, 30), nil); err != nil {
		t.Fatal(err)
	}
	le := binary.LittleEndian
	tiff := le.AppendUint32([]byte("II*\x00"), 8)
	tiff = le.AppendUint16(tiff, 2)
	tiff = le.AppendUint16(le.AppendUint16(tiff, 0x010F), 2) // Make, ASCII, stored after the IFD
	tiff = le.AppendUint32(le.AppendUint32(tiff, uint32(len(secretPlace)+1)), 8+2+2*12+4)
	tiff = le.AppendUint16(le.AppendUint16(tiff, 0x0112), 3) // Orientation, SHORT
	tiff = le.AppendUint16(le.AppendUint32(tiff, 1), 6)
	tiff = append(le.AppendUint32(le.AppendUint16(tiff, 0), 0), secretPlace+"\x00"...)
	app1 := binary.BigEndian.AppendUint16([]byte{0xFF, 0xE1}, uint16(2+6+len(tiff)))
	app1 = append(append(app1, "Exif\x00\x00"...), tiff...)
	return append(append([]byte{0xFF, 0xD8}, app1...), b.Bytes()[2:]...)
}

func testPicture(w, h int) image.Image {
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			img.Set(x, y, color.NRGBA{R: uint8(x * 6), G: uint8(y * 8), B: 90, A: 255})
		}
	}
	return img
}

func writeTestFile(t *testing.T, name string, data []byte) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

var uploadedRE = regexp.MustCompile(`^Uploaded image (\d+) \((\d+x\d+)\) /media/([0-9a-f]{32}\.(jpg|png))\n$`)

// TestMediaCommands uploads a photo and a PNG and lists them; the stored
// photo has lost its place but kept its orientation.
func TestMediaCommands(t *testing.T) {
	t.Parallel()
	dir := initNode(t)
	wantOK(t, kring(t, "user", "add", "alice", "--data", dir))
	wantOK(t, kring(t, "user", "add", "bob", "--data", dir))

	photo := writeTestFile(t, "photo.jpg", photoJPEG(t))
	r := kring(t, "media", "add", "--as", "alice", "--file", photo, "--alt", "  Koffie op tafel ", "--data", dir)
	wantOK(t, r)
	m := uploadedRE.FindStringSubmatch(r.stdout)
	if m == nil {
		t.Fatalf("add says %q, want Uploaded image ID (30x40) /media/NAME.jpg", r.stdout)
	}
	if m[2] != "30x40" {
		t.Errorf("size %s, want 30x40: the photo shows turned by its orientation", m[2])
	}
	photoName := m[3]

	stored, err := os.ReadFile(filepath.Join(storage.MediaDir(dir), photoName))
	if err != nil {
		t.Fatalf("stored file: %v", err)
	}
	if bytes.Contains(stored, []byte(secretPlace)) {
		t.Error("the stored photo still holds the place it was taken")
	}
	if cfg, format, err := image.DecodeConfig(bytes.NewReader(stored)); err != nil || format != "jpeg" || cfg.Width != 40 || cfg.Height != 30 {
		t.Errorf("stored file decodes as %s %d×%d, %v; want the 40×30 jpeg", format, cfg.Width, cfg.Height, err)
	}
	if !bytes.Contains(stored, []byte("Exif\x00\x00")) {
		t.Error("the stored photo lost its orientation")
	}

	// From standard input, with every flag from the environment.
	var pngData bytes.Buffer
	if err := png.Encode(&pngData, testPicture(12, 7)); err != nil {
		t.Fatal(err)
	}
	r = kringWith(t, runOpts{stdin: pngData.String(), env: []string{"KRING_DATA=" + dir, "KRING_AS=alice", "KRING_MEDIA_FILE=-",
		"KRING_MEDIA_ALT=Een plattegrond\nvan het stadhuis"}}, "media", "add")
	wantOK(t, r)
	m = uploadedRE.FindStringSubmatch(r.stdout)
	if m == nil || m[2] != "12x7" {
		t.Fatalf("add from stdin says %q, want Uploaded image ID (12x7) /media/NAME.png", r.stdout)
	}
	pngName := m[3]

	db := openStorage(t, filepath.Join(dir, storage.FileName))
	row, err := db.MediaByName(context.Background(), photoName)
	if err != nil {
		t.Fatal(err)
	}
	alice, err := db.MemberByUsername(context.Background(), "alice")
	if err != nil {
		t.Fatal(err)
	}
	if row.OwnerID != alice.ID || row.Alt != "Koffie op tafel" || row.MediaType != "image/jpeg" || row.Width != 30 || row.Height != 40 || row.Size != int64(len(stored)) {
		t.Errorf("row %+v, want alice's 30×40 image/jpeg of %d bytes described \"Koffie op tafel\"", row, len(stored))
	}

	r = kring(t, "media", "list", "--as", "alice", "--data", dir)
	wantOK(t, r)
	lines := strings.Split(strings.TrimSuffix(r.stdout, "\n"), "\n")
	if len(lines) != 3 {
		t.Fatalf("list has %d lines, want a header and two images:\n%s", len(lines), r.stdout)
	}
	for i, want := range [][]string{
		{"ID", "NAME", "TYPE", "SIZE", "ALT"},
		{pngName, "image/png", "12x7", "Een plattegrond van het stadhuis"}, // newest first, on one line
		{photoName, "image/jpeg", "30x40", "Koffie op tafel"},
	} {
		for _, w := range want {
			if !strings.Contains(lines[i], w) {
				t.Errorf("list line %d lacks %q:\n%s", i, w, r.stdout)
			}
		}
	}

	r = kring(t, "media", "list", "--as", "bob", "--data", dir)
	wantOK(t, r)
	if !strings.HasPrefix(r.stdout, "bob has no images") {
		t.Errorf("empty list says %q", r.stdout)
	}
}

// TestMediaCommandErrors: each refusal says what is wrong and how to fix
// it, and leaves no file behind.
func TestMediaCommandErrors(t *testing.T) {
	t.Parallel()
	dir := initNode(t)
	wantOK(t, kring(t, "user", "add", "alice", "--data", dir))
	wantOK(t, kring(t, "user", "suspend", "alice", "--data", dir))
	wantOK(t, kring(t, "user", "add", "carol", "--data", dir))
	photo := writeTestFile(t, "photo.jpg", photoJPEG(t))
	text := writeTestFile(t, "notes.jpg", []byte("not an image, whatever its name says"))
	huge := writeTestFile(t, "huge.png", append([]byte("\x89PNG\r\n\x1a\n"), make([]byte, content.DefaultMaxImageBytes)...))
	whole := photoJPEG(t)
	cut := writeTestFile(t, "cut.jpg", whole[:len(whole)/2])
	missing := filepath.Join(t.TempDir(), "missing.jpg")
	add := func(file, alt string, extra ...string) []string {
		return append([]string{"media", "add", "--as", "carol", "--file", file, "--alt", alt, "--data", dir}, extra...)
	}

	tests := []struct {
		name     string
		args     []string
		code     int
		msg, try string
	}{
		{"wrong type", add(text, "Notities"), 1,
			text + ": the file is not a JPEG, PNG, WebP or GIF image", "convert the image to JPEG, PNG, WebP or GIF first"},
		{"too large", add(huge, "Groot"), 1,
			huge + ": the file is larger than 10 MiB", "make the file smaller than 10 MiB, e.g. export the image at a lower resolution"},
		{"not readable", add(missing, "Weg"), 1,
			"cannot read " + missing + ": no such file or directory", "check the file name and that you may read it"},
		{"a folder", add(dir, "Map"), 1,
			"cannot read " + dir + ": is a directory", "check the file name and that you may read it"},
		{"alt too long", add(photo, strings.Repeat("ä", content.MaxAltLen+1)), 1,
			"--alt: the description is longer than 1500 characters", "shorten --alt to at most 1500 characters"},
		{"unknown member", []string{"media", "add", "--as", "dave", "--file", photo, "--alt", "Koffie", "--data", dir}, 1,
			`no member named "dave"`, "kring user list shows the members"},
		{"suspended member", []string{"media", "add", "--as", "alice", "--file", photo, "--alt", "Koffie", "--data", dir}, 1,
			`member "alice" is suspended and cannot upload`, "kring user unsuspend alice first"},
		{"alt missing", []string{"media", "add", "--as", "carol", "--file", photo, "--data", dir}, 2,
			`--alt is missing: describe the image for people who cannot see it, e.g. --alt "Koffie op tafel"`, "kring media add --help"},
		{"alt blank", add(photo, " \n "), 2,
			`--alt is missing: describe the image for people who cannot see it, e.g. --alt "Koffie op tafel"`, "kring media add --help"},
		{"file missing", []string{"media", "add", "--as", "carol", "--alt", "Koffie", "--data", dir}, 2,
			"--file is missing: name the image to upload", "kring media add --help"},
		{"as missing", []string{"media", "add", "--file", photo, "--alt", "Koffie", "--data", dir}, 2,
			"--as is missing: name the member", "kring media add --help"},
		{"an argument", add(photo, "Koffie", "extra"), 2,
			`unexpected argument "extra"`, "kring media add --help"},
		{"list of an unknown member", []string{"media", "list", "--as", "dave", "--data", dir}, 1,
			`no member named "dave"`, "kring user list shows the members"},
		{"list without --as", []string{"media", "list", "--data", dir}, 2,
			"--as is missing: name the member", "kring media list --help"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			wantError(t, kring(t, tt.args...), tt.code, tt.msg, tt.try)
		})
	}
	// The decoder's words end the message of a damaged image.
	wantErrorContains(t, kring(t, add(cut, "Half")...), 1, "Error: "+cut+": the image is damaged or incomplete: ",
		"\nTry: check that the image opens in an image viewer, and export it again\n")
	if entries, err := os.ReadDir(storage.MediaDir(dir)); err == nil && len(entries) > 0 {
		t.Errorf("refused uploads left %d files in the media folder", len(entries))
	}
}
