package etcdstore

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"

	"github.com/partnerbot/partnerbot/store"
)

// Preferences: prefs/<platform:user-id> for a person, prefs/#<platform:channel> for a channel.

// Prefs returns the preferences of user ("platform:user-id"); zero Prefs if none are stored.
func (s *Store) Prefs(ctx context.Context, user string) (store.Prefs, error) {
	if err := store.CheckUserKey(user); err != nil {
		return store.Prefs{}, fmt.Errorf("etcdstore: prefs: %w", err)
	}
	return s.prefsAt(ctx, user)
}

func (s *Store) prefsAt(ctx context.Context, name string) (store.Prefs, error) {
	var p store.Prefs
	err := s.view(ctx, func(t *tx) error {
		_, err := t.getJSON(s.key("prefs", name), &p)
		return err
	})
	if err != nil {
		return store.Prefs{}, fmt.Errorf("etcdstore: prefs of %s: %w", name, err)
	}
	return p, nil
}

// SetPrefs stores the preferences of user, replacing any before; zero Prefs deletes them.
func (s *Store) SetPrefs(ctx context.Context, user string, p store.Prefs) error {
	if err := store.CheckUserKey(user); err != nil {
		return fmt.Errorf("etcdstore: set prefs: %w", err)
	}
	return s.setPrefsAt(ctx, user, p)
}

func (s *Store) setPrefsAt(ctx context.Context, name string, p store.Prefs) error {
	err := s.update(ctx, func(t *tx) error {
		if p == (store.Prefs{}) {
			t.del(s.key("prefs", name))
			return nil
		}
		return t.putJSON(s.key("prefs", name), p)
	})
	if err != nil {
		return fmt.Errorf("etcdstore: set prefs of %s: %w", name, err)
	}
	return nil
}

func channelPrefsName(platform, channel string) string { return "#" + platform + ":" + channel }

// ChannelPrefs returns the preferences of a channel; zero Prefs if none are stored.
func (s *Store) ChannelPrefs(ctx context.Context, platform, channel string) (store.Prefs, error) {
	if platform == "" || channel == "" {
		return store.Prefs{}, fmt.Errorf("etcdstore: channel prefs: platform %q and channel %q must be given", platform, channel)
	}
	return s.prefsAt(ctx, channelPrefsName(platform, channel))
}

// SetChannelPrefs stores the preferences of a channel; zero Prefs deletes them.
func (s *Store) SetChannelPrefs(ctx context.Context, platform, channel string, p store.Prefs) error {
	if platform == "" || channel == "" {
		return fmt.Errorf("etcdstore: set channel prefs: platform %q and channel %q must be given", platform, channel)
	}
	return s.setPrefsAt(ctx, channelPrefsName(platform, channel), p)
}

// NoticeLang is the language of a notice to (platform, channel, user): the channel's when it
// has one, else the person's; "" when neither chose one.
func (s *Store) NoticeLang(ctx context.Context, platform, channel, user string) (string, error) {
	return store.NoticeLangOf(ctx, s, platform, channel, user)
}

// RememberName records name as user's display name, keeping the other preferences; the same
// name again writes nothing.
func (s *Store) RememberName(ctx context.Context, user, name string) error {
	if err := store.CheckUserKey(user); err != nil {
		return fmt.Errorf("etcdstore: remember name: %w", err)
	}
	name = store.Truncate(strings.TrimSpace(name), store.MaxNameLen)
	if name == "" {
		return ctx.Err()
	}
	err := s.update(ctx, func(t *tx) error {
		var p store.Prefs
		if _, err := t.getJSON(s.key("prefs", user), &p); err != nil {
			return err
		}
		if p.Name == name {
			return nil
		}
		p.Name = name
		return t.putJSON(s.key("prefs", user), p)
	})
	if err != nil {
		return fmt.Errorf("etcdstore: remember name of %s: %w", user, err)
	}
	return nil
}

// Names returns the display names remembered, by "platform:user-id".
func (s *Store) Names(ctx context.Context) (map[string]string, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("etcdstore: names: %w", err)
	}
	out := map[string]string{}
	prefix := s.under("prefs")
	err := s.pagesAsc(ctx, prefix, func(k string, v []byte) (bool, error) {
		var p store.Prefs
		if json.Unmarshal(v, &p) == nil && p.Name != "" {
			out[lastName(k, prefix)] = p.Name
		}
		return true, nil
	})
	if err != nil {
		return nil, fmt.Errorf("etcdstore: names: %w", err)
	}
	return out, nil
}

// ownerRecord is the value of owners/<resource id>.
type ownerRecord struct {
	CustomerID string    `json:"customer_id"`
	SeenAt     time.Time `json:"seen_at"`
}

