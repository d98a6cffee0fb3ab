package content

import (
	"bytes"
	"encoding/binary"
	"hash/crc32"
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
	Width     int
	Height    int
	// Orientation is the EXIF orientation (1–8) the upload carried, 0 when
	// it had none. Stripping removes the tag and the pixels stay as they
	// were stored, so an image with 6 or 8 shows turned on its side unless
	// the caller rotates it.
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
	orientation int
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
// (a decompression bomb) costs nothing.
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
	return &ProcessedImage{Data: s.data, MediaType: f.mediaType, Ext: f.ext,
		Width: cfg.Width, Height: cfg.Height, Orientation: s.orientation}, nil
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

// JPEG: a sequence of marker segments; after each start-of-scan comes
// entropy-coded data in which 0xFF is escaped as FF 00.

// keepJPEGMarker lists the segments that describe the picture itself.
var keepJPEGMarker = func() [256]bool {
	var keep [256]bool
	for m := 0xC0; m <= 0xCF; m++ {
		keep[m] = true // SOFn, DHT (C4), JPG (C8), DAC (CC)
	}
	keep[0xC8] = false // reserved for extensions
	for _, m := range []int{0xDA, 0xDB, 0xDC, 0xDD, 0xDE, 0xDF} {
		keep[m] = true // SOS, DQT, DNL, DRI, DHP, EXP
	}
	return keep
}()

// keepJPEGApp keeps the application segments a decoder needs: JFIF (not
// its JFXX thumbnail), the ICC colour profile and Adobe's colour transform.
func keepJPEGApp(marker byte, payload []byte) bool {
	switch marker {
	case 0xE0:
		return bytes.HasPrefix(payload, []byte("JFIF\x00"))
	case 0xE2:
		return bytes.HasPrefix(payload, []byte("ICC_PROFILE\x00"))
	case 0xEE:
		return bytes.HasPrefix(payload, []byte("Adobe"))
	}
	return false
}

// stripJPEG copies the segments that make the picture and drops EXIF, XMP,
// comments, other application segments and anything after the end of the
// image (where phones put motion-photo videos).
func stripJPEG(data []byte, _ ImageLimits) (stripped, error) {
	out := make([]byte, 0, len(data))
	out = append(out, 0xFF, 0xD8)
	var orientation int
	for i := 2; ; {
		marker, next, err := jpegMarker(data, i)
		if err != nil {
			return stripped{}, err
		}
		i = next
		switch {
		case marker == 0xD9: // end of image
			return stripped{data: append(out, 0xFF, 0xD9), orientation: orientation}, nil
		case marker >= 0xD0 && marker <= 0xD7 || marker == 0x01: // no length
			out = append(out, 0xFF, marker)
			continue
		case marker == 0xD8 || marker == 0x00:
			return stripped{}, corrupt("unexpected JPEG marker %#02x at byte %d", marker, i-1)
		}
		if i+2 > len(data) {
			return stripped{}, corrupt("JPEG segment %#02x cut short", marker)
		}
		n := int(binary.BigEndian.Uint16(data[i:]))
		if n < 2 || i+n > len(data) {
			return stripped{}, corrupt("JPEG segment %#02x of %d bytes at byte %d runs past the end", marker, n, i)
		}
		payload := data[i+2 : i+n]
		if marker == 0xE1 && orientation == 0 {
			if tiff, ok := bytes.CutPrefix(payload, []byte("Exif\x00\x00")); ok {
				orientation = exifOrientation(tiff)
			}
		}
		switch {
		case marker == 0xE0 && len(payload) >= jfifSize && keepJPEGApp(marker, payload):
			out = appendJFIF(out, payload)
		case keepJPEGMarker[marker] || keepJPEGApp(marker, payload):
			out = append(append(out, 0xFF, marker), data[i:i+n]...)
		}
		i += n
		if marker == 0xDA { // the scan's entropy-coded data
			end := jpegScanEnd(data, i)
			out = append(out, data[i:end]...)
			i = end
		}
	}
}

// jfifSize is the JFIF header without its optional thumbnail: the
// identifier, version, density unit, densities and thumbnail size.
const jfifSize = 14

// appendJFIF appends a JFIF segment without its thumbnail, which may show
// what the image looked like before it was cropped.
func appendJFIF(out, payload []byte) []byte {
	out = append(out, 0xFF, 0xE0, 0, jfifSize+2)
	out = append(out, payload[:jfifSize-2]...)
	return append(out, 0, 0)
}

// jpegMarker reads the marker at data[i], skipping fill bytes, and returns
// it with the index just after it.
func jpegMarker(data []byte, i int) (byte, int, error) {
	if i >= len(data) {
		return 0, 0, corrupt("the JPEG ends before its end-of-image marker")
	}
	if data[i] != 0xFF {
		return 0, 0, corrupt("expected a JPEG marker at byte %d", i)
	}
	for i < len(data) && data[i] == 0xFF {
		i++
	}
	if i >= len(data) {
		return 0, 0, corrupt("the JPEG ends before its end-of-image marker")
	}
	return data[i], i + 1, nil
}

// jpegScanEnd returns the index of the first marker after entropy-coded
// data starting at i: an 0xFF not followed by a stuffed 0x00 or a restart
// marker. Without one, the data runs to the end.
func jpegScanEnd(data []byte, i int) int {
	for {
		j := bytes.IndexByte(data[i:], 0xFF)
		if j < 0 || i+j+1 >= len(data) {
			return len(data)
		}
		i += j
		if b := data[i+1]; b != 0x00 && (b < 0xD0 || b > 0xD7) {
			return i
		}
		i += 2
	}
}

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
		const tagOrientation, typeShort = 0x0112, 3
		if order.Uint16(tiff[e:]) != tagOrientation || order.Uint16(tiff[e+2:]) != typeShort {
			continue
		}
		if v := int(order.Uint16(tiff[e+8:])); v >= 1 && v <= 8 {
			return v
		}
		return 0
	}
	return 0
}

