package content_test

import (
	"bytes"
	"encoding/base64"
	"encoding/binary"
	"hash/crc32"
	"image"
	"image/color"
	"image/color/palette"
	"image/gif"
	"image/jpeg"
	"image/png"
	"runtime"
	"strings"
	"testing"

	"kring/content"
)

// Test images are built here, byte by byte where no encoder exists, so
// each test shows exactly what it plants.

// The smallest WebP files, as browsers' feature tests use them: a 1×1
// lossless still and a 1×1 animation of one lossless frame.
var (
	webpLossless = mustBase64("UklGRhoAAABXRUJQVlA4TA0AAAAvAAAAEAcQERGIiP4HAA==")
	webpAnimated = mustBase64("UklGRlIAAABXRUJQVlA4WAoAAAASAAAAAAAAAAAAQU5JTQYAAAD/////AABBTk1GJgAAAAAAAAAAAAAAAAAAAGQAAABWUDhMDQAAAC8AAAAQBxAREYiI/gcA")
	webpLossy    = mustBase64("UklGRiIAAABXRUJQVlA4IBYAAAAwAQCdASoBAAEADsD+JaQAA3AAAAAA")
)

func mustBase64(s string) []byte {
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		panic(err)
	}
	return b
}

// gradient is a picture with enough detail that a re-encode would show.
func gradient(w, h int) *image.NRGBA {
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			img.Set(x, y, color.NRGBA{R: uint8(x * 255 / w), G: uint8(y * 255 / h), B: uint8((x + y) % 256), A: 255})
		}
	}
	return img
}

