package samples

import (
	"bytes"
	"image"
	"image/color"
	"image/png"
)

// PNG is a w×h PNG of a simple gradient, the picture the adapters' image tests send; noisy
// adds pseudo-random pixels so that it does not compress (for tests of size limits).
func PNG(w, h int, noisy bool) []byte {
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	seed := uint32(2463534242)
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			c := color.NRGBA{R: uint8(x), G: uint8(y), B: 0x80, A: 0xff}
			if noisy {
				seed ^= seed << 13
				seed ^= seed >> 17
				seed ^= seed << 5
				c.R, c.G, c.B = uint8(seed), uint8(seed>>8), uint8(seed>>16)
			}
			img.SetNRGBA(x, y, c)
		}
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		panic(err) // encoding an in-memory NRGBA into a buffer cannot fail
	}
	return buf.Bytes()
}
