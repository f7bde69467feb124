package commands

import "github.com/partnerbot/partnerbot/chat"

// The reply model lives in package chat, shared with alerts and the adapters in bot/; these
// names keep the handlers short.
type (
	Reply   = chat.Reply
	Field   = chat.Field
	Table   = chat.Table
	Section = chat.Section
	Button  = chat.Button
)