func encodePNG(t *testing.T, img image.Image) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func encodeJPEG(t *testing.T, img image.Image) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := jpeg.Encode(&b, img, &jpeg.Options{Quality: 90}); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// encodeGIF makes a looping animation of frames frames.
func encodeGIF(t *testing.T, w, h, frames int) []byte {
	t.Helper()
	g := &gif.GIF{LoopCount: 0}
	for f := range frames {
		p := image.NewPaletted(image.Rect(0, 0, w, h), palette.Plan9)
		for i := range p.Pix {
			p.Pix[i] = uint8((i + f*7) % 256)
		}
		g.Image, g.Delay = append(g.Image, p), append(g.Delay, 10)
	}
	var b bytes.Buffer
	if err := gif.EncodeAll(&b, g); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// splice returns data with parts inserted at index at.
func splice(data []byte, at int, parts ...[]byte) []byte {
	out := append([]byte(nil), data[:at]...)
	for _, p := range parts {
		out = append(out, p...)
	}
	return append(out, data[at:]...)
}

func pngChunk(typ string, body []byte) []byte {
	out := binary.BigEndian.AppendUint32(nil, uint32(len(body)))
	out = append(append(out, typ...), body...)
	return binary.BigEndian.AppendUint32(out, crc32.ChecksumIEEE(out[4:]))
}

// pngHeader is a PNG of an IHDR alone: a header claiming any size.
func pngHeader(w, h uint32) []byte {
	ihdr := binary.BigEndian.AppendUint32(nil, w)
	ihdr = binary.BigEndian.AppendUint32(ihdr, h)
	ihdr = append(ihdr, 8, 6, 0, 0, 0)
	out := append([]byte("\x89PNG\r\n\x1a\n"), pngChunk("IHDR", ihdr)...)
	return append(out, pngChunk("IEND", nil)...)
}

func jpegSegment(marker byte, payload string) []byte {
	out := []byte{0xFF, marker}
	out = binary.BigEndian.AppendUint16(out, uint16(len(payload)+2))
	return append(out, payload...)
}

// tiff is an EXIF block: IFD0 with a Make tag and, when non-zero, an
// Orientation tag.
func tiff(order binary.AppendByteOrder, orientation uint16, maker string) []byte {
	var out []byte
	if order == binary.AppendByteOrder(binary.BigEndian) {
		out = []byte("MM\x00*")
	} else {
		out = []byte("II*\x00")
	}
	out = order.AppendUint32(out, 8)
	entries := uint16(1)
	if orientation != 0 {
		entries++
	}
	out = order.AppendUint16(out, entries)
	makeAt := 8 + 2 + 12*int(entries) + 4
	out = order.AppendUint16(out, 0x010F) // Make, ASCII
	out = order.AppendUint16(out, 2)
	out = order.AppendUint32(out, uint32(len(maker)+1))
	out = order.AppendUint32(out, uint32(makeAt))
	if orientation != 0 {
		out = order.AppendUint16(out, 0x0112) // Orientation, SHORT
		out = order.AppendUint16(out, 3)
		out = order.AppendUint32(out, 1)
		out = order.AppendUint16(out, orientation)
		out = order.AppendUint16(out, 0)
	}
	out = order.AppendUint32(out, 0) // no next IFD
	return append(append(out, maker...), 0)
}

func riffChunk(fourcc string, body []byte) []byte {
	out := binary.LittleEndian.AppendUint32([]byte(fourcc), uint32(len(body)))
	out = append(out, body...)
	if len(body)%2 == 1 {
		out = append(out, 0)
	}
	return out
}

func webpFile(chunks ...[]byte) []byte {
	body := []byte("WEBP")
	for _, c := range chunks {
		body = append(body, c...)
	}
	return append(binary.LittleEndian.AppendUint32([]byte("RIFF"), uint32(len(body))), body...)
}

// vp8x is the extended-format header chunk for a w×h canvas.
func vp8x(flags byte, w, h int) []byte {
	body := []byte{flags, 0, 0, 0}
	body = append(body, byte(w-1), byte((w-1)>>8), byte((w-1)>>16))
	body = append(body, byte(h-1), byte((h-1)>>8), byte((h-1)>>16))
	return riffChunk("VP8X", body)
}

// vp8lChunk is the lossless bitstream of webpLossless.
func vp8lChunk() []byte { return webpLossless[12:] }

// The metadata planted in the test images: what must not survive.
const (
	secretMake    = "SecretCam 3000"
	secretGPS     = "GPSLatitude 52.3702 N"
	secretComment = "shot at home, Kerkstraat 12"
	secretXMP     = `<x:xmpmeta xmlns:x="adobe:ns:meta/">` + secretGPS + `</x:xmpmeta>`
)

func jpegWithMetadata(t *testing.T) []byte {
	t.Helper()
	plain := encodeJPEG(t, gradient(40, 30))
	return append(splice(plain, 2,
		jpegSegment(0xE0, "JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x01\x01THUMB"), // a 1×1 thumbnail: RGB bytes "THU"
		jpegSegment(0xE1, "Exif\x00\x00"+string(tiff(binary.LittleEndian, 6, secretMake))),
		jpegSegment(0xE1, "http://ns.adobe.com/xap/1.0/\x00"+secretXMP),
		jpegSegment(0xE2, "ICC_PROFILE\x00\x01\x01fake profile bytes"),
		jpegSegment(0xE2, "MPF\x00II*\x00"),
		jpegSegment(0xED, "Photoshop 3.0\x008BIM"+secretComment),
		jpegSegment(0xEE, "Adobe\x00\x64\x00\x00\x00\x00\x01"),
		jpegSegment(0xFE, secretComment),
		jpegSegment(0xE0, "JFXX\x00\x10thumbnail"),
	), "MotionPhoto_Data video after the image"...)
}

func pngWithMetadata(t *testing.T) []byte {
	t.Helper()
	plain := encodePNG(t, gradient(20, 10))
	afterIHDR := 8 + 12 + 13
	actl := binary.BigEndian.AppendUint32(binary.BigEndian.AppendUint32(nil, 1), 0)
	return append(splice(plain, afterIHDR,
		pngChunk("gAMA", binary.BigEndian.AppendUint32(nil, 45455)),
		pngChunk("pHYs", []byte{0, 0, 0x0b, 0x13, 0, 0, 0x0b, 0x13, 1}),
		pngChunk("acTL", actl),
		pngChunk("tEXt", []byte("Comment\x00"+secretGPS)),
		pngChunk("zTXt", []byte("Author\x00\x00x\x9c\x03\x00\x00\x00\x00\x01")),
		pngChunk("iTXt", []byte("XML:com.adobe.xmp\x00\x00\x00\x00\x00"+secretXMP)),
		pngChunk("eXIf", tiff(binary.BigEndian, 3, secretMake)),
		pngChunk("tIME", []byte{0x07, 0xea, 3, 14, 12, 0, 0}),
		pngChunk("prVt", []byte(secretComment)),
	), "trailing "+secretComment...)
}

func gifWithMetadata(t *testing.T) []byte {
	t.Helper()
	plain := encodeGIF(t, 16, 12, 3)
	afterTable := 13 // Go writes a colour table per frame, none global
	if plain[10]&0x80 != 0 {
		t.Fatal("the encoder wrote a global colour table: adjust the splice point")
	}
	comment := append([]byte{0x21, 0xFE, byte(len(secretComment))}, secretComment...)
	xmp := append([]byte{0x21, 0xFF, 11}, "XMP DataXMP"...)
	xmp = append(append(xmp, byte(len(secretXMP))), secretXMP...)
	return append(splice(plain, afterTable, append(comment, 0), append(xmp, 0)), "after the trailer"...)
}

func webpWithMetadata(t *testing.T) []byte {
	t.Helper()
	const exifXMPICC = 0x08 | 0x04 | 0x20
	return webpFile(
		vp8x(exifXMPICC, 1, 1),
		riffChunk("ICCP", []byte("fake profile")),
		vp8lChunk(),
		riffChunk("EXIF", tiff(binary.LittleEndian, 8, secretMake)),
		riffChunk("XMP ", []byte(secretXMP)),
		riffChunk("JUNK", []byte(secretComment)),
	)
}

func animatedWebPWithMetadata(t *testing.T) []byte {
	t.Helper()
	const animAlphaEXIF = 0x02 | 0x10 | 0x08
	chunks := webpAnimated[12+18:] // ANIM and ANMF, after the VP8X chunk
	return webpFile(vp8x(animAlphaEXIF, 1, 1), chunks, riffChunk("EXIF", append([]byte("Exif\x00\x00"), tiff(binary.BigEndian, 5, secretMake)...)))
}

func TestProcessImageStripsMetadata(t *testing.T) {
	gone := []string{"THUMB", secretMake, "GPSLatitude", "xmpmeta", secretComment, "Photoshop", "tEXt", "zTXt", "iTXt", "tIME", "prVt", "XMP", "MPF", "JFXX", "MotionPhoto", "trailer"}
	tests := []struct {
		name            string
		input           func(*testing.T) []byte
		mediaType, ext  string
		width, height   int // of the stored pixels
		shownW, shownH  int // as displayed, turned by the orientation
		orientation     int
		kept            []string
		decodesAllAsGIF int // frames a GIF must still have
	}{
		{name: "jpeg", input: jpegWithMetadata, mediaType: "image/jpeg", ext: "jpg", width: 40, height: 30, shownW: 30, shownH: 40, orientation: 6,
			kept: []string{"JFIF", "ICC_PROFILE", "Adobe"}},
		{name: "png", input: pngWithMetadata, mediaType: "image/png", ext: "png", width: 20, height: 10, shownW: 20, shownH: 10, orientation: 3,
			kept: []string{"IHDR", "gAMA", "pHYs", "acTL", "IDAT", "IEND"}},
		{name: "gif", input: gifWithMetadata, mediaType: "image/gif", ext: "gif", width: 16, height: 12, shownW: 16, shownH: 12,
			kept: []string{"NETSCAPE2.0"}, decodesAllAsGIF: 3},
		{name: "webp", input: webpWithMetadata, mediaType: "image/webp", ext: "webp", width: 1, height: 1, shownW: 1, shownH: 1, orientation: 8,
			kept: []string{"VP8X", "ICCP", "VP8L"}},
		{name: "animated webp", input: animatedWebPWithMetadata, mediaType: "image/webp", ext: "webp", width: 1, height: 1, shownW: 1, shownH: 1, orientation: 5,
			kept: []string{"VP8X", "ANIM", "ANMF"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := tt.input(t)
			got, err := content.ProcessImage(in, content.ImageLimits{})
			if err != nil {
				t.Fatalf("ProcessImage: %v", err)
			}
			if got.MediaType != tt.mediaType || got.Ext != tt.ext || got.Width != tt.shownW || got.Height != tt.shownH || got.Orientation != tt.orientation {
				t.Errorf("got %s .%s %d×%d orientation %d, want %s .%s %d×%d orientation %d", got.MediaType, got.Ext, got.Width, got.Height,
					got.Orientation, tt.mediaType, tt.ext, tt.shownW, tt.shownH, tt.orientation)
			}
			// Of the EXIF, the orientation alone survives.
			blocks := exifBlocks(t, got.Data)
			switch {
			case tt.orientation == 0 && len(blocks) != 0:
				t.Errorf("output has %d EXIF blocks, want none", len(blocks))
			case tt.orientation != 0 && len(blocks) != 1:
				t.Errorf("output has %d EXIF blocks, want one with the orientation", len(blocks))
			case tt.orientation != 0:
				wantOrientationOnly(t, blocks[0], tt.orientation)
			}
			for _, s := range gone {
				if bytes.Contains(got.Data, []byte(s)) {
					t.Errorf("output still contains %q", s)
				}
			}
			for _, s := range tt.kept {
				if !bytes.Contains(got.Data, []byte(s)) {
					t.Errorf("output lost %q", s)
				}
			}
			if len(got.Data) >= len(in) {
				t.Errorf("output is %d bytes, input %d: nothing was removed", len(got.Data), len(in))
			}
			cfg, _, err := image.DecodeConfig(bytes.NewReader(got.Data))
			if err != nil || cfg.Width != tt.width || cfg.Height != tt.height {
				t.Errorf("output decodes to %d×%d, %v; want %d×%d", cfg.Width, cfg.Height, err, tt.width, tt.height)
			}
			if tt.decodesAllAsGIF > 0 {
				g, err := gif.DecodeAll(bytes.NewReader(got.Data))
				if err != nil || len(g.Image) != tt.decodesAllAsGIF || g.LoopCount != 0 {
					t.Errorf("output animation: err %v; want %d looping frames", err, tt.decodesAllAsGIF)
				} else if len(g.Image) != tt.decodesAllAsGIF {
					t.Errorf("output has %d frames, want %d", len(g.Image), tt.decodesAllAsGIF)
				}
			}
		})
	}
}

// TestProcessImageKeepsPixels checks that stripping is lossless: the
// output decodes to exactly the pixels of the input.
func TestProcessImageKeepsPixels(t *testing.T) {
	for name, build := range map[string]func(*testing.T) []byte{
		"jpeg": jpegWithMetadata, "png": pngWithMetadata, "gif": gifWithMetadata, "webp": webpWithMetadata,
	} {
		t.Run(name, func(t *testing.T) {
			in := build(t)
			got, err := content.ProcessImage(in, content.ImageLimits{})
			if err != nil {
				t.Fatal(err)
			}
			before, _, err := image.Decode(bytes.NewReader(in))
			if err != nil {
				t.Fatalf("decode input: %v", err)
			}
			after, _, err := image.Decode(bytes.NewReader(got.Data))
			if err != nil {
				t.Fatalf("decode output: %v", err)
			}
			if before.Bounds() != after.Bounds() {
				t.Fatalf("bounds %v, want %v", after.Bounds(), before.Bounds())
			}
			b := before.Bounds()
			for y := b.Min.Y; y < b.Max.Y; y++ {
				for x := b.Min.X; x < b.Max.X; x++ {
					if c1, c2 := color.NRGBAModel.Convert(before.At(x, y)), color.NRGBAModel.Convert(after.At(x, y)); c1 != c2 {
						t.Fatalf("pixel (%d,%d) is %v, was %v", x, y, c2, c1)
					}
				}
			}
		})
	}
}

func TestProcessImageWebPContainer(t *testing.T) {
	got, err := content.ProcessImage(webpWithMetadata(t), content.ImageLimits{})
	if err != nil {
		t.Fatal(err)
	}
	d := got.Data
	if size := binary.LittleEndian.Uint32(d[4:]); int(size) != len(d)-8 {
		t.Errorf("RIFF size %d, file has %d bytes after the header", size, len(d)-8)
	}
	if string(d[12:16]) != "VP8X" {
		t.Fatalf("first chunk %q, want VP8X", d[12:16])
	}
	if flags := d[20]; flags != 0x20|0x08 {
		t.Errorf("VP8X flags %#02x, want ICC and EXIF (0x28): XMP must be cleared, EXIF holds the orientation", flags)
	}
	chunks := webpChunks(t, d)
	if last := chunks[len(chunks)-1]; last.fourcc != "EXIF" {
		t.Errorf("last chunk %q, want EXIF: metadata comes after the image data", last.fourcc)
	}
}

func TestProcessImageAcceptsPlainImages(t *testing.T) {
	tests := []struct {
		name          string
		data          func(*testing.T) []byte
		width, height int
	}{
		{"jpeg", func(t *testing.T) []byte { return encodeJPEG(t, gradient(64, 48)) }, 64, 48},
		{"png", func(t *testing.T) []byte { return encodePNG(t, gradient(3, 700)) }, 3, 700},
		{"gif still", func(t *testing.T) []byte { return encodeGIF(t, 5, 5, 1) }, 5, 5},
		{"webp lossless", func(*testing.T) []byte { return webpLossless }, 1, 1},
		{"webp lossy", func(*testing.T) []byte { return webpLossy }, 1, 1},
		{"webp animated", func(*testing.T) []byte { return webpAnimated }, 1, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := tt.data(t)
			got, err := content.ProcessImage(in, content.ImageLimits{})
			if err != nil {
				t.Fatal(err)
			}
			if got.Width != tt.width || got.Height != tt.height || got.Orientation != 0 {
				t.Errorf("got %d×%d orientation %d, want %d×%d and none", got.Width, got.Height, got.Orientation, tt.width, tt.height)
			}
		})
	}
}

