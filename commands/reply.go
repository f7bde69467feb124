package commands

// Reply is the platform-neutral answer of a command. Each adapter in bot/ renders it in its
// platform's idiom (Block Kit, Telegram HTML with an inline keyboard, WeCom markdown, plain
// text on the console). Every string in it is already in the user's language.
type Reply struct {
	Title     string
	Text      string // paragraphs separated by blank lines; no markup
	Fields    []Field
	Table     *Table
	Sections  []Section // repeated blocks, e.g. one per customer match or resource group
	Buttons   []Button  // actions; each carries a command, so a click and typing take one path
	Footer    string    // e.g. "page 1 of 3"; rendered small
	Error     bool      // the command failed; adapters may mark it, exec exits 1
	Ephemeral bool      // visible to the caller only, where the platform supports it
}

// Field is a label and a value shown side by side.
type Field struct {
	Label string
	Value string
}

// Table is a small grid. Adapters without tables render it as aligned text.
type Table struct {
	Columns []string
	Rows    [][]string
}

// Section is a titled block of fields with optional lines underneath.
type Section struct {
	Title  string
	Fields []Field
	Lines  []string
}

// Button is an action the user can click; Command is exactly what typing would do.
type Button struct {
	Label   string
	Command string // e.g. "/resources 0a1b --page 2"
	Style   string // "", "primary" or "danger"
}
