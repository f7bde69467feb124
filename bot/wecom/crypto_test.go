package wecom

import (
	"bytes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"strings"
	"testing"
)

// The official sample values published with Tencent's WXBizMsgCrypt libraries (see
// /work/shared/platforms.md §1c): Set A from the Go/C#/Python samples, Set B from the Python
// sample, Set B-JSON from the JSON-callback Python 3 sample.
const (
	tokenA     = "QDG6eK"
	aesKeyA    = "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C"
	corpA      = "wx5823bf96d3bd56c7"
	tokenB     = "hJqcu3uJ9Tn2gXPmxx2w9kkCkCE2EPYo"
	aesKeyB    = "6qkdMrq68nTKduznJYO1A37W2oEgpkMUvkttRToqhUt"
	corpB      = "ww1436e0e65a779aee"
	encPostA   = "RypEvHKD8QQKFhvQ6QleEB4J58tiPdvo+rtK1I9qca6aM/wvqnLSV5zEPeusUiX5L5X/0lWfrf0QADHHhGd3QczcdCUpj911L3vg3W/sYYvuJTs3TUUkSUXxaccAS0qhxchrRYt66wiSpGLYL42aM6A8dTT+6k4aSknmPj48kzJs8qLjvd4Xgpue06DOdnLxAUHzM6+kDZ+HMZfJYuR+LtwGc2hgf5gsijff0ekUNXZiqATP7PF5mZxZ3Izoun1s4zG4LUMnvw2r+KqCKIw+3IQH03v+BCA9nMELNqbSf6tiWSrXJB3LAVGUcallcrw8V2t9EL4EhzJWrQUax5wLVMNS0+rUPA3k22Ncx4XXZS9o0MBH27Bo6BpNelZpS+/uh9KsNlY6bHCmJU9p8g7m3fVKn28H3KDYA5Pl/T8Z1ptDAVe0lXdQ2YoyyH2uyPIGHBZZIs2pDBS8R07+qN+E7Q=="
	encPostB   = "Kl7kjoSf6DMD1zh7rtrHjFaDapSCkaOnwu3bqLc5tAybhhMl9pFeK8NslNPVdMwmBQTNoW4mY7AIjeLvEl3NyeTkAgGzBhzTtRLNshw2AEew+kkYcD+Fq72Kt00fT0WnN87hGrW8SqGc+NcT3mu87Ha3dz1pSDi6GaUA6A0sqfde0VJPQbZ9U+3JWcoD4Z5jaU0y9GSh010wsHF8KZD24YhmZH4ch4Ka7ilEbjbfvhKkNL65HHL0J6EYJIZUC2pFrdkJ7MhmEbU2qARR4iQHE7wy24qy0cRX3Mfp6iELcDNfSsPGjUQVDGxQDCWjayJOpcwocugux082f49HKYg84EpHSGXAyh+/oxwaWbvL6aSDPOYuPDGOCI8jmnKiypE+"
	encJSONB   = "cjhLUX7UU4yCSelv1vz7T0zT8huF51bAMVWriNvO1FMegHrQZNrtvRxbwf0fUPsFvwqR0U0fgiJNEA5Y30F2MoI2S7vv3EjVQ68C0cjw9frBoUE2Hj0BvFp9h3u6Vbsg4lc1C8AtHdaN8orKuNKkLRLuYEL52R1J3v8olJGZRLnRdVKIivixmX/eQpzgeExtp20jI1HxRP1AAZ6xZoILdqDPO549LO4WeG+685JRUTdiwcY5fjZlqeMxuT4PpMn1X9OWsS7NRj06Wa5E3Tvg4twjWp39KPfOdRte6P1T4JU="
	plainPostA = "<xml><ToUserName><![CDATA[wx5823bf96d3bd56c7]]></ToUserName>\n<FromUserName><![CDATA[mycreate]]></FromUserName>\n<CreateTime>1409659813</CreateTime>\n<MsgType><![CDATA[text]]></MsgType>\n<Content><![CDATA[hello]]></Content>\n<MsgId>4561255354251345929</MsgId>\n<AgentID>218</AgentID>\n</xml>"
	plainPostB = "<xml><ToUserName>ww1436e0e65a779aee</ToUserName><FromUserName>ChenJiaShun</FromUserName><CreateTime>1476422779</CreateTime><MsgType>text</MsgType><Content>你好</Content><MsgId>1456453720</MsgId><AgentID>1000002</AgentID></xml>"
)

