package chat

import (
	"strconv"
	"strings"
)

// Request is one chat message addressed to the bot.
type Request struct {
	Platform string // "console", "slack", "telegram", "wecom", "exec"
	UserID   string
	UserName string
	Channel  string
	Text     string
}

// User is the "platform:user-id" key used for roles and preferences.
func (r Request) User() string { return r.Platform + ":" + r.UserID }

// Role is what a person may do with the bot. Read-only commands need viewer; admins may do
// everything; operators request actions and approvers approve them.
type Role int

// The roles, from none to admin.
const (
	RoleNone Role = iota
	RoleViewer
	RoleOperator
	RoleApprover
	RoleAdmin
)

var roleNames = []string{"none", "viewer", "operator", "approver", "admin"}

func (r Role) String() string {
	if int(r) < len(roleNames) {
		return roleNames[r]
	}
	return "role(" + strconv.Itoa(int(r)) + ")"
}

// ParseRole reads a role name from the configuration.
func ParseRole(s string) (Role, bool) {
	for i, n := range roleNames {
		if strings.EqualFold(strings.TrimSpace(s), n) {
			return Role(i), true
		}
	}
	return RoleNone, false
}

// Allows reports whether a user with role r may run a command that needs role need.
func (r Role) Allows(need Role) bool {
	switch {
	case r == RoleNone:
		return false
	case r == RoleAdmin || r == need:
		return true
	case need == RoleViewer:
		return true
	}
	return false
}
