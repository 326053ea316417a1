package suite

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/jenkins-paratest/jenkins-paratest/internal/config"
	"github.com/jenkins-paratest/jenkins-paratest/internal/engine"
	"github.com/jenkins-paratest/jenkins-paratest/internal/result"
	"github.com/jenkins-paratest/jenkins-paratest/internal/verdict"
)

// The cucumber preset runs Cucumber 2.x (Debian's ruby cucumber) with a
// formatter of ours, Paratest::CucumberFormatter, that streams one JSON line per
// scenario start and finish, flushed, with the classname, name and outcome that
// cucumber's own JUnit formatter would write. Test ids are scenario locations,
// features/x.feature:LINE; an outline's example rows have their own lines.
//
// cucumber finds the formatter itself: --format names the class, and cucumber
// requires "paratest/cucumber_formatter" from the load path, which RUBYLIB
// extends. A --require would have been simpler but switches off cucumber's own
// loading of features/**/*.rb, so the suite would not load as in a plain run.

//go:embed plugin/cucumber/paratest/cucumber_formatter.rb
var cucumberFormatter []byte

const (
	cucumberDir            = Dir + "/cucumber"
	cucumberFormatterClass = "Paratest::CucumberFormatter"
)

type cucumber struct {
	cfg *config.Config

	mu    sync.RWMutex
	names map[string]Name // what the listing said of each id
}

func newCucumber(cfg *config.Config) Adapter {
	return &cucumber{cfg: cfg, names: map[string]Name{}}
}

func (c *cucumber) Files() []engine.File {
	return []engine.File{{Path: cucumberDir + "/paratest/cucumber_formatter.rb", Mode: 0o644, Data: cucumberFormatter}}
}

// env puts the formatter's directory on Ruby's load path, in front of a RUBYLIB
// the configuration's env: sets.
func (c *cucumber) env() []string {
	lib := cucumberDir
	for _, kv := range c.cfg.Env {
		if v, ok := strings.CutPrefix(kv, "RUBYLIB="); ok && v != "" {
			lib += ":" + v
		}
	}
	return []string{"RUBYLIB=" + lib}
}

func (c *cucumber) List() Command {
	file := ResultFile("cucumber", "list")
	argv := append([]string{"cucumber", "--dry-run", "--format", cucumberFormatterClass, "--out", file}, c.cfg.Args...)
	return Command{Argv: argv, Env: c.env(), ResultFile: file, What: "cucumber --dry-run"}
}

func (c *cucumber) ParseList(out Output) ([]string, error) {
	evs, done, err := cucumberEvents(out.File)
	if err != nil {
		return nil, fmt.Errorf("cucumber --dry-run: unreadable %s: %v", ResultFile("cucumber", "list"), err)
	}
	if !done {
		if out.ExitCode == 0 {
			return nil, fmt.Errorf("cucumber --dry-run exited 0 but %s wrote nothing: the preset needs cucumber 2.x (its event API); check \"cucumber --version\" in the image", cucumberFormatterClass)
		}
		return nil, fmt.Errorf("cucumber --dry-run exited %d: %s", out.ExitCode, cucumberError(out.Stderr, out.Stdout))
	}
	var ids []string
	names := map[string]Name{}
	for _, ev := range evs {
		if ev.Event != "finish" {
			continue
		}
		if ev.Class == "" {
			return nil, fmt.Errorf("%s: the feature has no name, and cucumber's JUnit formatter needs one: write \"Feature: <name>\"", cucumberFile(ev.ID))
		}
		if _, dup := names[ev.ID]; dup {
			continue
		}
		ids = append(ids, ev.ID)
		names[ev.ID] = Name{Suite: ev.Class, Class: ev.Class, Name: ev.Name}
	}
	c.mu.Lock()
	c.names = names
	c.mu.Unlock()
	return ids, nil
}

// Name is the JUnit formatter's: classname the feature's name, name the
// scenario's, with " (outline example : | a | b |)" for an outline's row.
func (c *cucumber) Name(id string) Name {
	c.mu.RLock()
	n, ok := c.names[id]
	c.mu.RUnlock()
	if ok {
		return n
	}
	f := cucumberFile(id)
	return Name{Suite: f, Class: f, Name: id}
}

func (c *cucumber) Group(string) string { return "" }

