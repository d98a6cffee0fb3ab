package content

import (
	"bytes"
	"encoding/binary"
	"image"
	"image/color"
	_ "image/gif"  // registers GIF with image.Decode
	_ "image/jpeg" // registers JPEG
	_ "image/png"  // registers PNG
	"strings"
	"unicode/utf8"

	_ "golang.org/x/image/webp" // registers WebP
)

// The default limits of an uploaded image: a phone photo is 3–8 MB and
// 12–50 megapixels; ten thousand pixels a side is more than any screen.
const (
	DefaultMaxImageBytes  = 10 << 20
	DefaultMaxImagePixels = 40_000_000
	DefaultMaxImageSide   = 10_000
	// DefaultDecodeBytes bounds the full decode that proves an image is
	// sound: a 16-megapixel photo or a 32-megapixel PNG. Larger images are
	// checked by their structure and header only.
	DefaultDecodeBytes = 128 << 20
	// MaxAltLen is Mastodon's limit on an attachment's description.
	MaxAltLen = 1500
)

// ImageLimits bounds what ProcessImage accepts; a zero field takes its
// default.
type ImageLimits struct {
	MaxBytes    int // size of the file
	MaxPixels   int // width × height, of the image and of each GIF frame
	MaxSide     int // width and height each
	DecodeBytes int // decode fully when the decoded pixels take at most this much memory
}

func (l ImageLimits) withDefaults() ImageLimits {
	if l.MaxBytes <= 0 {
		l.MaxBytes = DefaultMaxImageBytes
	}
	if l.MaxPixels <= 0 {
		l.MaxPixels = DefaultMaxImagePixels
	}
	if l.MaxSide <= 0 {
		l.MaxSide = DefaultMaxImageSide
	}
	if l.DecodeBytes <= 0 {
		l.DecodeBytes = DefaultDecodeBytes
	}
	return l
}

// ProcessedImage is an upload made fit to publish: the same pixels and
// frames, without the metadata a camera or editor left in it.
type ProcessedImage struct {
	Data      []byte
	MediaType string // image/jpeg, image/png, image/webp or image/gif
	Ext       string // the file name extension, without the dot: jpg, png, webp, gif
	// Width and Height are the size as displayed: for an orientation of
	// 5–8 (a phone held upright) the stored pixels' height and width.
	// Browsers turn the image by its EXIF orientation
	// (image-orientation: from-image), so this is the size they show.
	Width  int
	Height int
	// Orientation is the EXIF orientation (1–8) the upload carried, 0 when
	// it had none. Any other than 1 is written back as the only tag of a
	// minimal EXIF block, so that the photo still shows upright.
	Orientation int
}

// imageFormat is one accepted kind of image.
type imageFormat struct {
	name      string // as image.RegisterFormat knows it
	mediaType string
	ext       string
	strip     func(data []byte, lim ImageLimits) (stripped, error)
}

// stripped is what a format's stripper learned besides the clean bytes.
type stripped struct {
	data        []byte
	orientation int  // as the upload's EXIF said
	oriented    bool // data carries the orientation in a minimal EXIF block
	skipDecode  bool // the decoder cannot decode it fully (animated WebP)
}

var (
	formatJPEG = imageFormat{name: "jpeg", mediaType: "image/jpeg", ext: "jpg", strip: stripJPEG}
	formatPNG  = imageFormat{name: "png", mediaType: "image/png", ext: "png", strip: stripPNG}
	formatWebP = imageFormat{name: "webp", mediaType: "image/webp", ext: "webp", strip: stripWebP}
	formatGIF  = imageFormat{name: "gif", mediaType: "image/gif", ext: "gif", strip: stripGIF}
)

// sniffImage recognises the accepted formats by their first bytes, never
// by a file name or a client's Content-Type.
func sniffImage(data []byte) (imageFormat, bool) {
	switch {
	case bytes.HasPrefix(data, []byte{0xFF, 0xD8, 0xFF}):
		return formatJPEG, true
	case bytes.HasPrefix(data, pngSignature):
		return formatPNG, true
	case len(data) >= 12 && string(data[:4]) == "RIFF" && string(data[8:12]) == "WEBP":
		return formatWebP, true
	case bytes.HasPrefix(data, []byte("GIF87a")), bytes.HasPrefix(data, []byte("GIF89a")):
		return formatGIF, true
	}
	return imageFormat{}, false
}

