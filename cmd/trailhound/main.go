// Command trailhound triages AWS CloudWatch alarms from CloudTrail: in Slack
// (run, demo) or in a terminal (triage, changes, eval).
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

// version is set at build time with -ldflags "-X main.version=…".
var version = "dev"

// errUsage marks errors that are the caller's: they exit with code 2.
var errUsage = errors.New("usage")

func usageError(format string, args ...any) error {
	return fmt.Errorf("%w: %s", errUsage, fmt.Sprintf(format, args...))
}

const topUsage = `trailhound finds the CloudTrail change behind a CloudWatch alarm.

Usage:
  trailhound <command> [flags]

Commands:
  demo      the bot, a sandbox Slack workspace and sandbox AWS in one process: alarms in, threads out
  run       the Slack bot (Socket Mode); settings from flags, environment or a YAML file
  triage    rank the changes behind one alarm of a scenario folder
  changes   list what changed before a time, from CloudTrail files on disk
  eval      triage every scenario of a corpus and score the answers
  sandbox   serve a scenario as AWS APIs for any SDK client (AWS_ENDPOINT_URL)
  version   print the version

Run 'trailhound <command> -h' for a command's flags.
Quick start (no credentials needed):
  trailhound demo
  trailhound triage --scenario testdata/scenarios/001-lambda-role-policy-detached
`

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// run executes one command and returns the process exit code: 0 success,
// 1 failure, 2 bad usage.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, topUsage)
		return 2
	}
	var err error
	switch cmd, rest := args[0], args[1:]; cmd {
	case "triage":
		err = runTriage(ctx, rest, stdout, stderr)
	case "changes":
		err = runChanges(ctx, rest, stdout, stderr)
	case "eval":
		err = runEval(ctx, rest, stdout, stderr)
	case "sandbox":
		err = runSandbox(ctx, rest, stdout, stderr)
	case "run":
		err = runBot(ctx, rest, stdout, stderr)
	case "demo":
		err = runDemo(ctx, rest, stdout, stderr)
	case "version", "--version", "-version":
		fmt.Fprintln(stdout, "trailhound", version)
	case "help", "-h", "--help", "-help":
		fmt.Fprint(stdout, topUsage)
	default:
		err = usageError("unknown command %q (try 'trailhound help')", cmd)
	}
	switch {
	case err == nil:
		return 0
	case errors.Is(err, flag.ErrHelp):
		return 0
	case errors.Is(err, errUsage):
		fmt.Fprintln(stderr, "trailhound:", err)
		return 2
	default:
		fmt.Fprintln(stderr, "trailhound:", err)
		return 1
	}
}

// newFlags makes a flag set that reports errors instead of exiting, with a
// usage text that says what the command is for. Asked for (-h), the usage
// goes to stdout; after a bad flag, with the error, to stderr.
func newFlags(name, synopsis string, stdout, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	out := &errorSeen{w: stderr}
	fs.SetOutput(out)
	fs.Usage = func() {
		w := stdout
		if out.seen {
			w = stderr
		}
		fmt.Fprintf(w, "%s\n\nFlags:\n", synopsis)
		fs.SetOutput(w)
		fs.PrintDefaults()
		fs.SetOutput(out)
	}
	return fs
}

// errorSeen is a flag set's output: the flag package writes there only to
// report a bad flag, just before it prints the usage.
type errorSeen struct {
	w    io.Writer
	seen bool
}

func (e *errorSeen) Write(p []byte) (int, error) {
	e.seen = true
	return e.w.Write(p)
}

// parseFlags parses args, turning flag errors into usage errors and
// rejecting stray positional arguments.
func parseFlags(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return fmt.Errorf("%w: %s", errUsage, err)
	}
	if fs.NArg() > 0 {
		return usageError("%s: unexpected argument %q", fs.Name(), fs.Arg(0))
	}
	return nil
}