func TestProcessImageOrientation(t *testing.T) {
	tests := []struct {
		name string
		exif []byte
		want int
	}{
		{"little endian", tiff(binary.LittleEndian, 6, "x"), 6},
		{"big endian", tiff(binary.BigEndian, 8, "x"), 8},
		{"none", tiff(binary.LittleEndian, 0, "x"), 0},
		{"out of range", tiff(binary.LittleEndian, 9, "x"), 0},
		{"not tiff", []byte("garbage that is no TIFF"), 0},
		{"IFD offset past the end", []byte("II*\x00\xff\xff\x00\x00"), 0},
		{"entry count past the end", []byte("II*\x00\x08\x00\x00\x00\xff\xff"), 0},
	}
	plain := encodeJPEG(t, gradient(8, 8))
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := splice(plain, 2, jpegSegment(0xE1, "Exif\x00\x00"+string(tt.exif)))
			got, err := content.ProcessImage(in, content.ImageLimits{})
			if err != nil {
				t.Fatal(err)
			}
			if got.Orientation != tt.want {
				t.Errorf("orientation %d, want %d", got.Orientation, tt.want)
			}
		})
	}
}

// jpegHeader is a JPEG of a frame header claiming w×h and a scan header,
// without tables or data.
func jpegHeader(w, h uint16) []byte {
	sof := []byte{8, byte(h >> 8), byte(h), byte(w >> 8), byte(w), 3, 1, 0x22, 0, 2, 0x11, 1, 3, 0x11, 1}
	sos := []byte{3, 1, 0, 2, 0x11, 3, 0x11, 0, 63, 0}
	out := append([]byte{0xFF, 0xD8}, jpegSegment(0xC0, string(sof))...)
	out = append(out, jpegSegment(0xDA, string(sos))...)
	return append(out, 0xFF, 0xD9)
}

