// Package chat is the platform-neutral message model: what a command answers and what an alert
// says, before any adapter renders it in its platform's idiom (plain text on the console, Block
// Kit on Slack, HTML on Telegram, markdown on WeCom). Replies are stored in the outbox as JSON,
// so the field names are part of the store's format.
package chat

// Reply is the platform-neutral answer of a command or the body of a notice. Every string in it
// is already in the reader's language.
type Reply struct {
	Title     string    `json:"title,omitempty"`
	Text      string    `json:"text,omitempty"` // paragraphs separated by blank lines; no markup
	Fields    []Field   `json:"fields,omitempty"`
	Table     *Table    `json:"table,omitempty"`
	Sections  []Section `json:"sections,omitempty"` // repeated blocks, e.g. one per customer or resource group
	Images    []Image   `json:"images,omitempty"`   // pictures, each with its alt text; the rest of the reply is their caption
	Buttons   []Button  `json:"buttons,omitempty"`  // each carries a command, so a click and typing take one path
	Footer    string    `json:"footer,omitempty"`   // e.g. "page 1 of 3"; rendered small
	Error     bool      `json:"error,omitempty"`    // the command failed; adapters may mark it, exec exits 1
	Ephemeral bool      `json:"ephemeral,omitempty"`
	// Lang is the language the reply was rendered in, "zh" or "en" (set by the router on its
	// replies and by those who render notices); empty when not known. An adapter words what it
	// adds to a reply (a table's overflow line) in it.
	Lang string `json:"lang,omitempty"`
}

// Field is a label and a value shown side by side.
type Field struct {
	Label string `json:"label"`
	Value string `json:"value"`
}

// Table is a small grid. Adapters without tables render it as aligned monospace text while it
// fits a chat window, and as one compact entry per row when it does not: the cells of the Head
// columns on the entry's first line, the other cells, each with its column's name, beneath. A
// platform that shows tables (Slack) shows the whole grid.
type Table struct {
	Columns []string   `json:"columns,omitempty"`
	Rows    [][]string `json:"rows,omitempty"`
	// Head lists the columns that name a row, in the order its compact entry shows them (e.g.
	// the resource and its customer); empty means the first column.
	Head []int `json:"head,omitempty"`
}

// Section is a titled block of fields with optional lines underneath.
type Section struct {
	Title  string   `json:"title,omitempty"`
	Fields []Field  `json:"fields,omitempty"`
	Lines  []string `json:"lines,omitempty"`
}

// Button is an action the reader can click; Command is exactly what typing would do.
type Button struct {
	Label   string `json:"label"`
	Command string `json:"command"` // e.g. "/approve 12"
	Style   string `json:"style,omitempty"`
	// Decides says that clicking the button settles the message it is on (an Approve, Reject
	// or Cancel of a request): the adapters then update that message to show the outcome and
	// who clicked, with no buttons left to click again. Any other click (renew a resource on a
	// digest, next page, a customer's resources) is answered with a new message and leaves the
	// one clicked intact. Only this field says so; the style is only the colour.
	Decides bool `json:"decides,omitempty"`
}

// Button styles.
const (
	StylePrimary = "primary"
	StyleDanger  = "danger"
)