// ProcessImage checks an uploaded image and strips its metadata without
// re-encoding it, so quality and animation stay. It accepts JPEG, PNG,
// WebP and GIF, recognised by content; sizes are checked from the header
// before anything is decoded, so a small file claiming a huge image
// (a decompression bomb) costs nothing. Of the EXIF, only an orientation
// other than 1 is kept (see ProcessedImage).
func ProcessImage(data []byte, lim ImageLimits) (*ProcessedImage, error) {
	lim = lim.withDefaults()
	if len(data) == 0 {
		return nil, Errorf(KindInvalid, "file", "media.empty", "the file is empty")
	}
	if len(data) > lim.MaxBytes {
		return nil, Errorf(KindInvalid, "file", "media.too_large", "the file is larger than %d MiB", lim.MaxBytes>>20)
	}
	f, ok := sniffImage(data)
	if !ok {
		return nil, Errorf(KindInvalid, "file", "media.type", "the file is not a JPEG, PNG, WebP or GIF image")
	}
	cfg, err := decodeConfig(data, f)
	if err != nil {
		return nil, err
	}
	if err := checkDimensions(cfg.Width, cfg.Height, lim); err != nil {
		return nil, err
	}
	s, err := f.strip(data, lim)
	if err != nil {
		return nil, err
	}
	if err := verifyImage(s, f, cfg, lim); err != nil {
		return nil, err
	}
	w, h := cfg.Width, cfg.Height
	// Turned a quarter (5–8 transpose the picture) where browsers honour
	// EXIF orientation: JPEG and PNG. No browser turns WebP by it, so its
	// published size stays what they show.
	if s.oriented && s.orientation >= 5 && f.name != formatWebP.name {
		w, h = h, w
	}
	return &ProcessedImage{Data: s.data, MediaType: f.mediaType, Ext: f.ext,
		Width: w, Height: h, Orientation: s.orientation}, nil
}

// decodeConfig reads the image's header only.
func decodeConfig(data []byte, f imageFormat) (image.Config, error) {
	cfg, name, err := image.DecodeConfig(bytes.NewReader(data))
	if err != nil {
		return cfg, corrupt("the %s header cannot be read: %v", f.ext, err)
	}
	if name != f.name {
		return cfg, corrupt("the file starts like %s but reads as %s", f.ext, name)
	}
	return cfg, nil
}

func checkDimensions(w, h int, lim ImageLimits) error {
	switch {
	case w <= 0 || h <= 0:
		return corrupt("the image is %d×%d pixels", w, h)
	case w > lim.MaxSide || h > lim.MaxSide:
		return Errorf(KindInvalid, "file", "media.too_many_pixels", "the image is %d×%d pixels; at most %d a side", w, h, lim.MaxSide)
	case int64(w)*int64(h) > int64(lim.MaxPixels):
		return Errorf(KindInvalid, "file", "media.too_many_pixels", "the image is %d×%d pixels; at most %d megapixels", w, h, lim.MaxPixels/1_000_000)
	}
	return nil
}

// verifyImage proves that stripping left a sound image of the same size:
// its header reads back, and a not too large image decodes fully.
func verifyImage(s stripped, f imageFormat, before image.Config, lim ImageLimits) error {
	after, err := decodeConfig(s.data, f)
	if err != nil {
		return err
	}
	if after.Width != before.Width || after.Height != before.Height {
		return corrupt("the image changed from %d×%d to %d×%d pixels", before.Width, before.Height, after.Width, after.Height)
	}
	if s.skipDecode || decodedSize(after) > int64(lim.DecodeBytes) {
		return nil
	}
	if _, _, err := image.Decode(bytes.NewReader(s.data)); err != nil {
		return corrupt("the image cannot be decoded: %v", err)
	}
	return nil
}