// gifHeader is a GIF whose logical screen is w×h, with one frame of fw×fh
// and no image data.
func gifHeader(w, h, fw, fh uint16) []byte {
	out := []byte("GIF89a")
	out = binary.LittleEndian.AppendUint16(out, w)
	out = binary.LittleEndian.AppendUint16(out, h)
	out = append(out, 0x80, 0, 0, 0, 0, 0, 0xff, 0xff, 0xff) // a two-colour table
	out = append(out, 0x2C, 0, 0, 0, 0)
	out = binary.LittleEndian.AppendUint16(out, fw)
	out = binary.LittleEndian.AppendUint16(out, fh)
	return append(out, 0, 2, 0, 0x3B)
}

// TestProcessImageRefusesBombs feeds headers that claim huge images and
// hold no pixel data: they must be refused by their size, not by a decode
// that failed, and without allocating for the pixels.
func TestProcessImageRefusesBombs(t *testing.T) {
	tests := []struct {
		name string
		data []byte
		lim  content.ImageLimits
		want string
	}{
		{"png 100000×100000", pngHeader(100_000, 100_000), content.ImageLimits{}, "media.too_many_pixels"},
		{"png 10001 wide", pngHeader(10_001, 1), content.ImageLimits{}, "media.too_many_pixels"},
		{"png 7000×7000 is 49 megapixels", pngHeader(7000, 7000), content.ImageLimits{}, "media.too_many_pixels"},
		{"png over a lowered limit", pngHeader(101, 100), content.ImageLimits{MaxPixels: 10_000}, "media.too_many_pixels"},
		{"jpeg 60000×60000", jpegHeader(60_000, 60_000), content.ImageLimits{}, "media.too_many_pixels"},
		{"gif screen 65535×65535", gifHeader(65535, 65535, 1, 1), content.ImageLimits{}, "media.too_many_pixels"},
		{"gif frame larger than the limits", gifHeader(100, 100, 20_000, 20_000), content.ImageLimits{}, "media.too_many_pixels"},
		{"webp canvas 20000×20000", webpFile(vp8x(0, 20_000, 20_000), vp8lChunk()), content.ImageLimits{}, "media.too_many_pixels"},
		// x/image refuses a canvas over 2³¹ pixels itself, as unreadable.
		{"webp canvas 100000×100000", webpFile(vp8x(0, 100_000, 100_000), vp8lChunk()), content.ImageLimits{}, "media.corrupt"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			_, err := content.ProcessImage(tt.data, tt.lim)
			runtime.ReadMemStats(&after)
			if got := codeOf(err); got != tt.want {
				t.Fatalf("err = %v (code %q), want %s", err, got, tt.want)
			}
			if content.KindOf(err) != content.KindInvalid {
				t.Errorf("kind %v, want invalid", content.KindOf(err))
			}
			if n := after.TotalAlloc - before.TotalAlloc; n > 1<<20 {
				t.Errorf("allocated %d bytes refusing a header", n)
			}
		})
	}
}

