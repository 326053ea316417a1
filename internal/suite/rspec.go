package suite

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"syscall"
	"time"

	"github.com/jenkins-paratest/jenkins-paratest/internal/agent"
	"github.com/jenkins-paratest/jenkins-paratest/internal/config"
	"github.com/jenkins-paratest/jenkins-paratest/internal/engine"
	"github.com/jenkins-paratest/jenkins-paratest/internal/result"
	"github.com/jenkins-paratest/jenkins-paratest/internal/verdict"
)

var (
	//go:embed plugin/rspec/formatter.rb
	rspecFormatter []byte
	//go:embed plugin/rspec/server.rb
	rspecServer []byte
)

const (
	rspecFormatterPath  = Dir + "/rspec/formatter.rb"
	rspecFormatterClass = "JenkinsParatest::RSpecFormatter"
	rspecServerPath     = Dir + "/rspec/server.rb"
)

// rspecSuite is the rspec preset. Our formatter (plugin/rspec/formatter.rb)
// writes one JSON event a line to a result file, flushed as it goes: the
// listing is a --dry-run through it, and a batch runs the listed ids
// ("./spec/a_spec.rb[1:2:3]") with it and the progress formatter for people.
// Testcases are named as rspec_junit_formatter names them — classname the top
// group's file dotted without its extension, name the full description — by its
// rules, re-implemented in the formatter so that the image needs only rspec-core.
//
// Warm runners: the image's own rspec, made a server by requiring
// plugin/rspec/server.rb last (Warm), loads rspec-core, what .rspec and args:
// require (spec_helper) and every spec file once per worker and forks a child
// per command from that state; the listing and a batch are then the agent's
// warm client (warmClient), which hands its argv, environment, working
// directory and stdio to that server and exits with the child's status, or
// execs the cold command itself when there is none or it refuses. The child
// runs the command from the loaded groups of the command's files only, in its
// order, loading nothing again. server.rb serves exactly the two commands
// List and Batch make, with the server's args: keep them in step.
type rspecSuite struct {
	cfg   *config.Config
	names map[string]Name // the listing's names; read-only after ParseList
}

var _ Warmer = (*rspecSuite)(nil)

func newRSpec(cfg *config.Config) Adapter { return &rspecSuite{cfg: cfg} }

func (r *rspecSuite) Files() []engine.File {
	return []engine.File{
		{Path: rspecFormatterPath, Mode: 0o644, Data: rspecFormatter},
		{Path: rspecServerPath, Mode: 0o644, Data: rspecServer},
	}
}

// rspecArgv is rspec with our formatter writing to file, then the user's args.
func (r *rspecSuite) rspecArgv(file string, opts ...string) []string {
	argv := []string{"rspec"}
	argv = append(argv, opts...)
	argv = append(argv, "--require", rspecFormatterPath, "--format", rspecFormatterClass, "--out", file)
	return append(argv, r.cfg.Args...)
}

// List is a dry run; with warm runners on, it goes through the warm client,
// so that on the worker that lists, the server's preload is the listing's too
// (where no server runs, it runs cold).
func (r *rspecSuite) List() Command {
	file := ResultFile("rspec", "list")
	argv := r.rspecArgv(file, "--dry-run")
	if warmOn(r.cfg) {
		argv = append(warmClient(warmSocket("rspec")), argv...)
	}
	return Command{Argv: argv, ResultFile: file, What: "rspec --dry-run"}
}

// ParseList reads the dry run's examples, in the order it "ran" them: the
// order of a serial run (files sorted, examples as defined, unless the suite
// configures another order).
func (r *rspecSuite) ParseList(out Output) ([]string, error) {
	const hint = "the image needs rspec-core 3 (Debian's ruby-rspec, or `gem install rspec`) and spec/**/*_spec.rb files in its working directory"
	if out.File == nil {
		return nil, fmt.Errorf("rspec --dry-run exited %d and listed nothing: %s; %s", out.ExitCode, LastLine(out.Stderr, out.Stdout), hint)
	}
	run := readRSpec(out.File)
	if why := run.loadError(); why != "" {
		return nil, fmt.Errorf("rspec --dry-run: %s; fix it and check with `rspec --dry-run` in the image", why)
	}
	if !run.closed {
		return nil, fmt.Errorf("rspec --dry-run ended early (exit code %d): %s", out.ExitCode, LastLine(out.Stderr, out.Stdout))
	}
	r.names = make(map[string]Name, len(run.order))
	ids := make([]string, 0, len(run.order))
	for _, id := range run.order {
		ev := run.started[id]
		r.names[id] = Name{Suite: ev.Class, Class: ev.Class, Name: ev.Name}
		ids = append(ids, id)
	}
	if len(ids) == 0 {
		return nil, fmt.Errorf("rspec --dry-run listed no examples; %s, or args: naming the spec files", hint)
	}
	return ids, nil
}

