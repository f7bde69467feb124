package commands

import (
	"context"
	"encoding/json"
	"strings"
	"sync"

	"github.com/partnerbot/partnerbot/chat"
	"github.com/partnerbot/partnerbot/store"
)

// people are the display names the platforms' events carried ("Alice Li (@alice)" on Telegram,
// the Slack user name), by "platform:user-id": loaded from the store once, kept up to date from
// each request, so that replies and notices name people rather than show their ids.
type people struct {
	once  sync.Once
	mu    sync.RWMutex
	names map[string]string
}

// learnName remembers the display name a request carries, in the store when it changed.
func (r *Router) learnName(ctx context.Context, req chat.Request) {
	if r.store == nil {
		return
	}
	r.names.once.Do(func() {
		names, err := r.store.Names(context.WithoutCancel(ctx))
		if err != nil {
			r.log.WarnContext(ctx, "display names not loaded; people are shown by id until they write", "error", err)
		}
		r.names.mu.Lock()
		if r.names.names == nil {
			r.names.names = map[string]string{}
		}
		for k, v := range names {
			r.names.names[k] = v
		}
		r.names.mu.Unlock()
	})
	name := strings.TrimSpace(req.UserName)
	if name == "" || req.UserID == "" || name == req.UserID {
		return
	}
	key := req.User()
	r.names.mu.RLock()
	same := r.names.names[key] == name
	r.names.mu.RUnlock()
	if same {
		return
	}
	if err := r.store.RememberName(context.WithoutCancel(ctx), key, name); err != nil {
		r.log.WarnContext(ctx, "display name not remembered", "user", key, "error", err)
		return
	}
	r.names.mu.Lock()
	r.names.names[key] = name
	r.names.mu.Unlock()
}

// nameOf is how replies name a person: the display name seen on their platform (the one
// recorded with what they did, else the latest), or "platform:user-id" when none is known.
func (r *Router) nameOf(a store.Actor) string {
	if n := strings.TrimSpace(a.UserName); n != "" && n != a.UserID {
		return n
	}
	r.names.mu.RLock()
	n := r.names.names[a.Key()]
	r.names.mu.RUnlock()
	if n != "" {
		return n
	}
	return a.Key()
}

// nameWithID names a person where someone may need to copy their id (roles, audit):
// "Alice Li (@alice) (telegram:1001)", or the id alone when no name is known.
func (r *Router) nameWithID(a store.Actor) string {
	if n := r.nameOf(a); n != a.Key() {
		return n + " (" + a.Key() + ")"
	}
	return a.Key()
}

// subjectOf names what a request is about for a list: the customers by name, then the
// resources or quotas it touches by id (to copy into a command); a customer whose name the
// request did not record stays an id.
func subjectOf(a store.Approval) string {
	var pv preview
	_ = json.Unmarshal(a.Preview, &pv)
	names := map[string]string{}
	if pv.CustomerID != "" && pv.CustomerName != "" {
		names[pv.CustomerID] = pv.CustomerName
	}
	if pv.Money != nil {
		for _, cu := range pv.Money.Customers {
			if cu.Name != "" {
				names[cu.ID] = cu.Name
			}
		}
	}
	var parts []string
	if n := names[a.CustomerID]; n != "" {
		parts = append(parts, n)
	}
	for _, s := range a.Subjects {
		if n := names[s]; n != "" {
			if s != a.CustomerID {
				parts = append(parts, n)
			}
			continue
		}
		parts = append(parts, s)
	}
	return strings.Join(parts, ", ")
}
