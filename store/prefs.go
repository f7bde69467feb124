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
	return s.prefsAt(ctx, user)
}

// prefsAt reads the preferences stored under key (a user's or a channel's).
func (s *Store) prefsAt(ctx context.Context, user string) (Prefs, error) {
	if err := ctx.Err(); err != nil {
		return Prefs{}, fmt.Errorf("store: prefs of %s: %w", user, err)
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
	return s.setPrefsAt(ctx, user, p)
}

// setPrefsAt writes the preferences stored under key (a user's or a channel's).
func (s *Store) setPrefsAt(ctx context.Context, user string, p Prefs) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("store: set prefs of %s: %w", user, err)
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

// channelPrefsKey is where a channel's preferences live in the prefs bucket: user keys start
// with their platform, never with "#".
func channelPrefsKey(platform, channel string) string { return "#" + platform + ":" + channel }

// ChannelPrefs returns the preferences of a channel (its language, set by /lang typed there):
// zero Prefs and a nil error if none are stored.
func (s *Store) ChannelPrefs(ctx context.Context, platform, channel string) (Prefs, error) {
	if platform == "" || channel == "" {
		return Prefs{}, fmt.Errorf("store: channel prefs: platform %q and channel %q must be given", platform, channel)
	}
	return s.prefsAt(ctx, channelPrefsKey(platform, channel))
}

// SetChannelPrefs stores the preferences of a channel, replacing any before; zero Prefs deletes
// them.
func (s *Store) SetChannelPrefs(ctx context.Context, platform, channel string, p Prefs) error {
	if platform == "" || channel == "" {
		return fmt.Errorf("store: set channel prefs: platform %q and channel %q must be given", platform, channel)
	}
	return s.setPrefsAt(ctx, channelPrefsKey(platform, channel), p)
}

// NoticeLang is the language a notice to (platform, channel, user) is rendered in: the channel's
// when it has one, else the person's (a notice to a person, or to a person in a channel that
// has no language of its own); "" when neither chose one.
func (s *Store) NoticeLang(ctx context.Context, platform, channel, user string) (string, error) {
	return NoticeLangOf(ctx, s, platform, channel, user)
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