func TestProcessImageRefusesOtherTypes(t *testing.T) {
	tests := map[string]string{
		"svg":          `<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>`,
		"svg with xml": `<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"/>`,
		"html":         "<!doctype html><html><body>hi</body></html>",
		"bmp":          "BM\x3a\x00\x00\x00\x00\x00\x00\x00\x36\x00\x00\x00\x28\x00\x00\x00\x01\x00\x00\x00\x01\x00\x00\x00\x01\x00\x18\x00",
		"heic":         "\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic",
		"pdf":          "%PDF-1.7\n%\xe2\xe3\xcf\xd3\n",
		"text":         "just some text",
		"riff wave":    "RIFF\x24\x00\x00\x00WAVEfmt ",
		"tiff":         string(tiff(binary.LittleEndian, 1, "x")),
		"png name":     "not a png at all, whatever the file is called",
	}
	for name, data := range tests {
		t.Run(name, func(t *testing.T) {
			_, err := content.ProcessImage([]byte(data), content.ImageLimits{})
			if got := codeOf(err); got != "media.type" {
				t.Fatalf("err = %v (code %q), want media.type", err, got)
			}
			if e, _ := content.AsError(err); e.Field != "file" || e.Kind != content.KindInvalid {
				t.Errorf("error %+v, want an invalid file", e)
			}
		})
	}
}

func TestProcessImageRefusesDamaged(t *testing.T) {
	jpg, pngData, gifData := jpegWithMetadata(t), pngWithMetadata(t), encodeGIF(t, 30, 30, 2)
	badCRC := encodePNG(t, gradient(4, 4))
	badCRC[8+12+13-1] ^= 0xFF // the last byte of IHDR's CRC
	badIDATCRC := encodePNG(t, gradient(4, 4))
	badIDATCRC[len(badIDATCRC)-12-1] ^= 0xFF // the CRC of the last IDAT
	endless := encodeJPEG(t, gradient(16, 16))
	endless = endless[:len(endless)-2]
	tests := []struct {
		name string
		data []byte
	}{
		{"jpeg cut in half", jpg[:len(jpg)/2]},
		{"jpeg without end marker", endless},
		{"png cut in half", pngData[:len(pngData)/2]},
		{"png without IEND", pngData[:bytes.LastIndex(pngData, []byte("IEND"))-4]},
		{"png with a bad IHDR checksum", badCRC},
		{"png with a bad IDAT checksum", badIDATCRC},
		{"png signature alone", []byte("\x89PNG\r\n\x1a\n")},
		{"gif cut in half", gifData[:len(gifData)/2]},
		{"gif without frames", append(gifData[:13:13], 0x3B)},
		{"webp cut short", webpLossless[:len(webpLossless)-6]},
		{"webp header alone", webpLossless[:12]},
		{"webp with a chunk past the end", webpFile(vp8x(0, 1, 1), binary.LittleEndian.AppendUint32([]byte("VP8L"), 1000))},
		{"animated webp cut short", webpAnimated[:len(webpAnimated)-10]},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := content.ProcessImage(tt.data, content.ImageLimits{})
			if got := codeOf(err); got != "media.corrupt" {
				t.Fatalf("err = %v (code %q), want media.corrupt", err, got)
			}
		})
	}
}

// TestProcessImageRepairsMissingGIFTrailer: many encoders leave out the
// final byte; browsers show such GIFs, so they are accepted and completed.
func TestProcessImageRepairsMissingGIFTrailer(t *testing.T) {
	in := encodeGIF(t, 10, 10, 2)
	got, err := content.ProcessImage(in[:len(in)-1], content.ImageLimits{})
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got.Data, in) {
		t.Errorf("output differs from the original with its trailer")
	}
}

func TestProcessImageSizeLimit(t *testing.T) {
	in := encodePNG(t, gradient(10, 10))
	if _, err := content.ProcessImage(in, content.ImageLimits{MaxBytes: len(in)}); err != nil {
		t.Fatalf("at the limit: %v", err)
	}
	_, err := content.ProcessImage(in, content.ImageLimits{MaxBytes: len(in) - 1})
	if got := codeOf(err); got != "media.too_large" {
		t.Fatalf("over the limit: err = %v (code %q), want media.too_large", err, got)
	}
	if _, err := content.ProcessImage(nil, content.ImageLimits{}); codeOf(err) != "media.empty" {
		t.Errorf("empty file: err = %v, want media.empty", err)
	}
}

func TestValidateAlt(t *testing.T) {
	tests := []struct {
		name, alt, want string
	}{
		{"a description", "A heron on a frozen canal", ""},
		{"empty", "", "media.alt_empty"},
		{"blank", " \t\n ", "media.alt_empty"},
		{"at the limit", strings.Repeat("é", content.MaxAltLen), ""},
		{"over the limit", strings.Repeat("é", content.MaxAltLen+1), "media.alt_long"},
		{"invalid utf-8", "caf\xe9", "media.alt_encoding"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := content.ValidateAlt(tt.alt)
			if got := codeOf(err); got != tt.want {
				t.Fatalf("ValidateAlt: err = %v, want code %q", err, tt.want)
			}
			if err != nil {
				if e, _ := content.AsError(err); e.Field != "alt" {
					t.Errorf("field %q, want alt", e.Field)
				}
			}
		})
	}
}

