package content

import (
	"bytes"
	"encoding/binary"
	"hash/crc32"
	"slices"
)

// Each stripper copies what makes the picture, drops everything else and
// writes back an orientation other than 1 as a minimal EXIF block
// (orientationEXIF), where that format keeps EXIF.

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
	s, err := stripJPEGSegments(data)
	if err != nil || !keepsOrientation(s.orientation) {
		return s, err
	}
	s.data = insertJPEGOrientation(s.data, s.orientation)
	s.oriented = true
	return s, nil
}

// stripJPEGSegments is stripJPEG's copy, which notes the orientation of
// the first EXIF segment that has one.
func stripJPEGSegments(data []byte) (stripped, error) {
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

// insertJPEGOrientation puts an APP1 EXIF segment holding only the
// orientation where readers look for it: right after the start of the
// image and the JFIF segment, if there is one.
func insertJPEGOrientation(out []byte, orientation int) []byte {
	tiff := orientationEXIF(orientation)
	seg := []byte{0xFF, 0xE1}
	seg = binary.BigEndian.AppendUint16(seg, uint16(2+6+len(tiff)))
	seg = append(append(seg, "Exif\x00\x00"...), tiff...)
	at := 2 // after SOI
	if len(out) >= at+4 && out[at] == 0xFF && out[at+1] == 0xE0 {
		at += 2 + int(binary.BigEndian.Uint16(out[at+2:]))
	}
	return slices.Insert(out, at, seg...)
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
			return pngOrientation(stripped{data: out, orientation: orientation}), nil
		}
		i = end
	}
}

// pngOrientation writes an orientation other than 1 back as an eXIf chunk
// right after IHDR, which comes first: eXIf must come before IDAT, or
// browsers ignore it.
func pngOrientation(s stripped) stripped {
	at := len(pngSignature) + 12 + 13 // IHDR holds 13 bytes
	if !keepsOrientation(s.orientation) || len(s.data) < at || string(s.data[len(pngSignature)+4:][:4]) != "IHDR" {
		return s
	}
	tiff := orientationEXIF(s.orientation)
	chunk := binary.BigEndian.AppendUint32(nil, uint32(len(tiff)))
	chunk = append(append(chunk, "eXIf"...), tiff...)
	chunk = binary.BigEndian.AppendUint32(chunk, crc32.ChecksumIEEE(chunk[4:]))
	s.data = slices.Insert(s.data, at, chunk...)
	s.oriented = true
	return s
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
	vp8xAlpha     = 1 << 4
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
	s.data = out
	if keepsOrientation(s.orientation) {
		s = webpOrientation(s, vp8x)
	}
	binary.LittleEndian.PutUint32(s.data[4:], uint32(len(s.data)-8))
	return s, nil
}

// webpOrientation appends an EXIF chunk holding only the orientation,
// last, where the container's order puts metadata, and sets the VP8X flag
// announcing it. A simple file (one VP8 or VP8L chunk) has no VP8X and so
// no place for EXIF: it gets a VP8X with the canvas size read from its
// bitstream. The orientation is dropped only when that cannot be read, in
// which case the image is damaged and fails verification anyway.
//
// Unlike JPEG and PNG, browsers do not yet turn a WebP by its EXIF
// (Chromium 156 shows it as stored); the chunk keeps the information for
// readers that do.
func webpOrientation(s stripped, vp8x int) stripped {
	if vp8x < 0 {
		header, ok := webpSimpleVP8X(s.data)
		if !ok {
			return s
		}
		s.data = slices.Insert(s.data, 12, header...)
		vp8x = 12
	}
	s.data[vp8x+8] |= vp8xEXIF
	s.data = append(s.data, "EXIF"...)
	s.data = binary.LittleEndian.AppendUint32(s.data, orientationEXIFSize) // even: no pad byte
	s.data = append(s.data, orientationEXIF(s.orientation)...)
	s.oriented = true
	return s
}

// webpSimpleVP8X is the VP8X chunk for a simple WebP file: the canvas is
// the bitstream's frame, with alpha when a lossless one says it uses it
// (a simple lossy file has no alpha).
func webpSimpleVP8X(data []byte) ([]byte, bool) {
	if len(data) < 20 {
		return nil, false
	}
	fourcc, n := string(data[12:16]), int(binary.LittleEndian.Uint32(data[16:]))
	body := data[20:]
	if n > len(body) || len(body)-n > 1 { // one image chunk and at most its pad byte
		return nil, false
	}
	body = body[:n]
	var w, h int
	var flags byte
	switch {
	case fourcc == "VP8L" && len(body) >= 5 && body[0] == 0x2F:
		bits := binary.LittleEndian.Uint32(body[1:])
		w, h = int(bits&0x3FFF)+1, int(bits>>14&0x3FFF)+1
		if bits>>28&1 == 1 {
			flags |= vp8xAlpha
		}
	case fourcc == "VP8 " && len(body) >= 10 && body[0]&1 == 0 && string(body[3:6]) == "\x9d\x01\x2a":
		// A key frame: a 3-byte tag, the start code, then 14-bit sizes
		// whose top two bits are an upscaling hint the canvas ignores.
		w = int(binary.LittleEndian.Uint16(body[6:]) & 0x3FFF)
		h = int(binary.LittleEndian.Uint16(body[8:]) & 0x3FFF)
	default:
		return nil, false
	}
	if w == 0 || h == 0 {
		return nil, false
	}
	chunk := append([]byte("VP8X"), 10, 0, 0, 0, flags, 0, 0, 0)
	chunk = append(chunk, byte(w-1), byte((w-1)>>8), byte((w-1)>>16))
	return append(chunk, byte(h-1), byte((h-1)>>8), byte((h-1)>>16)), true
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