// RememberOwners records which customer each resource belongs to. A scan remembers up to
// 100,000 at once, which no Txn holds: they are written in chunks (writeChunked), each owner
// on its own, which is all a reader relies on — a crash midway leaves some owners remembered
// and the rest as they were, as the next listing would.
func (s *Store) RememberOwners(ctx context.Context, owners map[string]string) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("etcdstore: remember owners: %w", err)
	}
	for res, cust := range owners {
		if res == "" || cust == "" {
			return fmt.Errorf("etcdstore: remember owners: empty id in %q → %q", res, cust)
		}
		if len(res) > maxKey {
			return fmt.Errorf("etcdstore: remember owners: resource id of %d bytes is too long", len(res))
		}
	}
	now := s.now()
	ops := make([]clientv3.Op, 0, len(owners))
	for _, res := range slices.Sorted(maps.Keys(owners)) {
		v, err := json.Marshal(ownerRecord{CustomerID: owners[res], SeenAt: now})
		if err != nil {
			return fmt.Errorf("etcdstore: remember owners: %w", err)
		}
		ops = append(ops, clientv3.OpPut(s.key("owners", res), string(v)))
	}
	if _, err := s.writeChunked(ctx, ops); err != nil {
		return fmt.Errorf("etcdstore: remember owners: %w", err)
	}
	return nil
}

// Owner returns the customer resourceID was last seen under; ok is false if it is unknown.
func (s *Store) Owner(ctx context.Context, resourceID string) (string, bool, error) {
	if err := ctx.Err(); err != nil {
		return "", false, fmt.Errorf("etcdstore: owner of %s: %w", resourceID, err)
	}
	if resourceID == "" || len(resourceID) > maxKey {
		return "", false, nil
	}
	var r ownerRecord
	var ok bool
	err := s.view(ctx, func(t *tx) error {
		var err error
		ok, err = t.getJSON(s.key("owners", resourceID), &r)
		return err
	})
	if err != nil {
		return "", false, fmt.Errorf("etcdstore: owner of %s: %w", resourceID, err)
	}
	return r.CustomerID, ok, nil
}

// Buttons: buttons/<token>, and buttons_expiry/<expiry ns, 20 digits>/<token> to forget them.

// buttonPruneBatch is how many long-expired buttons one SaveButtons deletes at most.
const buttonPruneBatch = 32