func codeOf(err error) string {
	if e, ok := content.AsError(err); ok {
		return e.Code
	}
	return ""
}

// TestProcessImageDecodeBudget: an image whose pixels would take more
// memory than the budget is checked by header and structure only; below
// it, damaged pixel data is caught by a full decode.
func TestProcessImageDecodeBudget(t *testing.T) {
	in := encodePNG(t, gradient(20, 10))
	idat := bytes.Index(in, []byte("IDAT"))
	n := int(binary.BigEndian.Uint32(in[idat-4:]))
	in[idat+4+n/2] ^= 0xFF // damage the compressed pixels, then fix the CRC
	binary.BigEndian.PutUint32(in[idat+4+n:], crc32.ChecksumIEEE(in[idat:idat+4+n]))

	if _, err := content.ProcessImage(in, content.ImageLimits{}); codeOf(err) != "media.corrupt" {
		t.Errorf("within the budget: err = %v, want media.corrupt", err)
	}
	if _, err := content.ProcessImage(in, content.ImageLimits{DecodeBytes: 20*10*4 - 1}); err != nil {
		t.Errorf("over the budget: err = %v, want accepted on its header", err)
	}
}

// cameraEXIF is EXIF as a phone writes it: IFD0 with the camera's make,
// the orientation and pointers to the Exif and GPS IFDs; an Exif IFD with
// a maker note and the time; a GPS IFD with a position; and IFD1 with a
// thumbnail.
func cameraEXIF(order binary.AppendByteOrder, orientation uint16) []byte {
	const (
		typeASCII, typeShort, typeLong, typeRational, typeUndefined = 2, 3, 4, 5, 7
	)
	short := func(v uint16) []byte { return order.AppendUint16(nil, v) }
	long := func(v int) []byte { return order.AppendUint32(nil, uint32(v)) }
	rationals := func(vs ...uint32) []byte {
		var out []byte
		for _, v := range vs {
			out = order.AppendUint32(order.AppendUint32(out, v), 1)
		}
		return out
	}
	ascii := func(s string) []byte { return append([]byte(s), 0) }

	out := []byte("MM\x00*")
	if order != binary.AppendByteOrder(binary.BigEndian) {
		out = []byte("II*\x00")
	}
	out = order.AppendUint32(out, 0) // IFD0 comes last, when the others' offsets are known
	gps := len(out)
	out = appendIFD(order, out, 0,
		tiffEntry{0x0001, typeASCII, 2, ascii("N")},
		tiffEntry{0x0002, typeRational, 3, rationals(52, 22, 13)},
		tiffEntry{0x001C, typeUndefined, uint32(len(secretGPS)), []byte(secretGPS)}, // GPSAreaInformation
	)
	exif := len(out)
	out = appendIFD(order, out, 0,
		tiffEntry{0x9003, typeASCII, 20, ascii("2026:03:14 12:00:00")},
		tiffEntry{0x927C, typeUndefined, uint32(len(secretMakerNote)), []byte(secretMakerNote)},
	)
	ifd1 := len(out)
	thumb := ifd1 + 2 + 2*12 + 4
	out = appendIFD(order, out, 0,
		tiffEntry{0x0201, typeLong, 1, long(thumb)},
		tiffEntry{0x0202, typeLong, 1, long(len(secretThumbnail))},
	)
	out = append(out, secretThumbnail...)
	ifd0 := len(out)
	out = appendIFD(order, out, uint32(ifd1),
		tiffEntry{0x010F, typeASCII, uint32(len(secretMake) + 1), ascii(secretMake)},
		tiffEntry{0x0112, typeShort, 1, short(orientation)},
		tiffEntry{0x8769, typeLong, 1, long(exif)},
		tiffEntry{0x8825, typeLong, 1, long(gps)},
	)
	copy(out[4:], order.AppendUint32(nil, uint32(ifd0)))
	return out
}

const (
	secretMakerNote = "Apple iOS MakerNote: lens serial 8XK2"
	secretThumbnail = "a thumbnail of the uncropped photo"
)

// tiffEntry is one IFD entry; value holds the bytes of its values, stored
// in the entry when they fit in four bytes and after the IFD otherwise.
type tiffEntry struct {
	tag, typ uint16
	count    uint32
	value    []byte
}

// appendIFD appends an IFD at offset len(out) of the TIFF structure, then
// the values that do not fit in their entries.
func appendIFD(order binary.AppendByteOrder, out []byte, next uint32, entries ...tiffEntry) []byte {
	at := len(out) + 2 + 12*len(entries) + 4
	var values []byte
	out = order.AppendUint16(out, uint16(len(entries)))
	for _, e := range entries {
		out = order.AppendUint32(order.AppendUint16(order.AppendUint16(out, e.tag), e.typ), e.count)
		if len(e.value) <= 4 {
			out = append(append(out, e.value...), make([]byte, 4-len(e.value))...)
			continue
		}
		out = order.AppendUint32(out, uint32(at+len(values)))
		values = append(values, e.value...)
	}
	return append(order.AppendUint32(out, next), values...)
}

