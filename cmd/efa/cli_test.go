package main

import (
	"bytes"
	"context"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// efaCLI runs the program as main does, with the given environment, and
// returns the exit status and what it wrote.
func efaCLI(env map[string]string, args ...string) (int, string, string) {
	var out, errOut bytes.Buffer
	code := cli(context.Background(), args, func(k string) string { return env[k] }, &out, &errOut)
	return code, out.String(), errOut.String()
}

// cliCase is how the table test calls one command.
type cliCase struct {
	// help are invocations asking for help (each also names the command's
	// path, e.g. "efa user add", that the usage must mention).
	help [][]string
	// badFlag is an invocation with an unknown option.
	badFlag []string
	// missing are invocations that lack a required argument or have one too many.
	missing [][]string
	// german: the command's own texts are German (user and unblock are
	// being reworked elsewhere and still print English usage).
	german bool
}

var cliCases = map[string]cliCase{
	"serve":   {help: [][]string{{"serve", "--help"}, {"serve", "-h"}}, badFlag: []string{"serve", "--bogus"}, missing: [][]string{{"serve", "zuviel"}}, german: true},
	"seed":    {help: [][]string{{"seed", "--help"}}, badFlag: []string{"seed", "--bogus"}, missing: [][]string{{"seed", "zuviel"}}, german: true},
	"user":    {help: [][]string{{"user", "--help"}, {"user", "add", "--help"}}, badFlag: []string{"user", "add", "--bogus"}, missing: [][]string{{"user"}, {"user", "add"}}},
	"unblock": {help: [][]string{{"unblock", "--help"}}, badFlag: []string{"unblock", "--bogus", "a@b.example"}, missing: [][]string{{"unblock"}}},
	"webhook": {help: [][]string{{"webhook", "--help"}, {"webhook", "add", "--help"}, {"webhook", "list", "-h"}, {"webhook", "remove", "--help"}},
		badFlag: []string{"webhook", "list", "--bogus"},
		missing: [][]string{{"webhook"}, {"webhook", "add"}, {"webhook", "remove"}, {"webhook", "remove", "keine-zahl"}, {"webhook", "frobnicate"}}, german: true},
	"import": {help: [][]string{{"import", "--help"}, {"import", "publiccode", "--help"}, {"import", "gemeinden", "--help"}, {"import", "ozg", "--help"}},
		badFlag: []string{"import", "ozg", "--bogus", "x.csv"},
		missing: [][]string{{"import"}, {"import", "publiccode"}, {"import", "gemeinden"}, {"import", "ozg"}, {"import", "frobnicate"},
			{"import", "publiccode", "x.yml", "--provider", "land"}}, german: true},
	"backup":        {help: [][]string{{"backup", "--help"}}, badFlag: []string{"backup", "--bogus", "x.db"}, missing: [][]string{{"backup"}, {"backup", "a.db", "b.db"}}, german: true},
	"restore":       {help: [][]string{{"restore", "--help"}}, badFlag: []string{"restore", "--bogus", "x.db"}, missing: [][]string{{"restore"}}, german: true},
	"check":         {help: [][]string{{"check", "--help"}}, badFlag: []string{"check", "--bogus"}, missing: [][]string{{"check", "zuviel"}}, german: true},
	"migrate-db":    {help: [][]string{{"migrate-db", "--help"}}, badFlag: []string{"migrate-db", "--bogus"}, missing: [][]string{{"migrate-db"}, {"migrate-db", "--to", "mysql://x/y"}}, german: true},
	"reindex":       {help: [][]string{{"reindex", "--help"}}, badFlag: []string{"reindex", "--bogus"}, missing: [][]string{{"reindex", "zuviel"}}, german: true},
	"gen-synthetic": {help: [][]string{{"gen-synthetic", "--help"}}, badFlag: []string{"gen-synthetic", "--solutions", "viele"}, missing: [][]string{{"gen-synthetic", "--solutions", "0"}}, german: true},
	"version":       {help: [][]string{{"version", "--help"}}, badFlag: []string{"version", "--bogus"}, missing: [][]string{{"version", "zuviel"}}, german: true},
	"help":          {help: [][]string{{"help", "--help"}, {"help", "backup"}}, badFlag: []string{"help", "--bogus"}, missing: [][]string{{"help", "frobnicate"}}, german: true},
}

// english are words of the flag package and of English usage texts that a
// German command must not print.
var english = regexp.MustCompile(`Usage|Flags:|\(default|flag provided|help requested|required|want `)

// Every command answers --help on stdout with status 0, an unknown option
// with a short usage on stderr and status 2, and a missing argument with a
// specific message and its usage on stderr and status 2; none of these
// touches the data folder.
func TestCLIEveryCommand(t *testing.T) {
	dir := t.TempDir()
	env := map[string]string{"EFA_DATA_DIR": dir}
	for _, c := range commands() {
		tc, ok := cliCases[c.name]
		if !ok {
			t.Errorf("command %s has no row in the CLI table test", c.name)
			continue
		}
		for _, args := range tc.help {
			code, out, errOut := efaCLI(env, args...)
			path := "efa " + c.name
			if len(args) > 2 && !strings.HasPrefix(args[1], "-") && c.subcommands {
				path += " " + args[1]
			}
			if c.name == "help" {
				path = "efa " + args[1]
				if isHelpFlag(args[1]) {
					path = "efa – EfA-Register" // the overview
				}
			}
			if code != 0 || errOut != "" || !strings.Contains(out, path) {
				t.Errorf("%v: status %d, stderr %q, stdout lacks %q:\n%s", args, code, errOut, path, out)
			}
			if tc.german && english.MatchString(out) {
				t.Errorf("%v: English in the usage: %q\n%s", args, english.FindString(out), out)
			}
		}
		code, out, errOut := efaCLI(env, tc.badFlag...)
		if code != 2 || out != "" || !strings.HasPrefix(errOut, "efa: ") || !strings.Contains(errOut, "efa "+c.name) {
			t.Errorf("%v: status %d, stdout %q, stderr:\n%s", tc.badFlag, code, out, errOut)
		}
		if tc.german && (english.MatchString(errOut) || !regexp.MustCompile(`unbekannte Option --bogus|ungültiger Wert "viele" für --solutions`).MatchString(errOut)) {
			t.Errorf("%v: stderr not the German short usage:\n%s", tc.badFlag, errOut)
		}
		for _, args := range tc.missing {
			code, out, errOut := efaCLI(env, args...)
			if code != 2 || out != "" || !regexp.MustCompile(`(?m)^efa: `+regexp.QuoteMeta(c.name)+`\b`).MatchString(errOut) ||
				!strings.Contains(errOut, "efa "+c.name) {
				t.Errorf("%v: status %d, stdout %q, stderr:\n%s", args, code, out, errOut)
			}
			if tc.german && (english.MatchString(errOut) || !strings.HasPrefix(errOut, "efa: "+c.name)) {
				t.Errorf("%v: want the German message first, then the usage:\n%s", args, errOut)
			}
		}
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Errorf("help and usage errors wrote into the data folder: %v", entries)
	}
}

func TestCLIOverviewAndUnknownCommand(t *testing.T) {
	env := map[string]string{"EFA_DATA_DIR": t.TempDir()}
	for _, args := range [][]string{{"--help"}, {"-h"}, {"help"}, {"--data-dir", "x", "--help"}} {
		code, out, errOut := efaCLI(env, args...)
		if code != 0 || errOut != "" || !strings.HasPrefix(out, "efa – EfA-Register") {
			t.Errorf("%v: status %d, stderr %q, stdout:\n%s", args, code, errOut, out)
		}
		for _, c := range commands() {
			if !regexp.MustCompile(`(?m)^  ` + regexp.QuoteMeta(c.name) + `\b.*\S`).MatchString(out) {
				t.Errorf("%v: overview lacks a line for %s:\n%s", args, c.name, out)
			}
		}
		if english.MatchString(out) {
			t.Errorf("%v: English in the overview: %q", args, english.FindString(out))
		}
	}
	code, out, errOut := efaCLI(env, "frobnicate")
	if code != 2 || out != "" || !strings.HasPrefix(errOut, "efa: unbekannter Befehl „frobnicate“\nAufruf: efa [BEFEHL]") ||
		!strings.Contains(errOut, "gen-synthetic") || !strings.HasSuffix(errOut, "Übersicht: efa --help\n") {
		t.Errorf("unknown command: status %d, stdout %q, stderr:\n%s", code, out, errOut)
	}
	// Without a command, options are serve's.
	if code, _, errOut := efaCLI(env, "--bogus"); code != 2 || !strings.Contains(errOut, "serve: unbekannte Option --bogus") {
		t.Errorf("efa --bogus: status %d, stderr %q", code, errOut)
	}
	if code, out, _ := efaCLI(env, "version"); code != 0 || !strings.HasPrefix(out, "efa dev") {
		t.Errorf("version: status %d, %q", code, out)
	}
	// A wrong environment is a wrong invocation too, told in German; help still works.
	env["EFA_LOG_LEVEL"] = "laut"
	if code, _, errOut := efaCLI(env, "version"); code != 2 ||
		errOut != "efa: EFA_LOG_LEVEL=\"laut\": erwartet debug, info, warn oder error\n" {
		t.Errorf("bad EFA_LOG_LEVEL: status %d, stderr %q", code, errOut)
	}
	if code, out, _ := efaCLI(env, "check", "--help"); code != 0 || !strings.Contains(out, "Aufruf: efa check") {
		t.Errorf("check --help with a bad environment: status %d\n%s", code, out)
	}
}

// One-shot commands print their result on stdout and log only at
// EFA_LOG_LEVEL=debug (opening a new database logs its migrations).
func TestOneShotCommandsLogOnlyAtDebug(t *testing.T) {
	for _, level := range []string{"", "info", "debug"} {
		env := map[string]string{"EFA_DATA_DIR": filepath.Join(t.TempDir(), "daten"), "EFA_LOG_LEVEL": level}
		code, out, errOut := efaCLI(env, "webhook", "list")
		if code != 0 || out != "Keine Webhooks registriert.\n" {
			t.Errorf("level %q: status %d, stdout %q", level, code, out)
		}
		if level == "debug" {
			if !strings.Contains(errOut, `"msg":"migration applied"`) {
				t.Errorf("level debug: no log lines on stderr: %q", errOut)
			}
		} else if errOut != "" {
			t.Errorf("level %q: stderr %q, want nothing", level, errOut)
		}
	}
}

// The README lists every command.
func TestREADMEListsEveryCommand(t *testing.T) {
	raw, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, section, ok := strings.Cut(string(raw), "## Commands of the binary")
	if !ok {
		t.Fatal("README has no section \"Commands of the binary\"")
	}
	section, _, _ = strings.Cut(section, "\n## ")
	for _, c := range commands() {
		if !regexp.MustCompile(`(?m)^efa \[?` + regexp.QuoteMeta(c.name) + `\b`).MatchString(section) {
			t.Errorf("README's command list lacks efa %s", c.name)
		}
	}
}

func TestBrowsableAddr(t *testing.T) {
	for addr, want := range map[*net.TCPAddr]string{
		{IP: net.IPv6unspecified, Port: 8080}:      "localhost:8080",
		{IP: net.IPv4zero, Port: 8080}:             "localhost:8080",
		{IP: net.IPv4(127, 0, 0, 1), Port: 9}:      "127.0.0.1:9",
		{IP: net.ParseIP("2001:db8::1"), Port: 80}: "[2001:db8::1]:80",
	} {
		if got := browsableAddr(addr); got != want {
			t.Errorf("browsableAddr(%v) = %q, want %q", addr, got, want)
		}
	}
}