// SaveButtons stores bs under new random tokens, returned in order, in one transaction that
// also forgets a few buttons that expired more than store.ButtonGrace ago.
func (s *Store) SaveButtons(ctx context.Context, bs []store.Button, ttl time.Duration) ([]string, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("etcdstore: save buttons: %w", err)
	}
	if ttl <= 0 {
		return nil, fmt.Errorf("etcdstore: save buttons: ttl %s is not positive", ttl)
	}
	for _, b := range bs {
		if b.Platform == "" || strings.TrimSpace(b.Command) == "" {
			return nil, fmt.Errorf("etcdstore: save buttons: %q needs a platform and a command", b.Label)
		}
	}
	tokens := make([]string, len(bs))
	err := s.update(ctx, func(t *tx) error {
		now := s.now().Round(0)
		if err := s.pruneButtons(t, now.Add(-store.ButtonGrace)); err != nil {
			return err
		}
		for i, b := range bs {
			tok, err := s.newButtonToken(t)
			if err != nil {
				return err
			}
			b.CreatedAt, b.ExpiresAt = now, now.Add(ttl)
			if err := t.putJSON(s.key("buttons", tok), b); err != nil {
				return err
			}
			t.put(s.key("buttons_expiry", fmt.Sprintf("%020d/%s", uint64(b.ExpiresAt.UnixNano()), tok)), []byte{})
			tokens[i] = tok
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("etcdstore: save buttons: %w", err)
	}
	return tokens, nil
}

// newButtonToken draws a token not yet used (read, so compared at the commit).
func (s *Store) newButtonToken(t *tx) (string, error) {
	raw := make([]byte, store.ButtonTokenLen*3/4)
	for range 8 {
		if _, err := rand.Read(raw); err != nil {
			return "", fmt.Errorf("random token: %w", err)
		}
		tok := base64.RawURLEncoding.EncodeToString(raw)
		v, err := t.get(s.key("buttons", tok))
		if err != nil {
			return "", err
		}
		if v == nil {
			return tok, nil
		}
	}
	return "", errors.New("random token: eight collisions in a row")
}

// pruneButtons deletes, within t, up to buttonPruneBatch buttons that expired before cutoff.
func (s *Store) pruneButtons(t *tx, cutoff time.Time) error {
	prefix := s.under("buttons_expiry")
	kvs, err := t.listLoose(prefix, buttonPruneBatch)
	if err != nil {
		return err
	}
	for _, e := range kvs {
		at, tok, ok := strings.Cut(lastName(e.key, prefix), "/")
		ns, err := strconv.ParseUint(at, 10, 64)
		if !ok || err != nil {
			return fmt.Errorf("button expiry key %s is damaged", e.key)
		}
		if int64(ns) >= cutoff.UnixNano() {
			break
		}
		t.del(s.key("buttons", tok))
		t.del(e.key)
	}
	return nil
}

// Button returns the button saved under token: store.ErrNotFound for an unknown token, the
// button with store.ErrButtonExpired for an expired one.
func (s *Store) Button(ctx context.Context, token string) (store.Button, error) {
	if err := ctx.Err(); err != nil {
		return store.Button{}, fmt.Errorf("etcdstore: button: %w", err)
	}
	if len(token) != store.ButtonTokenLen {
		return store.Button{}, fmt.Errorf("etcdstore: button %q: %w", token, store.ErrNotFound)
	}
	var b store.Button
	err := s.view(ctx, func(t *tx) error {
		ok, err := t.getJSON(s.key("buttons", token), &b)
		if err == nil && !ok {
			err = store.ErrNotFound
		}
		return err
	})
	if err != nil {
		return store.Button{}, fmt.Errorf("etcdstore: button %q: %w", token, err)
	}
	b.Token = token
	if !s.now().Before(b.ExpiresAt) {
		return b, fmt.Errorf("etcdstore: button %q: %w", token, store.ErrButtonExpired)
	}
	return b, nil
}

// Inbound deliveries: inbound/<platform> NUL <id> holds the id's expiry (Unix ns, 20 digits);
// inbound_expiry/<expiry>/<platform> NUL <id> lists them by expiry, to forget them.

// maxDeliveryID is the longest id kept as it is; a longer one is kept as its SHA-256.
const maxDeliveryID = 128

// deliveriesPerTxn is how many ids one transaction records (each takes up to three
// operations); deliveriesPruneBatch how many expired ids it forgets on the way.
const (
	deliveriesPerTxn     = 32
	deliveriesPruneBatch = 8
)

func deliveryName(platform, id string) string {
	if len(id) > maxDeliveryID {
		sum := sha256.Sum256([]byte(id))
		id = "#" + hex.EncodeToString(sum[:])
	}
	return platform + "\x00" + id
}

// FirstDeliveries records the delivery ids of platform and reports, for each, whether this is
// its first delivery within its time to live (an id repeated within ids is not). Of replicas
// recording one id at once exactly one is told it is the first: the id's key is read and
// compared. The ids are recorded deliveriesPerTxn to a transaction; each id's answer is exact
// whatever the boundary.
func (s *Store) FirstDeliveries(ctx context.Context, platform string, ids []string, ttl time.Duration) ([]bool, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("etcdstore: record deliveries: %w", err)
	}
	switch {
	case platform == "" || strings.ContainsRune(platform, 0):
		return nil, fmt.Errorf("etcdstore: record deliveries: platform %q is empty or holds NUL", platform)
	case ttl <= 0:
		return nil, fmt.Errorf("etcdstore: record deliveries: ttl %s is not positive", ttl)
	}
	for _, id := range ids {
		if id == "" {
			return nil, errors.New("etcdstore: record deliveries: an empty id")
		}
	}
	first := make([]bool, len(ids))
	for from := 0; from < len(ids); from += deliveriesPerTxn {
		chunk := ids[from:min(from+deliveriesPerTxn, len(ids))]
		err := s.update(ctx, func(t *tx) error {
			now := s.now()
			if _, err := s.pruneDeliveries(t, now, deliveriesPruneBatch); err != nil {
				return err
			}
			expires := now.Add(ttl)
			for i, id := range chunk {
				first[from+i] = false
				name := deliveryName(platform, id)
				key := s.key("inbound", name)
				v, err := t.get(key)
				if err != nil {
					return err
				}
				if v != nil {
					held, err := strconv.ParseInt(string(v), 10, 64)
					if err == nil && held > now.UnixNano() {
						continue // delivered before, and still within its window
					}
					if err == nil {
						t.del(s.key("inbound_expiry", fmt.Sprintf("%020d/%s", held, name)))
					}
				}
				first[from+i] = true
				t.put(key, []byte(fmt.Sprintf("%020d", expires.UnixNano())))
				t.put(s.key("inbound_expiry", fmt.Sprintf("%020d/%s", expires.UnixNano(), name)), []byte{})
			}
			return nil
		})
		if err != nil {
			return nil, fmt.Errorf("etcdstore: record %s deliveries: %w", platform, err)
		}
	}
	return first, nil
}

// pruneDeliveries forgets, within t, up to batch ids that expired at or before now, and
// returns how many index entries it removed.
func (s *Store) pruneDeliveries(t *tx, now time.Time, batch int) (int, error) {
	prefix := s.under("inbound_expiry")
	kvs, err := t.listLoose(prefix, int64(batch))
	if err != nil {
		return 0, err
	}
	n := 0
	for _, e := range kvs {
		at, name, ok := strings.Cut(lastName(e.key, prefix), "/")
		ns, err := strconv.ParseInt(at, 10, 64)
		if !ok || err != nil {
			return n, fmt.Errorf("delivery expiry key %s is damaged", e.key)
		}
		if ns > now.UnixNano() {
			break
		}
		key := s.key("inbound", name)
		v, err := t.get(key)
		if err != nil {
			return n, err
		}
		if string(v) == at {
			t.del(key)
		}
		t.del(e.key)
		n++
	}
	return n, nil
}