// Name is what the listing said. An example with no description of its own
// ("it { is_expected.to eq(4) }") gets one only when it runs: its verdicts
// carry that name.
func (r *rspecSuite) Name(id string) Name {
	if n, ok := r.names[id]; ok {
		return n
	}
	file := id
	if i := strings.IndexByte(id, '['); i > 0 {
		file = id[:i]
	}
	c := rspecClassname(file)
	return Name{Suite: c, Class: c, Name: id}
}

func (r *rspecSuite) Group(string) string { return "" }

// Batch runs ids after "--", so that no id is read as an option. rspec loads
// the files in the order given and runs each file's examples as defined: the
// listing's order.
func (r *rspecSuite) Batch(ids []string, seq int) Command {
	file := ResultFile("rspec", seq)
	argv := append(r.rspecArgv(file), "--format", "progress", "--")
	argv = append(argv, ids...)
	if warmOn(r.cfg) {
		argv = append(warmClient(warmSocket("rspec")), argv...)
	}
	return Command{Argv: argv, ResultFile: file, What: "rspec"}
}

// Warm is the worker's rspec server: rspec with the batches' arguments, then
// server.rb, required after every other --require, so that spec_helper is
// loaded before it serves.
func (r *rspecSuite) Warm() (Command, bool) {
	if !warmOn(r.cfg) {
		return Command{}, false
	}
	argv := append(append([]string{"rspec"}, r.cfg.Args...), "--require", rspecServerPath)
	return Command{Argv: argv, Env: []string{"PARATEST_WARM_SOCKET=" + warmSocket("rspec")}, What: "rspec warm server", PidFile: warmSocket("rspec") + ".pid"}, true
}

// Verdicts reads the formatter's events. The formatter writes "close" last;
// without it rspec died (exit!, a signal, the agent's timeout), and the
// example it had started and not finished crashed — or, when it died between
// examples (in a before(:context) hook, loading a file), the first one it never
// started, which would crash again and again if it went back to the queue.
// The ids after that one are Unrun. An rspec that left no file and was not
// killed never ran our formatter (it is not in the worker's image, an option
// is wrong): every id is Errored, with its output.
func (r *rspecSuite) Verdicts(out Output) []verdict.Verdict {
	run := readRSpec(out.File)
	all := verdict.BatchOutput(out.Stdout, out.Stderr)
	killed := out.ExitCode > 128 || out.ExitCode == agent.ExitTimeout
	died := !run.closed && (out.File != nil || killed)
	crashed := ""
	if died {
		crashed = run.running
		if crashed == "" {
			for _, id := range out.IDs {
				if run.started[id] == nil {
					crashed = id
					break
				}
			}
		}
	}
	why := run.loadError()
	if out.File == nil && !died {
		why = "rspec wrote no results"
	}
	vs := make([]verdict.Verdict, 0, len(out.IDs))
	for _, id := range out.IDs {
		var v verdict.Verdict
		switch ev := run.finished[id]; {
		case ev != nil:
			v = ev.verdict()
		case id == crashed:
			v = verdict.Verdict{Status: result.Failed, Crashed: true, Message: rspecCrash(out.ExitCode, run.started[id] != nil), Details: all}
		case died:
			v = verdict.Verdict{Unrun: true}
		default:
			msg := fmt.Sprintf("no result for this test (exit code %d)", out.ExitCode)
			if why != "" {
				msg = fmt.Sprintf("no result for this test: %s (exit code %d)", why, out.ExitCode)
			}
			v = verdict.Verdict{Status: result.Errored, Message: msg, Details: strings.Join(run.errors, "\n"), Output: all}
		}
		v.ID = id
		if v.Class == "" {
			n := r.Name(id)
			v.Suite, v.Class, v.Name = n.Suite, n.Class, n.Name
		}
		vs = append(vs, v)
	}
	return vs
}

func (r *rspecSuite) PerID() bool { return true }

// rspecCrash says how rspec died: in the example, or before it started.
func rspecCrash(code int, started bool) string {
	how := fmt.Sprintf("rspec exited %d", code)
	if code > 128 && code < 128+65 {
		sig := syscall.Signal(code - 128)
		how = fmt.Sprintf("rspec was killed by signal %d (%v)", int(sig), sig)
	}
	if started {
		return "crashed: " + how + " while this example ran"
	}
	return "crashed: " + how + " before this example started (in a hook, or loading the spec files)"
}

