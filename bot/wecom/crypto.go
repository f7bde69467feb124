package wecom

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/sha1"
	"crypto/subtle"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"
)

// WeCom's callback message encryption (the scheme of Tencent's WXBizMsgCrypt samples):
//
//	msg_signature = hex(sha1(concat(sort([token, timestamp, nonce, encrypt]))))
//	AESKey        = base64(EncodingAESKey + "=")            32 bytes; IV = AESKey[:16]
//	encrypt       = base64(AES-256-CBC(pkcs7_32(random(16) ‖ uint32_be(len(msg)) ‖ msg ‖ receiveid)))
//
// The padding is PKCS#7 to a multiple of 32 bytes (pad values 1..32), not the AES block size:
// a stock 16-byte unpadder rejects real WeCom messages. It is written here (about a hundred
// lines, checked against the official sample vectors in crypto_test.go) because no maintained
// Go library exposes it: go-workwx keeps its cipher in an internal package and its handler does
// not check the receive id; the official sample port unpads without validating and draws its
// random prefix from math/rand.

// Crypto errors. Each says what was wrong without echoing the input.
var (
	ErrSignature = errors.New("wecom: msg_signature does not match")
	ErrReceiveID = errors.New("wecom: message is addressed to another corp id")
	ErrDecrypt   = errors.New("wecom: cannot decrypt message")
	ErrAESKey    = errors.New("wecom: EncodingAESKey must be 43 characters of base64 giving 32 bytes")
)

// padBlock is the PKCS#7 block size WeCom pads to.
const padBlock = 32

// Cryptor signs, verifies, encrypts and decrypts callback messages for one app.
type Cryptor struct {
	token     string
	key       []byte
	block     cipher.Block
	receiveID string
}

// NewCryptor returns a Cryptor for the callback token, the 43-character EncodingAESKey and the
// receive id (the corp id, for a self-built app).
func NewCryptor(token, encodingAESKey, receiveID string) (*Cryptor, error) {
	key, err := decodeAESKey(encodingAESKey)
	if err != nil {
		return nil, err
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, ErrAESKey
	}
	return &Cryptor{token: token, key: key, block: block, receiveID: receiveID}, nil
}

func decodeAESKey(k string) ([]byte, error) {
	if len(k) != 43 {
		return nil, ErrAESKey
	}
	key, err := base64.StdEncoding.DecodeString(k + "=")
	if err != nil || len(key) != 32 {
		return nil, ErrAESKey
	}
	return key, nil
}

// ValidAESKey reports whether k is a well-formed EncodingAESKey.
func ValidAESKey(k string) bool {
	_, err := decodeAESKey(k)
	return err == nil
}

// Signature is WeCom's msg_signature over the four values.
func Signature(token, timestamp, nonce, encrypt string) string {
	parts := []string{token, timestamp, nonce, encrypt}
	sort.Strings(parts)
	sum := sha1.Sum([]byte(strings.Join(parts, "")))
	return hex.EncodeToString(sum[:])
}

// Verify checks msg_signature in constant time.
func (c *Cryptor) Verify(signature, timestamp, nonce, encrypt string) error {
	want := Signature(c.token, timestamp, nonce, encrypt)
	if subtle.ConstantTimeCompare([]byte(strings.ToLower(signature)), []byte(want)) != 1 {
		return ErrSignature
	}
	return nil
}

// Decrypt opens an Encrypt value (or an echostr) and checks that it is addressed to this
// Cryptor's receive id. It returns the message.
func (c *Cryptor) Decrypt(encrypt string) ([]byte, error) {
	msg, rid, err := c.open(encrypt)
	if err != nil {
		return nil, err
	}
	if subtle.ConstantTimeCompare([]byte(rid), []byte(c.receiveID)) != 1 {
		return nil, ErrReceiveID
	}
	return msg, nil
}

// open decrypts and unpads, returning the message and the receive id it names.
func (c *Cryptor) open(encrypt string) (msg []byte, receiveID string, err error) {
	ct, err := base64.StdEncoding.DecodeString(encrypt)
	if err != nil || len(ct) == 0 || len(ct)%aes.BlockSize != 0 {
		return nil, "", ErrDecrypt
	}
	plain := make([]byte, len(ct))
	cipher.NewCBCDecrypter(c.block, c.key[:aes.BlockSize]).CryptBlocks(plain, ct)
	plain, err = unpad(plain)
	if err != nil {
		return nil, "", err
	}
	if len(plain) < 20 {
		return nil, "", ErrDecrypt
	}
	n := binary.BigEndian.Uint32(plain[16:20])
	if uint64(n) > uint64(len(plain)-20) {
		return nil, "", ErrDecrypt
	}
	return plain[20 : 20+n], string(plain[20+n:]), nil
}

// unpad strips PKCS#7 padding of block size 32, checking every pad byte.
func unpad(b []byte) ([]byte, error) {
	if len(b) == 0 {
		return nil, ErrDecrypt
	}
	p := int(b[len(b)-1])
	if p < 1 || p > padBlock || p > len(b) {
		return nil, ErrDecrypt
	}
	if !bytes.Equal(b[len(b)-p:], bytes.Repeat([]byte{byte(p)}, p)) {
		return nil, ErrDecrypt
	}
	return b[:len(b)-p], nil
}

// Encrypt seals msg for this Cryptor's receive id with a 16-byte prefix read from random (use
// crypto/rand.Reader; tests inject a fixed one). It returns the base64 Encrypt value.
func (c *Cryptor) Encrypt(msg []byte, random io.Reader) (string, error) {
	var b bytes.Buffer
	prefix := make([]byte, 16)
	if _, err := io.ReadFull(random, prefix); err != nil {
		return "", fmt.Errorf("wecom: random prefix: %w", err)
	}
	b.Write(prefix)
	var n [4]byte
	binary.BigEndian.PutUint32(n[:], uint32(len(msg)))
	b.Write(n[:])
	b.Write(msg)
	b.WriteString(c.receiveID)
	p := padBlock - b.Len()%padBlock
	b.Write(bytes.Repeat([]byte{byte(p)}, p))
	ct := make([]byte, b.Len())
	cipher.NewCBCEncrypter(c.block, c.key[:aes.BlockSize]).CryptBlocks(ct, b.Bytes())
	return base64.StdEncoding.EncodeToString(ct), nil
}

// Sign is Signature with this Cryptor's token.
func (c *Cryptor) Sign(timestamp, nonce, encrypt string) string {
	return Signature(c.token, timestamp, nonce, encrypt)
}