func (c *cucumber) Batch(ids []string, seq int) Command {
	file := ResultFile("cucumber", seq)
	args := cucumberOptions(c.cfg.Args)
	argv := []string{"cucumber", "--format", cucumberFormatterClass, "--out", file}
	if !cucumberStdoutTaken(args) {
		argv = append(argv, "--format", "progress")
	}
	argv = append(argv, args...)
	argv = append(argv, ids...)
	return Command{Argv: argv, Env: c.env(), ResultFile: file, What: "cucumber"}
}

func (c *cucumber) Verdicts(out Output) []verdict.Verdict {
	evs, done, err := cucumberEvents(out.File)
	// The batch's output, stdout then stderr, for a verdict without a result.
	tail := func() string {
		var parts []string
		for _, o := range [][]byte{out.Stdout, out.Stderr} {
			if s := strings.TrimRight(string(o), "\n"); s != "" {
				parts = append(parts, s)
			}
		}
		return verdict.Bound(strings.Join(parts, "\n"), verdict.MaxOutput)
	}
	finished := map[string]cucumberEvent{}
	started := map[string]bool{}
	running := "" // started and never finished: the scenario cucumber died in
	for _, ev := range evs {
		switch ev.Event {
		case "start":
			started[ev.ID] = true
			running = ev.ID
		case "finish":
			finished[ev.ID] = ev
			if running == ev.ID {
				running = ""
			}
		}
	}
	// Cucumber died between scenarios (nothing was running, yet it never said it
	// was done): the scenarios it had not started go back to the queue. When it
	// died before its first one there is nothing to blame, and no result.
	diedBetween := !done && running == "" && len(started) > 0 && err == nil

	vs := make([]verdict.Verdict, len(out.IDs))
	for i, id := range out.IDs {
		v := verdict.Verdict{ID: id}
		n := c.Name(id)
		v.Suite, v.Class, v.Name = n.Suite, n.Class, n.Name
		switch ev, ok := finished[id]; {
		case ok:
			v = ev.verdict(id)
		case id == running && !done:
			v.Status = result.Failed
			v.Crashed = true
			v.Message = "crashed: " + exitDescription(out.ExitCode)
			v.Details = tail()
		case (running != "" || diedBetween) && !started[id] && !done:
			v.Unrun = true
		case err != nil:
			v.Status = result.Errored
			v.Message = fmt.Sprintf("unreadable cucumber results: %v (exit code %d)", err, out.ExitCode)
			v.Output = tail()
		default:
			v.Status = result.Errored
			v.Message = fmt.Sprintf("no result for this test (exit code %d)", out.ExitCode)
			v.Output = tail()
		}
		vs[i] = v
	}
	return vs
}

func (c *cucumber) PerID() bool { return true }

// cucumberEvent is one line of the formatter's stream.
type cucumberEvent struct {
	Event    string  `json:"event"` // start, finish, done
	ID       string  `json:"id"`
	Status   string  `json:"status"` // the JUnit formatter's: passed, failed, skipped
	Result   string  `json:"result"` // cucumber's: passed, failed, pending, undefined, skipped
	Class    string  `json:"class"`
	Name     string  `json:"name"`
	Duration float64 `json:"duration"` // seconds
	Message  string  `json:"message"`
	Details  string  `json:"details"`
}

func (ev cucumberEvent) verdict(id string) verdict.Verdict {
	v := verdict.Verdict{
		ID:       id,
		Duration: time.Duration(ev.Duration * float64(time.Second)),
		Message:  ev.Message,
		Details:  verdict.Bound(ev.Details, verdict.MaxOutput),
		Suite:    ev.Class,
		Class:    ev.Class,
		Name:     ev.Name,
	}
	switch ev.Status {
	case "passed":
		v.Status = result.Passed
	case "skipped":
		v.Status = result.Skipped
	default:
		// The JUnit formatter writes every other outcome as a <failure>: a failed
		// step or hook, and pending or undefined steps under --strict.
		v.Status = result.Failed
	}
	return v
}

