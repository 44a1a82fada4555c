package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"regexp"
	"strings"
)

// errUsage marks a wrong invocation; main exits with status 2 for it.
var errUsage = errors.New("usage")

// usageError is a wrong invocation: main prints the message, then the
// usage, and exits with status 2.
type usageError struct{ msg, usage string }

func (e *usageError) Error() string        { return e.msg }
func (e *usageError) Is(target error) bool { return target == errUsage }

func exitCode(err error) int {
	switch {
	case err == nil, errors.Is(err, flag.ErrHelp):
		return 0
	case errors.Is(err, errUsage):
		return 2
	}
	return 1
}

// message is the text main prints for err: without the ": usage" of errors
// that wrap errUsage.
func message(err error) string {
	return strings.TrimSuffix(err.Error(), ": "+errUsage.Error())
}

// isHelpFlag tells whether arg asks for help.
func isHelpFlag(arg string) bool {
	switch arg {
	case "-h", "-help", "--help", "--h":
		return true
	}
	return false
}

// wantsHelp tells whether args ask for help before a "--".
func wantsHelp(args []string) bool {
	for _, a := range args {
		if a == "--" {
			return false
		}
		if isHelpFlag(a) {
			return true
		}
	}
	return false
}

// showHelp prints the help of c (of its subcommand when args name one) to
// stdout. The command runs with only "--help" as its arguments and stdout as
// its error output, so it prints its usage and stops before doing anything.
func showHelp(ctx context.Context, cfg config, c *command, args []string, stdout io.Writer) error {
	helpArgs := []string{"--help"}
	if c.subcommands && len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		helpArgs = []string{args[0], "--help"}
	}
	err := c.run(ctx, cfg, helpArgs, stdout, stdout)
	var ue *usageError
	switch {
	case err == nil, errors.Is(err, flag.ErrHelp):
		return nil
	case errors.As(err, &ue):
		// A real mistake, such as an unknown subcommand.
		return err
	case errors.Is(err, errUsage):
		// A command that prints its usage when it does not know the
		// subcommand (here: "--help") has printed it.
		return nil
	}
	return err
}

// flagSet is a flag.FlagSet that speaks German: its usage lists the options
// with German names and defaults, and a wrong option becomes a usageError
// with a German message and a short usage instead of the flag package's
// English text.
type flagSet struct {
	*flag.FlagSet
	// Operands names what follows the options in the usage line, e.g. "DATEI".
	Operands string
	summary  string
	out      io.Writer
}

// newFlags returns the flag set of the command name ("backup", "user add");
// its usage (--help, and after a missing argument) goes to out.
func newFlags(name, summary string, out io.Writer) *flagSet {
	fs := &flagSet{FlagSet: flag.NewFlagSet(name, flag.ContinueOnError), summary: summary, out: out}
	fs.SetOutput(out)
	fs.Usage = func() { fs.printUsage(out) }
	return fs
}

// Parse parses args. On --help it prints the usage and returns flag.ErrHelp;
// a wrong option is a usageError.
func (f *flagSet) Parse(args []string) error {
	usage := f.FlagSet.Usage
	f.FlagSet.Usage = func() {}
	f.SetOutput(io.Discard)
	err := f.FlagSet.Parse(args)
	f.FlagSet.Usage = usage
	f.SetOutput(f.out)
	switch {
	case err == nil:
		return nil
	case errors.Is(err, flag.ErrHelp):
		usage()
		return flag.ErrHelp
	}
	return &usageError{msg: f.Name() + ": " + flagErrorText(err), usage: f.shortUsage()}
}

// fail returns a usageError for a missing or wrong argument: the message,
// then the whole usage of the command.
func (f *flagSet) fail(format string, args ...any) error {
	var b strings.Builder
	f.printUsage(&b)
	return &usageError{msg: f.Name() + ": " + fmt.Sprintf(format, args...), usage: "\n" + b.String()}
}

func (f *flagSet) usageLine() string {
	line := "efa " + f.Name()
	n := 0
	f.VisitAll(func(*flag.Flag) { n++ })
	if n > 0 {
		line += " [Optionen]"
	}
	if f.Operands != "" {
		line += " " + f.Operands
	}
	return line
}

func (f *flagSet) shortUsage() string {
	return "Aufruf: " + f.usageLine() + "\nHilfe: efa " + f.Name() + " --help\n"
}

func (f *flagSet) printUsage(w io.Writer) {
	fmt.Fprintf(w, "Aufruf: %s\n\n%s\n", f.usageLine(), f.summary)
	if strings.Contains(f.usageLine(), "[Optionen]") {
		fmt.Fprint(w, "\nOptionen:\n")
		f.printDefaults(w)
	}
}

// PrintDefaults prints the options in German: name, kind of value,
// description and default.
func (f *flagSet) PrintDefaults() { f.printDefaults(f.out) }

// argNames are the German names of the flag package's kinds of value.
var argNames = map[string]string{"string": "WERT", "int": "ZAHL", "uint": "ZAHL", "int64": "ZAHL", "uint64": "ZAHL",
	"float": "ZAHL", "duration": "DAUER", "value": "WERT"}

func (f *flagSet) printDefaults(w io.Writer) {
	f.VisitAll(func(fl *flag.Flag) {
		arg, usage := flag.UnquoteUsage(fl)
		if n, ok := argNames[arg]; ok {
			arg = n
		}
		head := "  --" + fl.Name
		if arg != "" {
			head += " " + strings.ToUpper(arg)
		}
		fmt.Fprintf(w, "%s\n        %s", head, usage)
		switch fl.DefValue {
		case "", "false", "0", "0s":
		default:
			fmt.Fprintf(w, " (Vorgabe: %s)", fl.DefValue)
		}
		fmt.Fprintln(w)
	})
}

var (
	reFlagUndefined = regexp.MustCompile(`^flag provided but not defined: -+(.*)$`)
	reFlagNeedsArg  = regexp.MustCompile(`^flag needs an argument: -+(.*)$`)
	reFlagBadValue  = regexp.MustCompile(`^invalid (?:boolean )?value (".*") for (?:flag )?-+([^:]*): (.*)$`)
	reFlagSyntax    = regexp.MustCompile(`^bad flag syntax: (.*)$`)
)

// flagErrorText says in German what the flag package found wrong.
func flagErrorText(err error) string {
	s := err.Error()
	if m := reFlagUndefined.FindStringSubmatch(s); m != nil {
		return "unbekannte Option --" + m[1]
	}
	if m := reFlagNeedsArg.FindStringSubmatch(s); m != nil {
		return "die Option --" + m[1] + " braucht einen Wert"
	}
	if m := reFlagBadValue.FindStringSubmatch(s); m != nil {
		return "ungültiger Wert " + m[1] + " für --" + m[2]
	}
	if m := reFlagSyntax.FindStringSubmatch(s); m != nil {
		return "ungültige Option " + m[1]
	}
	return s
}