// decodedSize estimates from the header the memory a full decode takes,
// erring high.
func decodedSize(cfg image.Config) int64 {
	perPixel := int64(4)
	switch cfg.ColorModel {
	case color.RGBA64Model, color.NRGBA64Model:
		perPixel = 8
	case color.YCbCrModel, color.CMYKModel:
		perPixel = 8 // a progressive JPEG holds its coefficients as well as its pixels
	}
	if _, ok := cfg.ColorModel.(color.Palette); ok {
		perPixel = 1
	}
	return int64(cfg.Width) * int64(cfg.Height) * perPixel
}

func corrupt(format string, args ...any) *Error {
	return Errorf(KindInvalid, "file", "media.corrupt", "the image is damaged or incomplete: "+format, args...)
}

// ValidateAlt checks an image's description: people who cannot see the
// image depend on it, so it is required.
func ValidateAlt(alt string) error {
	switch {
	case strings.TrimSpace(alt) == "":
		return Errorf(KindInvalid, "alt", "media.alt_empty", "describe the image for people who cannot see it")
	case !utf8.ValidString(alt):
		return Errorf(KindInvalid, "alt", "media.alt_encoding", "the description is not valid UTF-8")
	case utf8.RuneCountInString(alt) > MaxAltLen:
		return Errorf(KindInvalid, "alt", "media.alt_long", "the description is longer than %d characters", MaxAltLen)
	}
	return nil
}

// EXIF is a TIFF structure: a byte-order mark, the offset of the first IFD
// (image file directory), then IFDs of 12-byte entries (tag, type, count,
// value or its offset), each followed by the offset of the next IFD.

const (
	exifTagOrientation = 0x0112
	exifTypeShort      = 3
)

// orientationEXIF is a TIFF structure holding nothing but the
// orientation: IFD0 with one entry and no next IFD. No GPS, maker note,
// thumbnail, date or camera survives, whatever the upload's EXIF held.
func orientationEXIF(orientation int) []byte {
	order := binary.BigEndian
	out := append(make([]byte, 0, orientationEXIFSize), "MM\x00*"...)
	out = order.AppendUint32(out, 8) // IFD0 follows the header
	out = order.AppendUint16(out, 1) // one entry
	out = order.AppendUint16(out, exifTagOrientation)
	out = order.AppendUint16(out, exifTypeShort)
	out = order.AppendUint32(out, 1)                   // one value
	out = order.AppendUint16(out, uint16(orientation)) // left-justified in the 4-byte field
	out = order.AppendUint16(out, 0)
	return order.AppendUint32(out, 0) // no next IFD
}

// orientationEXIFSize is the length of orientationEXIF: header, entry
// count, one entry, next-IFD offset.
const orientationEXIFSize = 8 + 2 + 12 + 4

// keepsOrientation reports whether an image with this EXIF orientation
// needs it written back: 0 is none, 1 the pixels as stored.
func keepsOrientation(orientation int) bool { return orientation > 1 }

// exifOrientation reads tag 0x0112 from the first IFD of a TIFF structure
// (what EXIF is), returning 0 when it is missing or out of range.
func exifOrientation(tiff []byte) int {
	if len(tiff) < 8 {
		return 0
	}
	var order binary.ByteOrder
	switch string(tiff[:4]) {
	case "II*\x00":
		order = binary.LittleEndian
	case "MM\x00*":
		order = binary.BigEndian
	default:
		return 0
	}
	ifd := int(order.Uint32(tiff[4:]))
	if ifd < 8 || ifd > len(tiff)-2 {
		return 0
	}
	count := int(order.Uint16(tiff[ifd:]))
	for e := ifd + 2; count > 0 && e+12 <= len(tiff); e, count = e+12, count-1 {
		if order.Uint16(tiff[e:]) != exifTagOrientation || order.Uint16(tiff[e+2:]) != exifTypeShort {
			continue
		}
		if v := int(order.Uint16(tiff[e+8:])); v >= 1 && v <= 8 {
			return v
		}
		return 0
	}
	return 0
}