// wantOrientationOnly parses an EXIF block back and requires what an
// orientation needs and nothing more: a valid header, IFD0 right after it
// with the one Orientation entry, no next IFD and no other bytes.
func wantOrientationOnly(t *testing.T, tiff []byte, orientation int) {
	t.Helper()
	var order binary.ByteOrder
	switch {
	case len(tiff) < 8:
		t.Fatalf("EXIF of %d bytes: no TIFF header", len(tiff))
	case string(tiff[:4]) == "II*\x00":
		order = binary.LittleEndian
	case string(tiff[:4]) == "MM\x00*":
		order = binary.BigEndian
	default:
		t.Fatalf("EXIF starts %q, not a TIFF header", tiff[:4])
	}
	const size = 8 + 2 + 12 + 4
	if len(tiff) != size {
		t.Fatalf("EXIF is %d bytes, want %d (one IFD of one entry): % x", len(tiff), size, tiff)
	}
	if ifd := order.Uint32(tiff[4:]); ifd != 8 {
		t.Fatalf("IFD0 at %d, want 8", ifd)
	}
	if n := order.Uint16(tiff[8:]); n != 1 {
		t.Fatalf("IFD0 has %d entries, want 1", n)
	}
	e := tiff[10:22]
	tag, typ, count, value := order.Uint16(e), order.Uint16(e[2:]), order.Uint32(e[4:]), order.Uint16(e[8:])
	if tag != 0x0112 || typ != 3 || count != 1 || int(value) != orientation || order.Uint16(e[10:]) != 0 {
		t.Errorf("entry tag %#04x type %d count %d value %d, want Orientation (0x0112) SHORT 1 value %d", tag, typ, count, value, orientation)
	}
	if next := order.Uint32(tiff[22:]); next != 0 {
		t.Errorf("next IFD at %d, want none (0)", next)
	}
}

// exifBlocks returns the TIFF structures of every EXIF block in a JPEG
// (APP1 "Exif"), PNG (eXIf) or WebP (EXIF) file, checking that each sits
// where readers look for it.
func exifBlocks(t *testing.T, data []byte) [][]byte {
	t.Helper()
	var out [][]byte
	switch {
	case bytes.HasPrefix(data, []byte{0xFF, 0xD8}):
		for i, seg := range jpegSegments(t, data) {
			if tiff, ok := bytes.CutPrefix(seg.payload, []byte("Exif\x00\x00")); ok && seg.marker == 0xE1 {
				if i > 1 || i == 1 && jpegSegments(t, data)[0].marker != 0xE0 {
					t.Errorf("EXIF is segment %d, want it right after SOI or JFIF", i)
				}
				out = append(out, tiff)
			}
		}
	case bytes.HasPrefix(data, []byte("\x89PNG")):
		seenIDAT := false
		for i := 8; i+12 <= len(data); {
			n := int(binary.BigEndian.Uint32(data[i:]))
			typ, body := string(data[i+4:i+8]), data[i+8:i+8+n]
			if crc := binary.BigEndian.Uint32(data[i+8+n:]); crc != crc32.ChecksumIEEE(data[i+4:i+8+n]) {
				t.Errorf("PNG chunk %s has a bad CRC", typ)
			}
			switch typ {
			case "IDAT":
				seenIDAT = true
			case "eXIf":
				if seenIDAT {
					t.Error("eXIf comes after IDAT, where browsers ignore it")
				}
				out = append(out, body)
			}
			i += 12 + n
		}
	case bytes.HasPrefix(data, []byte("RIFF")):
		chunks := webpChunks(t, data)
		for _, c := range chunks {
			if c.fourcc == "EXIF" {
				if chunks[0].fourcc != "VP8X" || chunks[0].body[0]&0x08 == 0 {
					t.Error("EXIF chunk without a VP8X announcing it")
				}
				out = append(out, c.body)
			}
		}
	}
	return out
}

type jpegSeg struct {
	marker  byte
	payload []byte
}

// jpegSegments lists the marker segments of a JPEG up to its first scan.
func jpegSegments(t *testing.T, data []byte) []jpegSeg {
	t.Helper()
	var out []jpegSeg
	for i := 2; i+4 <= len(data); {
		if data[i] != 0xFF {
			t.Fatalf("no JPEG marker at byte %d", i)
		}
		marker, n := data[i+1], int(binary.BigEndian.Uint16(data[i+2:]))
		out = append(out, jpegSeg{marker, data[i+4 : i+2+n]})
		if marker == 0xDA {
			break
		}
		i += 2 + n
	}
	return out
}

type riffPart struct {
	fourcc string
	body   []byte
}

// webpChunks lists a WebP file's chunks, checking their sizes.
func webpChunks(t *testing.T, data []byte) []riffPart {
	t.Helper()
	var out []riffPart
	for i := 12; i < len(data); {
		if i+8 > len(data) {
			t.Fatalf("WebP chunk at byte %d cut short", i)
		}
		n := int(binary.LittleEndian.Uint32(data[i+4:]))
		if i+8+n > len(data) {
			t.Fatalf("WebP chunk %q runs past the end", data[i:i+4])
		}
		out = append(out, riffPart{string(data[i : i+4]), data[i+8 : i+8+n]})
		i += 8 + n + n&1
	}
	return out
}

