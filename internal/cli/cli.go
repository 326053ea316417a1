// Package cli owns the command line of jenkins-paratest: the kong model of its
// commands (run, list, plan, check, clean, version and the hidden agent), the signal handling that
// turns a first SIGINT/SIGTERM into a graceful stop and a second into a hard one,
// and the mapping of every outcome to one exit code and at most one line on stderr.
package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/alecthomas/kong"

	"github.com/jenkins-paratest/jenkins-paratest/internal/agent"
	"github.com/jenkins-paratest/jenkins-paratest/internal/config"
	"github.com/jenkins-paratest/jenkins-paratest/internal/console"
	"github.com/jenkins-paratest/jenkins-paratest/internal/exit"
	"github.com/jenkins-paratest/jenkins-paratest/internal/result"
	"github.com/jenkins-paratest/jenkins-paratest/internal/runner"
)

const name = "jenkins-paratest"

// app is the kong model: one field per command, one file per command.
type app struct {
	Run     runCmd     `cmd:"" help:"Run the test suite on Docker workers and write the reports."`
	List    listCmd    `cmd:"" help:"Print the test ids run would run, one per line, without running them."`
	Plan    planCmd    `cmd:"" help:"Predict the run from the timing history: each worker's finish, the wall time against its lower bound, the tests without history; with --target, the workers a wall time needs."`
	Check   checkCmd   `cmd:"" help:"Check every host: SSH, host key, Docker engine, image, CPUs and memory. Starts nothing."`
	Clean   cleanCmd   `cmd:"" help:"Remove the containers jenkins-paratest left on the hosts, of all runs or of one."`
	Version versionCmd `cmd:"" help:"Print the version."`
	Agent   agentCmd   `cmd:"" hidden:"" passthrough:"" help:"Run inside a worker container (internal)."`
}

// deps is what the commands take from Main besides their flags. Tests replace the
// runner and the environment.
type deps struct {
	stdin     io.Reader
	stdout    io.Writer
	stderr    io.Writer
	lookupEnv func(string) (string, bool)
	hard      context.Context // cancelled by a second signal
	run       func(context.Context, *config.Config, runner.Options) (*result.Run, error)
	list      func(context.Context, *config.Config, runner.Options) (*runner.Listing, error)
	plan      func(context.Context, *config.Config, runner.Options) (*runner.Planned, error)
	check     func(context.Context, *config.Config, runner.Options) ([]runner.HostCheck, error)
	clean     func(context.Context, *config.Config, runner.Options, string, bool) ([]runner.Removed, error)
	agent     func(context.Context, []string, io.Writer, io.Writer) int
}

// Main runs jenkins-paratest with args (without the program name) and returns the
// exit code: 0 all passed, 1 tests failed, 2 usage or configuration, 3
// infrastructure, 128+signal when interrupted (see internal/exit).
//
// The first SIGINT or SIGTERM cancels the run's context: dispatch stops, the
// running tests are abandoned, the reports are written at once, and then the
// containers are removed, for at most a few seconds (Jenkins sends SIGKILL about
// 5 s after SIGTERM). The second cancels the hard context, which ends that
// clean-up at once. Both carry exit.Signal as their cause.
func Main(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	defer signal.Stop(sigs)
	soft, hard, stop := signalContexts(sigs)
	defer stop()
	return execute(soft, args, &deps{
		stdin:     stdin,
		stdout:    stdout,
		stderr:    stderr,
		lookupEnv: os.LookupEnv,
		hard:      hard,
		run:       runner.Run,
		list:      runner.List,
		plan:      runner.Plan,
		check:     runner.Check,
		clean:     runner.Clean,
		agent:     agent.Main,
	})
}

// kongExit is what kong's Exit panics with (after --help), so parsing stops
// without os.Exit and execute returns the code.
type kongExit int

// execute parses args and runs the command under ctx.
func execute(ctx context.Context, args []string, d *deps) int {
	var cli app
	parser, err := kong.New(&cli,
		kong.Name(name),
		kong.Description("Runs a test suite spread over Docker worker containers. Configuration: paratest.yml, PARATEST_* variables and flags (docs/config.md)."),
		kong.Writers(d.stdout, d.stderr),
		kong.Exit(func(code int) { panic(kongExit(code)) }),
		kong.BindTo(ctx, (*context.Context)(nil)),
		kong.Bind(d),
	)
	if err != nil { // the model is static: only a programming error gets here
		return report(d.stderr, exit.Infraf("internal error: %w", err))
	}
	kctx, code, err := parse(parser, args)
	switch {
	case code >= 0:
		return code
	case err != nil:
		fmt.Fprintf(d.stderr, "%s: %s (see '%s --help')\n", name, oneLine(err), helpPath(err))
		return exit.Usage
	}
	return report(d.stderr, kctx.Run())
}

// parse parses args; code is kong's exit code when it exited (help), else -1.
func parse(parser *kong.Kong, args []string) (kctx *kong.Context, code int, err error) {
	defer func() {
		if r := recover(); r != nil {
			c, ok := r.(kongExit)
			if !ok {
				panic(r)
			}
			kctx, code, err = nil, int(c), nil
		}
	}()
	kctx, err = parser.Parse(args)
	return kctx, -1, err
}

// helpPath is the command whose --help explains a parse error: "jenkins-paratest run".
func helpPath(err error) string {
	var pe *kong.ParseError
	if errors.As(err, &pe) && pe.Context != nil {
		if node := pe.Context.Selected(); node != nil {
			return node.FullPath()
		}
	}
	return name
}

// quietExit ends the process with a code and nothing printed: the command already
// said everything (the agent relaying its command's exit code).
type quietExit int

func (q quietExit) Error() string { return fmt.Sprintf("exit status %d", int(q)) }

// report prints err, if any, as one line on stderr and returns the exit code.
func report(stderr io.Writer, err error) int {
	if err == nil {
		return exit.OK
	}
	var q quietExit
	if errors.As(err, &q) {
		return int(q)
	}
	fmt.Fprintf(stderr, "%s: %s\n", name, oneLine(err))
	return exit.Code(err)
}

// oneLine joins the lines of err's message with "; ", so Jenkins' console shows
// the whole error on the line that names the program.
func oneLine(err error) string { return joinLines(err.Error()) }

// joinLines joins the non-empty lines of s with "; ".
func joinLines(s string) string {
	var lines []string
	for l := range strings.SplitSeq(console.Plain(s), "\n") {
		if l = strings.TrimSpace(l); l != "" {
			lines = append(lines, l)
		}
	}
	return strings.Join(lines, "; ")
}
