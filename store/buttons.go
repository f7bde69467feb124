package store

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	bolt "go.etcd.io/bbolt"
)

// Button is what a chat button does when clicked, kept here because a platform caps what a
// button may carry (Telegram: 64 bytes of callback_data) while a command such as
// "/renew 0a1b2c3d-… 3m --customer …" is longer. The button carries only its token.
type Button struct {
	Token     string    `json:"-"` // the key; set by SaveButtons and Button
	Platform  string    `json:"platform"`
	Command   string    `json:"command"`         // exactly what typing would do, e.g. "/approve 12"
	Label     string    `json:"label,omitempty"` // what the button showed
	CreatedAt time.Time `json:"created_at"`
	ExpiresAt time.Time `json:"expires_at"`
	// Decides: a click settles the message the button is on, which is then edited to show the
	// outcome (chat.Button.Decides). A button saved before this field existed reads as false:
	// its click is answered with a new message.
	Decides bool `json:"decides,omitempty"`
}

// ButtonTokenLen is the length of a button token: 16 URL-safe base64 characters (96 random bits).
const ButtonTokenLen = 16

// ButtonGrace is how long an expired button is kept, so that a late click is told the button
// expired (and what to type instead) rather than that it is unknown.
const ButtonGrace = 7 * 24 * time.Hour

// buttonPruneBatch is how many long-expired buttons one SaveButtons deletes at most.
const buttonPruneBatch = 32

// ErrButtonExpired means the button's ExpiresAt has passed; Button still returns it.
var ErrButtonExpired = errors.New("the button has expired")

// SaveButtons stores bs (Platform and Command set; CreatedAt and ExpiresAt are set here, to
// now and now+ttl) under new random tokens, returned in order, in one transaction that also
// forgets a few buttons that expired more than ButtonGrace ago.
func (s *Store) SaveButtons(ctx context.Context, bs []Button, ttl time.Duration) ([]string, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("store: save buttons: %w", err)
	}
	if ttl <= 0 {
		return nil, fmt.Errorf("store: save buttons: ttl %s is not positive", ttl)
	}
	for _, b := range bs {
		if b.Platform == "" || strings.TrimSpace(b.Command) == "" {
			return nil, fmt.Errorf("store: save buttons: %q needs a platform and a command", b.Label)
		}
	}
	tokens := make([]string, len(bs))
	err := s.db.Update(func(tx *bolt.Tx) error {
		bk, err := bucket(tx, bucketButtons)
		if err != nil {
			return err
		}
		ix, err := bucket(tx, bucketButtonsExpiry)
		if err != nil {
			return err
		}
		now := s.now().Round(0)
		for i, b := range bs {
			tok, err := newButtonToken(bk)
			if err != nil {
				return err
			}
			b.CreatedAt, b.ExpiresAt = now, now.Add(ttl)
			if err := putJSON(bk, []byte(tok), b); err != nil {
				return err
			}
			if err := ix.Put(buttonExpiryKey(b.ExpiresAt, tok), []byte{}); err != nil {
				return fmt.Errorf("expiry index: %w", err)
			}
			tokens[i] = tok
		}
		return pruneButtons(bk, ix, now.Add(-ButtonGrace))
	})
	if err != nil {
		return nil, fmt.Errorf("store: save buttons: %w", err)
	}
	return tokens, nil
}

// Button returns the button saved under token. An unknown token (never saved, or forgotten
// ButtonGrace after it expired) is an error wrapping ErrNotFound; an expired one is returned
// with an error wrapping ErrButtonExpired.
func (s *Store) Button(ctx context.Context, token string) (Button, error) {
	if err := ctx.Err(); err != nil {
		return Button{}, fmt.Errorf("store: button: %w", err)
	}
	if len(token) != ButtonTokenLen {
		return Button{}, fmt.Errorf("store: button %q: %w", token, ErrNotFound)
	}
	var b Button
	err := s.db.View(func(tx *bolt.Tx) error {
		bk, err := bucket(tx, bucketButtons)
		if err != nil {
			return err
		}
		v := bk.Get([]byte(token))
		if v == nil {
			return ErrNotFound
		}
		if err := json.Unmarshal(v, &b); err != nil {
			return fmt.Errorf("decode: %w", err)
		}
		return nil
	})
	if err != nil {
		return Button{}, fmt.Errorf("store: button %q: %w", token, err)
	}
	b.Token = token
	if !s.now().Before(b.ExpiresAt) {
		return b, fmt.Errorf("store: button %q: %w", token, ErrButtonExpired)
	}
	return b, nil
}

// newButtonToken draws a token not yet in bk.
func newButtonToken(bk *bolt.Bucket) (string, error) {
	raw := make([]byte, ButtonTokenLen*3/4)
	for range 8 {
		if _, err := rand.Read(raw); err != nil {
			return "", fmt.Errorf("random token: %w", err)
		}
		tok := base64.RawURLEncoding.EncodeToString(raw)
		if bk.Get([]byte(tok)) == nil {
			return tok, nil
		}
	}
	return "", errors.New("random token: eight collisions in a row")
}

// buttonExpiryKey is the key of buttons_expiry: the expiry in big-endian Unix nanoseconds
// followed by the token, so that the first expired come first.
func buttonExpiryKey(at time.Time, token string) []byte {
	k := make([]byte, 8, 8+len(token))
	binary.BigEndian.PutUint64(k, uint64(at.UnixNano()))
	return append(k, token...)
}

// pruneButtons deletes up to buttonPruneBatch buttons that expired before cutoff.
func pruneButtons(bk, ix *bolt.Bucket, cutoff time.Time) error {
	var doomed [][]byte
	c := ix.Cursor()
	for k, _ := c.First(); k != nil && len(doomed) < buttonPruneBatch; k, _ = c.Next() {
		if len(k) < 8 || int64(binary.BigEndian.Uint64(k[:8])) >= cutoff.UnixNano() {
			break
		}
		doomed = append(doomed, bytes.Clone(k))
	}
	for _, k := range doomed {
		if err := bk.Delete(k[8:]); err != nil {
			return err
		}
		if err := ix.Delete(k); err != nil {
			return err
		}
	}
	return nil
}