// cucumberEvents reads the formatter's stream. done says it saw the end of the
// run. An unterminated last line, cut short by a dying process, is ignored.
func cucumberEvents(data []byte) (evs []cucumberEvent, done bool, err error) {
	lines := bytes.Split(data, []byte("\n"))
	for n, line := range lines {
		line = bytes.TrimSpace(line)
		if len(line) == 0 {
			continue
		}
		var ev cucumberEvent
		if err := json.Unmarshal(line, &ev); err != nil {
			if n == len(lines)-1 {
				break
			}
			return nil, false, fmt.Errorf("line %d: %v", n+1, err)
		}
		done = done || ev.Event == "done"
		evs = append(evs, ev)
	}
	return evs, done, nil
}

// cucumberFile is the feature file of an id "features/x.feature:12".
func cucumberFile(id string) string {
	if i := strings.LastIndexByte(id, ':'); i > 0 && strings.HasSuffix(id[:i], ".feature") {
		return id[:i]
	}
	return id
}

// backtraceLine matches a Ruby backtrace line: "/usr/lib/x.rb:30:in `y'".
var backtraceLine = regexp.MustCompile("^(<internal:)?\\S+:\\d+:in ")

// cucumberError is the one-line message cucumber printed before its backtrace:
// "features/bad.feature: Parser errors: (4:3): expected: ...".
func cucumberError(outputs ...[]byte) string {
	for _, o := range outputs {
		var msg []string
		for _, l := range strings.Split(string(o), "\n") {
			l = strings.TrimSpace(l)
			if l == "" || strings.Contains(l, "warning: ") {
				continue
			}
			if backtraceLine.MatchString(l) {
				break
			}
			msg = append(msg, l)
		}
		if len(msg) > 0 {
			s := strings.Join(msg, " ")
			if len(s) > 400 {
				s = verdict.Bound(s, 400)
				s = strings.ReplaceAll(s, "\n", " ")
			}
			return s
		}
	}
	return "(no output)"
}

// exitDescription says how a batch ended: "exit code 3", "killed by signal 9".
func exitDescription(code int) string {
	if code > 128 && code <= 128+64 { // 128+N: killed by signal N
		return fmt.Sprintf("cucumber was killed by signal %d (exit code %d)", code-128, code)
	}
	return fmt.Sprintf("cucumber exited %d in this scenario", code)
}

// cucumberValueOptions are cucumber 2.4's options that take a value as the next
// argument.
var cucumberValueOptions = map[string]bool{
	"-r": true, "--require": true, "--i18n": true, "-f": true, "--format": true,
	"-o": true, "--out": true, "-t": true, "--tags": true, "-n": true, "--name": true,
	"-e": true, "--exclude": true, "-p": true, "--profile": true, "--retry": true,
	"-I": true, "--snippet-type": true, "-l": true, "--lines": true, "--order": true,
}

// cucumberEnvArg is an argument cucumber takes as an environment variable.
var cucumberEnvArg = regexp.MustCompile(`^\w+=`)

// cucumberOptions drops the feature paths from args: a batch names its
// scenarios itself, and a path would run all of its scenarios again.
func cucumberOptions(args []string) []string {
	var out []string
	for i := 0; i < len(args); i++ {
		a := args[i]
		switch {
		case cucumberValueOptions[a] && i+1 < len(args):
			out = append(out, a, args[i+1])
			i++
		case strings.HasPrefix(a, "-"), cucumberEnvArg.MatchString(a):
			out = append(out, a) // an option, or cucumber's NAME=value
		}
	}
	return out
}

// cucumberStdoutTaken says whether args already give a formatter that prints to
// stdout: cucumber allows one, and it is theirs.
func cucumberStdoutTaken(args []string) bool {
	var outs []bool // per --format: has an --out
	for i := 0; i < len(args); i++ {
		a := args[i]
		switch {
		case a == "-f" || a == "--format":
			outs = append(outs, false)
			i++
		case strings.HasPrefix(a, "--format="), strings.HasPrefix(a, "-f") && len(a) > 2 && !strings.HasPrefix(a, "--"):
			outs = append(outs, false)
		case a == "-o" || a == "--out", strings.HasPrefix(a, "--out="):
			if len(outs) > 0 {
				outs[len(outs)-1] = true
			}
			if a == "-o" || a == "--out" {
				i++
			}
		case cucumberValueOptions[a]:
			i++
		}
	}
	for _, o := range outs {
		if !o {
			return true
		}
	}
	return false
}