// TestProcessImageKeepsOrientation: a photo taken upright keeps showing
// upright. Its orientation is written back in an EXIF block that holds
// nothing else, and the size published is the size shown.
func TestProcessImageKeepsOrientation(t *testing.T) {
	jpegWith := func(exif []byte) func(*testing.T) []byte {
		return func(t *testing.T) []byte {
			plain := encodeJPEG(t, gradient(40, 30))
			return splice(plain, 2, jpegSegment(0xE1, "Exif\x00\x00"+string(exif)))
		}
	}
	pngWith := func(exif []byte, afterIDAT bool) func(*testing.T) []byte {
		return func(t *testing.T) []byte {
			plain := encodePNG(t, gradient(20, 10))
			at := 8 + 12 + 13 // after IHDR
			if afterIDAT {
				at = len(plain) - 12 // before IEND
			}
			return splice(plain, at, pngChunk("eXIf", exif))
		}
	}
	tests := []struct {
		name           string
		input          func(*testing.T) []byte
		orientation    int
		shownW, shownH int
	}{
		{"jpeg 6 with GPS, maker note and thumbnail", jpegWith(cameraEXIF(binary.LittleEndian, 6)), 6, 30, 40},
		{"jpeg 8, big endian", jpegWith(cameraEXIF(binary.BigEndian, 8)), 8, 30, 40},
		{"jpeg 3 (upside down, same size)", jpegWith(cameraEXIF(binary.LittleEndian, 3)), 3, 40, 30},
		{"jpeg 1 (upright) keeps no EXIF", jpegWith(cameraEXIF(binary.LittleEndian, 1)), 1, 40, 30},
		{"jpeg without orientation", jpegWith(cameraEXIF(binary.LittleEndian, 0)), 0, 40, 30},
		{"png 8", pngWith(cameraEXIF(binary.BigEndian, 8), false), 8, 10, 20},
		{"png 5, eXIf after IDAT", pngWith(cameraEXIF(binary.LittleEndian, 5), true), 5, 10, 20},
		{"png 1 keeps no eXIf", pngWith(cameraEXIF(binary.BigEndian, 1), false), 1, 20, 10},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := tt.input(t)
			got, err := content.ProcessImage(in, content.ImageLimits{})
			if err != nil {
				t.Fatal(err)
			}
			if got.Orientation != tt.orientation || got.Width != tt.shownW || got.Height != tt.shownH {
				t.Errorf("got %d×%d orientation %d, want %d×%d orientation %d", got.Width, got.Height, got.Orientation, tt.shownW, tt.shownH, tt.orientation)
			}
			for _, secret := range []string{secretMake, secretGPS, secretMakerNote, secretThumbnail, "2026:03:14"} {
				if bytes.Contains(got.Data, []byte(secret)) {
					t.Errorf("output still contains %q", secret)
				}
			}
			blocks := exifBlocks(t, got.Data)
			if tt.orientation <= 1 {
				if len(blocks) != 0 {
					t.Errorf("output has %d EXIF blocks, want none", len(blocks))
				}
			} else if len(blocks) != 1 {
				t.Fatalf("output has %d EXIF blocks, want one", len(blocks))
			} else {
				wantOrientationOnly(t, blocks[0], tt.orientation)
			}
			// The pixels stay as stored: the reader turns them.
			img, _, err := image.Decode(bytes.NewReader(got.Data))
			if err != nil {
				t.Fatalf("output does not decode: %v", err)
			}
			before, _, _ := image.DecodeConfig(bytes.NewReader(in))
			if b := img.Bounds(); b.Dx() != before.Width || b.Dy() != before.Height {
				t.Errorf("output decodes to %v, want the stored %d×%d", b, before.Width, before.Height)
			}
		})
	}
}

// TestProcessImageWebPOrientation: a WebP keeps its orientation in an
// EXIF chunk that VP8X announces; a simple file (no VP8X) gets one, with
// the canvas read from its bitstream.
func TestProcessImageWebPOrientation(t *testing.T) {
	exif := riffChunk("EXIF", cameraEXIF(binary.LittleEndian, 6))
	tests := []struct {
		name      string
		in        []byte
		wantFlags byte
	}{
		{"extended", webpFile(vp8x(0x08, 1, 1), vp8lChunk(), exif), 0x08},
		{"extended, EXIF not announced", webpFile(vp8x(0, 1, 1), vp8lChunk(), exif), 0x08},
		{"simple lossless, alpha in its header", append(bytes.Clone(webpLossless), exif...), 0x08 | 0x10},
		{"simple lossy", append(bytes.Clone(webpLossy), exif...), 0x08},
		{"extended 1 keeps no EXIF", webpFile(vp8x(0x08, 1, 1), vp8lChunk(), riffChunk("EXIF", cameraEXIF(binary.LittleEndian, 1))), 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// The simple files' RIFF size must cover the appended chunk.
			binary.LittleEndian.PutUint32(tt.in[4:], uint32(len(tt.in)-8))
			got, err := content.ProcessImage(tt.in, content.ImageLimits{})
			if err != nil {
				t.Fatal(err)
			}
			d := got.Data
			if size := binary.LittleEndian.Uint32(d[4:]); int(size) != len(d)-8 {
				t.Errorf("RIFF size %d, file has %d bytes after the header", size, len(d)-8)
			}
			chunks := webpChunks(t, d)
			if tt.wantFlags == 0 {
				if blocks := exifBlocks(t, d); len(blocks) != 0 {
					t.Errorf("output has %d EXIF chunks, want none", len(blocks))
				}
				return
			}
			if chunks[0].fourcc != "VP8X" || len(chunks[0].body) != 10 {
				t.Fatalf("first chunk %q of %d bytes, want VP8X of 10", chunks[0].fourcc, len(chunks[0].body))
			}
			if flags := chunks[0].body[0]; flags != tt.wantFlags {
				t.Errorf("VP8X flags %#02x, want %#02x", flags, tt.wantFlags)
			}
			if w, h := int(chunks[0].body[4])+1, int(chunks[0].body[7])+1; w != 1 || h != 1 {
				t.Errorf("VP8X canvas %d×%d, want 1×1", w, h)
			}
			if last := chunks[len(chunks)-1]; last.fourcc != "EXIF" {
				t.Errorf("last chunk %q, want EXIF", last.fourcc)
			}
			blocks := exifBlocks(t, d)
			if len(blocks) != 1 {
				t.Fatalf("output has %d EXIF chunks, want one", len(blocks))
			}
			wantOrientationOnly(t, blocks[0], 6)
			if got.Orientation != 6 {
				t.Errorf("orientation %d, want 6", got.Orientation)
			}
			if _, _, err := image.Decode(bytes.NewReader(d)); err != nil {
				t.Errorf("output does not decode: %v", err)
			}
		})
	}
}