func TestOfficialVectors(t *testing.T) {
	tests := []struct {
		name                    string
		token, key, corp        string
		sig, ts, nonce, encrypt string
		want                    string
		wantLen, wantPad        int
	}{
		{"A GET echostr", tokenA, aesKeyA, corpA, "5c45ff5e21c57e6ad56bac8758b79b1d9ac89fd3", "1409659589", "263014780",
			"P9nAzCzyDtyTWESHep1vC5X9xho/qYX3Zpb4yKa9SKld1DsH3Iyt3tP3zNdtp+4RPcs8TgAE7OaBO+FZXvnaqQ==", "1616140317555161061", 19, 7},
		{"A POST text", tokenA, aesKeyA, corpA, "477715d11cdb4164915debcba66cb864d751f3e6", "1409659813", "1372623149",
			encPostA, plainPostA, 284, 30},
		{"B GET echostr", tokenB, aesKeyB, corpB, "012bc692d0a58dd4b10f8dfe5c4ac00ae211ebeb", "1476416373", "47744683",
			"fsi1xnbH4yQh0+PJxcOdhhK6TDXkjMyhEPA7xB2TGz6b+g7xyAbEkRxN/3cNXW9qdqjnoVzEtpbhnFyq6SVHyA==", "1288432023552776189", 19, 7},
		{"B POST text (UTF-8)", tokenB, aesKeyB, corpB, "0c3914025cb4b4d68103f6bfc8db550f79dcf48e", "1476422779", "1597212914",
			encPostB, plainPostB, 228, 22},
		{"B JSON callback", tokenB, aesKeyB, corpB, "e3647471e395139e2308c1fa963f2d648a00b90e", "1409659813", "1372623149",
			encJSONB, "", 176, 10},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := NewCryptor(tt.token, tt.key, tt.corp)
			if err != nil {
				t.Fatal(err)
			}
			if got := Signature(tt.token, tt.ts, tt.nonce, tt.encrypt); got != tt.sig {
				t.Errorf("Signature = %s, want %s", got, tt.sig)
			}
			if err := c.Verify(tt.sig, tt.ts, tt.nonce, tt.encrypt); err != nil {
				t.Errorf("Verify: %v", err)
			}
			if err := c.Verify(strings.ToUpper(tt.sig), tt.ts, tt.nonce, tt.encrypt); err != nil {
				t.Errorf("Verify (upper-case hex): %v", err)
			}
			msg, err := c.Decrypt(tt.encrypt)
			if err != nil {
				t.Fatalf("Decrypt: %v", err)
			}
			if len(msg) != tt.wantLen {
				t.Errorf("message is %d bytes, want %d", len(msg), tt.wantLen)
			}
			if tt.want != "" && string(msg) != tt.want {
				t.Errorf("Decrypt = %q, want %q", msg, tt.want)
			}
			if pad := padOf(t, c, tt.encrypt); pad != tt.wantPad {
				t.Errorf("pad = %d, want %d (WeCom pads to 32 bytes)", pad, tt.wantPad)
			}
		})
	}
}

// padOf decrypts without unpadding and returns the pad byte.
func padOf(t *testing.T, c *Cryptor, enc string) int {
	t.Helper()
	ct, _ := base64.StdEncoding.DecodeString(enc)
	plain := make([]byte, len(ct))
	cipher.NewCBCDecrypter(c.block, c.key[:16]).CryptBlocks(plain, ct)
	return int(plain[len(plain)-1])
}

