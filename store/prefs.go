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
	// Name is the person's display name on their platform, as last seen on an event from them
	// (RememberName); replies name people by it rather than by "platform:user-id".
	Name string `json:"name,omitempty"`
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

// maxNameLen bounds a remembered display name, in bytes.
const maxNameLen = 200

// RememberName records name as the display name of user ("platform:user-id"), keeping the
// other preferences; the same name again writes nothing.
func (s *Store) RememberName(ctx context.Context, user, name string) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("store: remember name of %s: %w", user, err)
	}
	if err := checkUserKey(user); err != nil {
		return fmt.Errorf("store: remember name: %w", err)
	}
	name = truncate(strings.TrimSpace(name), maxNameLen)
	if name == "" {
		return nil
	}
	err := s.update(func(tx *bolt.Tx) error {
		b, err := bucket(tx, bucketPrefs)
		if err != nil {
			return err
		}
		var p Prefs
		if v := b.Get([]byte(user)); v != nil {
			if err := json.Unmarshal(v, &p); err != nil {
				return fmt.Errorf("decode: %w", err)
			}
		}
		if p.Name == name {
			return nil
		}
		p.Name = name
		v, err := json.Marshal(p)
		if err != nil {
			return fmt.Errorf("encode: %w", err)
		}
		return b.Put([]byte(user), v)
	})
	if err != nil {
		return fmt.Errorf("store: remember name of %s: %w", user, err)
	}
	return nil
}

// Names returns the display names remembered, by "platform:user-id".
func (s *Store) Names(ctx context.Context) (map[string]string, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("store: names: %w", err)
	}
	out := map[string]string{}
	err := s.view(func(tx *bolt.Tx) error {
		b, err := bucket(tx, bucketPrefs)
		if err != nil {
			return err
		}
		return b.ForEach(func(k, v []byte) error {
			var p Prefs
			if json.Unmarshal(v, &p) == nil && p.Name != "" {
				out[string(k)] = p.Name
			}
			return nil
		})
	})
	if err != nil {
		return nil, fmt.Errorf("store: names: %w", err)
	}
	return out, nil
}