// rspecClassname is rspec_junit_formatter's classname of a spec file:
// "./spec/a_spec.rb" → "spec.a_spec".
func rspecClassname(file string) string {
	if i := strings.LastIndexByte(file, '/'); strings.Contains(file[i+1:], ".") {
		file = file[:i+1+strings.IndexByte(file[i+1:], '.')]
	}
	return strings.Trim(strings.ReplaceAll(file, "/", "."), ".")
}

// rspecEvent is one line of the formatter's file.
type rspecEvent struct {
	Event    string  `json:"event"`
	ID       string  `json:"id"`
	Status   string  `json:"status"` // passed, failed or pending
	Class    string  `json:"classname"`
	Name     string  `json:"name"`
	Duration float64 `json:"duration"` // seconds
	Type     string  `json:"type"`     // the exception's class
	Message  string  `json:"message"`
	Details  string  `json:"details"`
}

// rspecRun is a result file taken apart.
type rspecRun struct {
	order    []string               // ids in the order they started
	started  map[string]*rspecEvent // example_started
	finished map[string]*rspecEvent // example_finished
	running  string                 // started and not finished; "" when none
	errors   []string               // rspec's reports of errors outside examples
	closed   bool                   // the formatter was closed: rspec ended on its own
}

func readRSpec(data []byte) *rspecRun {
	run := &rspecRun{started: map[string]*rspecEvent{}, finished: map[string]*rspecEvent{}}
	for len(data) > 0 {
		var line []byte
		line, data, _ = bytes.Cut(data, []byte("\n"))
		ev := new(rspecEvent)
		if json.Unmarshal(line, ev) != nil {
			continue // a line cut short when rspec died
		}
		switch ev.Event {
		case "example_started":
			if run.started[ev.ID] == nil {
				run.order = append(run.order, ev.ID)
			}
			run.started[ev.ID] = ev
			run.running = ev.ID
		case "example_finished":
			run.finished[ev.ID] = ev
			if run.running == ev.ID {
				run.running = ""
			}
		case "message":
			if strings.Contains(ev.Message, "An error occurred") {
				run.errors = append(run.errors, strings.TrimSpace(ev.Message))
			}
		case "close":
			run.closed = true
		}
	}
	return run
}

var (
	rspecErrorHead  = regexp.MustCompile(`An error occurred (while loading \S+?|in .+?)\.( |$)`)
	rspecErrorClass = regexp.MustCompile(`^([A-Z]\w*(?:::\w+)*):$`)
)

// loadError is the first error outside examples in one line — "an error
// occurred while loading ./spec/a_spec.rb: LoadError: cannot load such file --
// x" — or "" when there was none.
func (run *rspecRun) loadError() string {
	if len(run.errors) == 0 {
		return ""
	}
	lines := strings.Split(run.errors[0], "\n")
	what := strings.TrimSpace(lines[0])
	if m := rspecErrorHead.FindStringSubmatch(what); m != nil {
		what = "an error occurred " + m[1]
	}
	for i, l := range lines {
		if m := rspecErrorClass.FindStringSubmatch(strings.TrimSpace(l)); m != nil && i+1 < len(lines) {
			return fmt.Sprintf("%s: %s: %s", what, m[1], strings.TrimSpace(lines[i+1]))
		}
	}
	return what
}

func (ev *rspecEvent) verdict() verdict.Verdict {
	v := verdict.Verdict{
		Duration: time.Duration(ev.Duration * float64(time.Second)),
		Details:  ev.Details,
		Suite:    ev.Class, Class: ev.Class, Name: ev.Name,
	}
	switch ev.Status {
	case "passed":
		v.Status = result.Passed
	case "pending":
		v.Status, v.Message = result.Skipped, ev.Message
	default: // failed, and a pending example that passed
		v.Status, v.Message = result.Failed, rspecMessage(ev.Type, ev.Message)
	}
	return v
}

// rspecMessage is an exception's first line, after its class unless RSpec's
// own ("expected: 4").
func rspecMessage(typ, msg string) string {
	line := ""
	for l := range strings.Lines(msg) {
		if line = strings.TrimSpace(l); line != "" {
			break
		}
	}
	switch {
	case line == "":
		return typ
	case typ == "" || strings.HasPrefix(typ, "RSpec::"):
		return line
	}
	return typ + ": " + line
}