func TestEncryptRoundTrip(t *testing.T) {
	c, err := NewCryptor(tokenB, aesKeyB, corpB)
	if err != nil {
		t.Fatal(err)
	}
	for _, msg := range []string{"", "x", "你好", plainPostB, strings.Repeat("a", 12), strings.Repeat("b", 11), strings.Repeat("长", 1000)} {
		enc, err := c.Encrypt([]byte(msg), rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		ct, _ := base64.StdEncoding.DecodeString(enc)
		if len(ct)%32 != 0 {
			t.Errorf("ciphertext of %d bytes is not a multiple of 32", len(ct))
		}
		got, err := c.Decrypt(enc)
		if err != nil || string(got) != msg {
			t.Errorf("round trip of %q = %q, %v", msg, got, err)
		}
		sig := c.Sign("1476422779", "1597212914", enc)
		if err := c.Verify(sig, "1476422779", "1597212914", enc); err != nil {
			t.Errorf("Verify(Sign) = %v", err)
		}
	}
}

// TestEncryptMatchesOfficialLayout re-creates the official Set A ciphertext from its plaintext:
// with the 16-byte prefix the official sample drew, our Encrypt must produce the same bytes.
func TestEncryptMatchesOfficialLayout(t *testing.T) {
	c, _ := NewCryptor(tokenA, aesKeyA, corpA)
	ct, _ := base64.StdEncoding.DecodeString(encPostA)
	plain := make([]byte, len(ct))
	cipher.NewCBCDecrypter(c.block, c.key[:16]).CryptBlocks(plain, ct)
	prefix := plain[:16]
	enc, err := c.Encrypt([]byte(plainPostA), bytes.NewReader(prefix))
	if err != nil {
		t.Fatal(err)
	}
	if enc != encPostA {
		t.Errorf("Encrypt with the official prefix differs from the official ciphertext:\n got %s\nwant %s", enc, encPostA)
	}
}

func TestRejects(t *testing.T) {
	c, _ := NewCryptor(tokenA, aesKeyA, corpA)
	other, _ := NewCryptor(tokenA, aesKeyA, "ww-some-other-corp")
	foreign, _ := other.Encrypt([]byte("hi"), rand.Reader)
	// raw encrypts plain (already laid out) with no padding added, to build bad paddings.
	raw := func(plain []byte) string {
		ct := make([]byte, len(plain))
		cipher.NewCBCEncrypter(c.block, c.key[:16]).CryptBlocks(ct, plain)
		return base64.StdEncoding.EncodeToString(ct)
	}
	layout := func(msgLen uint32, body string, pad []byte) []byte {
		b := make([]byte, 16, 64)
		b = binary.BigEndian.AppendUint32(b, msgLen)
		b = append(b, body...)
		return append(b, pad...)
	}
	fill := func(n int, v byte) []byte { return bytes.Repeat([]byte{v}, n) }
	body := "hello" + corpA // 5 + 18 = 23 bytes after the 20-byte header: 43, pad 21 to 64
	tests := []struct {
		name    string
		encrypt string
		want    error
	}{
		{"not base64", "%%%", ErrDecrypt},
		{"empty", "", ErrDecrypt},
		{"not a whole AES block", base64.StdEncoding.EncodeToString(make([]byte, 20)), ErrDecrypt},
		{"foreign corp id", foreign, ErrReceiveID},
		{"pad byte 0", raw(layout(5, body, append(fill(20, 21), 0))), ErrDecrypt},
		{"pad bytes disagree", raw(layout(5, body, append(fill(20, 7), 21))), ErrDecrypt},
		{"pad over 32", raw(append(layout(5, body, fill(21, 21)), fill(48, 48)...)), ErrDecrypt},
		{"length beyond the message", raw(layout(500, body, fill(21, 21))), ErrDecrypt},
		{"shorter than the header", raw(fill(32, 32)), ErrDecrypt},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := c.Decrypt(tt.encrypt); !errors.Is(err, tt.want) {
				t.Errorf("Decrypt = %v, want %v", err, tt.want)
			}
		})
	}
	// 20 + 26 + 18 = 64 bytes: already a multiple of 32, so PKCS#7 adds a whole block of 32s.
	m26 := strings.Repeat("m", 26)
	if msg, err := c.Decrypt(raw(layout(26, m26+corpA, fill(32, 32)))); err != nil || string(msg) != m26 {
		t.Errorf("pad of 32 = %q, %v", msg, err)
	}
	if err := c.Verify("477715d11cdb4164915debcba66cb864d751f3e7", "1409659813", "1372623149", encPostA); !errors.Is(err, ErrSignature) {
		t.Errorf("tampered signature: %v", err)
	}
	if err := c.Verify("477715d11cdb4164915debcba66cb864d751f3e6", "1409659814", "1372623149", encPostA); !errors.Is(err, ErrSignature) {
		t.Errorf("tampered timestamp: %v", err)
	}
}

func TestBadAESKeys(t *testing.T) {
	for _, k := range []string{"", "short", aesKeyA + "x", strings.Repeat("!", 43)} {
		if _, err := NewCryptor("t", k, "c"); !errors.Is(err, ErrAESKey) {
			t.Errorf("NewCryptor(%q) = %v, want ErrAESKey", k, err)
		}
		if ValidAESKey(k) {
			t.Errorf("ValidAESKey(%q) = true", k)
		}
	}
	if !ValidAESKey(aesKeyB) {
		t.Error("ValidAESKey(set B) = false")
	}
}
