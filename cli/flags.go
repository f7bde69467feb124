package cli

import (
	"flag"
	"fmt"
	"io"
)

// flagSet is the flag set of one subcommand: its mistakes, its usage and -h go to stderr.
type flagSet struct {
	*flag.FlagSet
	stderr   io.Writer
	synopsis bool
}

// newFlags makes the flags of the subcommand name ("partnerbot backup"). synopsis, when not
// empty, is its usage line ("partnerbot backup [-config FILE] FILE"), printed with the flags'
// defaults on a mistake and on -h.
func newFlags(name, synopsis string, stderr io.Writer) *flagSet {
	fs := &flagSet{FlagSet: flag.NewFlagSet(name, flag.ContinueOnError), stderr: stderr, synopsis: synopsis != ""}
	fs.SetOutput(stderr)
	if synopsis != "" {
		fs.Usage = func() {
			fmt.Fprintln(stderr, "usage: "+synopsis)
			fs.PrintDefaults()
		}
	}
	return fs
}

// parse parses args and wants from lo to hi positional arguments (hi < 0: any number), none of
// them empty. On a mistake it has said so on stderr (a bad flag as the flag package does, one
// argument too many by name, then the usage when the subcommand has a synopsis; too few, the
// usage) and returns false: the subcommand exits with exitUsage.
func (fs *flagSet) parse(args []string, lo, hi int) bool {
	if err := fs.Parse(args); err != nil {
		return false
	}
	n := fs.NArg()
	if hi >= 0 && n > hi {
		fmt.Fprintf(fs.stderr, "%s: unexpected argument %q\n", fs.Name(), fs.Arg(hi))
		if fs.synopsis {
			fs.Usage()
		}
		return false
	}
	for i := 0; i < n; i++ {
		if fs.Arg(i) == "" && i < lo {
			fs.Usage()
			return false
		}
	}
	if n < lo {
		fs.Usage()
		return false
	}
	return true
}
