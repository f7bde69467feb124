package store

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	bolt "go.etcd.io/bbolt"
)

// Prefs are one user's preferences. Empty fields mean "use the configured default".
type Prefs struct {
	Lang     string `json:"lang,omitempty"`
	TimeZone string `json:"tz,omitempty"`
}

// checkUserKey insists on "platform:user-id" with both parts non-empty.
func checkUserKey(user string) error {
	platform, id, ok := strings.Cut(user, ":")
	if !ok || platform == "" || id == "" {
		return fmt.Errorf("user key %q is not \"platform:user-id\"", user)
	}
	return nil
}

// Prefs returns the preferences of user ("platform:user-id"): zero Prefs and a nil error if
// none are stored.
func (s *Store) Prefs(ctx context.Context, user string) (Prefs, error) {
	if err := ctx.Err(); err != nil {
		return Prefs{}, fmt.Errorf("store: prefs of %s: %w", user, err)
	}
	if err := checkUserKey(user); err != nil {
		return Prefs{}, fmt.Errorf("store: prefs: %w", err)
	}
	var p Prefs
	err := s.view(func(tx *bolt.Tx) error {
		b, err := bucket(tx, bucketPrefs)
		if err != nil {
			return err
		}
		v := b.Get([]byte(user))
		if v == nil {
			return nil
		}
		if err := json.Unmarshal(v, &p); err != nil {
			return fmt.Errorf("decode: %w", err)
		}
		return nil
	})
	if err != nil {
		return Prefs{}, fmt.Errorf("store: prefs of %s: %w", user, err)
	}
	return p, nil
}

// SetPrefs stores the preferences of user ("platform:user-id"), replacing any before. Setting
// zero Prefs deletes the record.
func (s *Store) SetPrefs(ctx context.Context, user string, p Prefs) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("store: set prefs of %s: %w", user, err)
	}
	if err := checkUserKey(user); err != nil {
		return fmt.Errorf("store: set prefs: %w", err)
	}
	err := s.update(func(tx *bolt.Tx) error {
		b, err := bucket(tx, bucketPrefs)
		if err != nil {
			return err
		}
		if p == (Prefs{}) {
			return b.Delete([]byte(user))
		}
		v, err := json.Marshal(p)
		if err != nil {
			return fmt.Errorf("encode: %w", err)
		}
		return b.Put([]byte(user), v)
	})
	if err != nil {
		return fmt.Errorf("store: set prefs of %s: %w", user, err)
	}
	return nil
}