// PNG: a signature, then chunks of length, type, data and CRC.

var pngSignature = []byte("\x89PNG\r\n\x1a\n")

// keepPNGChunk lists the critical chunks and the ancillary ones that change
// how the picture looks (colour, transparency, density, APNG frames).
var keepPNGChunk = map[string]bool{
	"IHDR": true, "PLTE": true, "IDAT": true, "IEND": true,
	"tRNS": true, "gAMA": true, "cHRM": true, "sRGB": true, "iCCP": true, "pHYs": true,
	"acTL": true, "fcTL": true, "fdAT": true,
}

// stripPNG keeps the chunks in keepPNGChunk, verifying their CRCs, and
// drops text, EXIF, timestamps, unknown chunks and anything after IEND.
func stripPNG(data []byte, _ ImageLimits) (stripped, error) {
	out := make([]byte, 0, len(data))
	out = append(out, pngSignature...)
	var orientation int
	for i := len(pngSignature); ; {
		if i+12 > len(data) {
			return stripped{}, corrupt("the PNG ends before its IEND chunk")
		}
		n := binary.BigEndian.Uint32(data[i:])
		if n > uint32(len(data)-i-12) {
			return stripped{}, corrupt("PNG chunk at byte %d runs past the end", i)
		}
		end := i + 12 + int(n)
		typ, body := string(data[i+4:i+8]), data[i+8:end-4]
		if typ == "eXIf" && orientation == 0 {
			orientation = exifOrientation(body)
		}
		if keepPNGChunk[typ] {
			if crc32.ChecksumIEEE(data[i+4:end-4]) != binary.BigEndian.Uint32(data[end-4:]) {
				return stripped{}, corrupt("PNG chunk %s has a bad checksum", typ)
			}
			out = append(out, data[i:end]...)
		}
		if typ == "IEND" {
			return stripped{data: out, orientation: orientation}, nil
		}
		i = end
	}
}

// WebP: a RIFF container of chunks (four-character code, little-endian
// size, data, a pad byte when the size is odd).

// keepWebPChunk lists the chunks of the picture, its alpha, colour profile
// and animation.
var keepWebPChunk = map[string]bool{
	"VP8 ": true, "VP8L": true, "VP8X": true, "ALPH": true, "ANIM": true, "ANMF": true, "ICCP": true,
}

// The VP8X flags that announce chunks.
const (
	vp8xAnimation = 1 << 1
	vp8xXMP       = 1 << 2
	vp8xEXIF      = 1 << 3
)

// stripWebP keeps the chunks in keepWebPChunk, clears the EXIF and XMP
// flags in VP8X and rewrites the RIFF size.
func stripWebP(data []byte, _ ImageLimits) (stripped, error) {
	size := binary.LittleEndian.Uint32(data[4:])
	if size < 4 || size > uint32(len(data)-8) {
		return stripped{}, corrupt("the WebP file says it holds %d bytes but has %d", size, len(data)-8)
	}
	end := 8 + int(size)
	out := make([]byte, 12, end)
	copy(out, data[:12])
	s := stripped{}
	vp8x := -1
	for i := 12; i < end; {
		if i+8 > end {
			return stripped{}, corrupt("WebP chunk at byte %d cut short", i)
		}
		fourcc, n := string(data[i:i+4]), binary.LittleEndian.Uint32(data[i+4:])
		if n > uint32(end-i-8) {
			return stripped{}, corrupt("WebP chunk %q runs past the end", fourcc)
		}
		body := data[i+8 : i+8+int(n)]
		next := min(i+8+int(n)+int(n&1), end) // the last pad byte is often missing
		switch {
		case fourcc == "EXIF" && s.orientation == 0:
			s.orientation = exifOrientation(bytes.TrimPrefix(body, []byte("Exif\x00\x00")))
		case fourcc == "VP8X" && len(body) == 10:
			vp8x = len(out)
			s.skipDecode = body[0]&vp8xAnimation != 0
		}
		if keepWebPChunk[fourcc] {
			out = append(out, data[i:i+8+int(n)]...)
			if n&1 == 1 {
				out = append(out, 0)
			}
		}
		i = next
	}
	if vp8x >= 0 {
		out[vp8x+8] &^= vp8xEXIF | vp8xXMP
	}
	binary.LittleEndian.PutUint32(out[4:], uint32(len(out)-8))
	s.data = out
	return s, nil
}

// GIF: a header, the logical screen, an optional colour table, then
// extension and image blocks whose data come in sub-blocks, and a trailer.

// keepGIFApps are the application extensions that make an animation loop.
var keepGIFApps = map[string]bool{"NETSCAPE2.0": true, "ANIMEXTS1.0": true}

// stripGIF drops comment extensions, application extensions other than
// looping, and anything after the trailer. Every frame is checked against
// the limits, as the logical screen is by ProcessImage.
func stripGIF(data []byte, lim ImageLimits) (stripped, error) {
	if len(data) < 13 {
		return stripped{}, corrupt("the GIF header is cut short")
	}
	i := 13 + gifColorTableSize(data[10])
	if i > len(data) {
		return stripped{}, corrupt("the GIF colour table is cut short")
	}
	out := append(make([]byte, 0, len(data)), data[:i]...)
	frames := 0
	for i < len(data) {
		var end int
		var keep bool
		var err error
		switch data[i] {
		case 0x3B: // trailer
			return gifDone(out, frames)
		case 0x21:
			end, keep, err = gifExtension(data, i)
		case 0x2C:
			end, err = gifFrame(data, i, lim)
			keep = true
			frames++
		default:
			err = corrupt("unknown GIF block %#02x at byte %d", data[i], i)
		}
		if err != nil {
			return stripped{}, err
		}
		if keep {
			out = append(out, data[i:end]...)
		}
		i = end
	}
	// Many encoders forget the trailer; the blocks before it are whole.
	return gifDone(out, frames)
}

func gifDone(out []byte, frames int) (stripped, error) {
	if frames == 0 {
		return stripped{}, corrupt("the GIF has no image")
	}
	return stripped{data: append(out, 0x3B)}, nil
}

// gifColorTableSize is the size of the colour table a packed field
// announces.
func gifColorTableSize(packed byte) int {
	if packed&0x80 == 0 {
		return 0
	}
	return 3 << (packed&0x07 + 1)
}

// gifExtension returns the end of the extension at data[i] and whether to
// keep it: graphic control, plain text and looping application blocks.
func gifExtension(data []byte, i int) (int, bool, error) {
	if i+2 > len(data) {
		return 0, false, corrupt("GIF extension cut short")
	}
	end, err := gifSubBlocks(data, i+2)
	if err != nil {
		return 0, false, err
	}
	switch label := data[i+1]; label {
	case 0xF9, 0x01: // graphic control, plain text
		return end, true, nil
	case 0xFF: // application: the first sub-block is the 11-byte identifier
		return end, data[i+2] == 11 && keepGIFApps[string(data[i+3:i+14])], nil
	}
	return end, false, nil // comments and anything unknown
}

// gifFrame returns the end of the image block at data[i], after checking
// the frame's size.
func gifFrame(data []byte, i int, lim ImageLimits) (int, error) {
	if i+11 > len(data) {
		return 0, corrupt("GIF image descriptor cut short")
	}
	w := int(binary.LittleEndian.Uint16(data[i+5:]))
	h := int(binary.LittleEndian.Uint16(data[i+7:]))
	if err := checkDimensions(max(w, 1), max(h, 1), lim); err != nil {
		return 0, err
	}
	j := i + 10 + gifColorTableSize(data[i+9])
	if j >= len(data) {
		return 0, corrupt("GIF frame cut short")
	}
	return gifSubBlocks(data, j+1) // after the LZW minimum code size
}

// gifSubBlocks returns the index after the sub-blocks starting at i and
// their zero-length terminator.
func gifSubBlocks(data []byte, i int) (int, error) {
	for {
		if i >= len(data) {
			return 0, corrupt("GIF data cut short")
		}
		n := int(data[i])
		i++
		if n == 0 {
			return i, nil
		}
		i += n
	}
}
