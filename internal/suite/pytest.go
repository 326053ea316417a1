package suite

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/jenkins-paratest/jenkins-paratest/internal/agent"
	"github.com/jenkins-paratest/jenkins-paratest/internal/config"
	"github.com/jenkins-paratest/jenkins-paratest/internal/engine"
	"github.com/jenkins-paratest/jenkins-paratest/internal/result"
	"github.com/jenkins-paratest/jenkins-paratest/internal/verdict"
)

// The pytest preset runs `python3 /.paratest/pytest/run.py`, which calls
// pytest.main with a plugin object of ours: the suite's conftest files, ini file
// and PYTHONPATH stay as they are, and nothing is added to the command line a
// user's addopts could clash with but -p no:cacheprovider. Test ids are pytest
// node ids, passed as argv. The plugin writes one JSON line per event to a
// result file, flushed: the testcases pytest's own junitxml would write for
// each test (made by junitxml's LogXML itself), and a "start" line before each
// test, so that a start without its "done" names the test that was running
// when the interpreter died; the tests after it go back to the queue, as do
// those after a test that stopped the batch with -x or --maxfail in args:. See
// plugin/pytest/run.py for the events.
//
// Warm runners: `run.py serve` (Warm) runs one pytest session per worker with
// the batches' arguments, which collects the suite once as a serial run does,
// and forks a child per request from that never-run session, as pytest-xdist's
// workers run items of the session they collected: a listing's child writes
// the collected items, a batch's child runs the items its ids name with
// pytest's runtest protocol. A batch (and the listing) is then the agent's
// warm client (warmClient), which hands its argv, environment, working
// directory and stdio to that server and exits with the child's status, or
// execs the cold command itself when there is no server or it refuses (other
// arguments, an id its session did not collect).

//go:embed plugin/pytest/run.py
var pytestRunPy []byte

const (
	pytestDir = Dir + "/pytest"
	pytestRun = pytestDir + "/run.py"
)

// warmClient is the prefix that runs a batch's cold command in the warm
// server listening at socket: `agent warm` (internal/agent/warm.go has the
// protocol), the agent being in every container, so a batch starts no
// interpreter for its client.
func warmClient(socket string) []string { return []string{agent.Path, "agent", "warm", socket, "--"} }

// warmOn reports whether cfg leaves the warm runners on (warm:, default true):
// off for a suite whose runner cannot be forked once loaded (threads or
// connections opened while conftest.py or spec_helper loads).
func warmOn(cfg *config.Config) bool { return cfg.Warm }

// warmSocket is where a preset's warm server listens inside a container, in
// /tmp, which the image's user can write whoever it is. The server writes its
// pid to the same path with ".pid".
func warmSocket(kind string) string { return "/tmp/paratest-" + kind + "-warm.sock" }

type pytest struct {
	cfg *config.Config
	// tests is what the listing said of each id; written by ParseList only,
	// read-only after it.
	tests map[string]pytestItem
}

type pytestItem struct {
	name Name
	arg  string // the argument that selects the test from the working directory
}

var _ Warmer = (*pytest)(nil)

func newPytest(cfg *config.Config) Adapter { return &pytest{cfg: cfg} }

func (p *pytest) Files() []engine.File {
	return []engine.File{
		{Path: pytestRun, Mode: 0o644, Data: pytestRunPy},
	}
}

// argv is run.py's command line: mode, result file, then pytest's arguments.
func (p *pytest) argv(mode, results string) []string {
	argv := []string{"python3", pytestRun, mode, results, "-p", "no:cacheprovider"}
	return append(argv, p.cfg.Args...)
}

// List is a collect-only session; with warm runners on, it goes through the
// warm client, so that on the worker that lists, the server's collection is
// the listing's too (where no server runs, it runs cold).
func (p *pytest) List() Command {
	results := ResultFile("pytest", "list")
	argv := p.argv("list", results)
	if warmOn(p.cfg) {
		argv = append(warmClient(warmSocket("pytest")), argv...)
	}
	return Command{Argv: argv, ResultFile: results, What: "pytest --collect-only"}
}

func (p *pytest) ParseList(out Output) ([]string, error) {
	events, err := pytestEvents(out.File)
	if err != nil && out.ExitCode == 0 {
		return nil, fmt.Errorf("pytest --collect-only: %v", err)
	}
	var ids []string
	tests := map[string]pytestItem{}
	var collectErrors []pytestEvent
	for _, ev := range events {
		switch ev.Event {
		case "nopytest":
			return nil, fmt.Errorf("python3 has no pytest module (%s): install pytest in the image (Debian: apt-get install python3-pytest; or pip install pytest)", ev.Error)
		case "collecterror":
			collectErrors = append(collectErrors, ev)
		case "item":
			if _, dup := tests[ev.ID]; dup {
				continue
			}
			ids = append(ids, ev.ID)
			tests[ev.ID] = pytestItem{name: Name{Suite: ev.Suite, Class: ev.Classname, Name: ev.Name}, arg: ev.Arg}
		}
	}
	switch {
	case out.File == nil && bytes.Contains(out.Stderr, []byte("No module named")):
		return nil, fmt.Errorf("python3 cannot start pytest (%s): install pytest in the image (Debian: apt-get install python3-pytest; or pip install pytest)", LastLine(out.Stderr))
	case out.ExitCode == 0 && out.File == nil:
		return nil, fmt.Errorf("pytest --collect-only exited 0 but wrote no %s: %s", p.List().ResultFile, LastLine(out.Stderr, out.Stdout))
	case out.ExitCode == 0:
	case len(collectErrors) > 0:
		first := collectErrors[0]
		errs := "1 collection error"
		if len(collectErrors) > 1 {
			errs = fmt.Sprintf("%d collection errors", len(collectErrors))
		}
		return nil, fmt.Errorf("pytest --collect-only: %s, the first in %s: %s; fix it, or leave the file out with args: [--ignore=%s]",
			errs, first.ID, first.Message, first.ID)
	case out.ExitCode == 5:
		if p.cfg.AllowEmpty {
			return nil, nil
		}
		return nil, fmt.Errorf("pytest collected no tests (exit code 5): check that the image's WORKDIR holds the suite and what args: selects (-k, -m, paths), or set allow_empty: true")
	case out.ExitCode == 4 && pytestConftest.Match(out.Stderr):
		m := pytestConftest.FindSubmatch(out.Stderr)
		return nil, fmt.Errorf("pytest cannot load %s (exit code 4): %s", m[1], pytestErrorLine(out.Stderr))
	case out.ExitCode == 4:
		return nil, fmt.Errorf("pytest usage error (exit code 4): %s; check args:", pytestErrorLine(out.Stderr, out.Stdout))
	case out.ExitCode == 3:
		return nil, fmt.Errorf("pytest internal error (exit code 3): %s", pytestErrorLine(out.Stderr, out.Stdout))
	default:
		return nil, fmt.Errorf("pytest --collect-only exited %d: %s", out.ExitCode, pytestErrorLine(out.Stderr, out.Stdout))
	}
	p.tests = tests
	return ids, nil
}

// Name is what the listing said, or, for an id it did not list (tests:),
// junitxml's rule applied to the node id.
func (p *pytest) Name(id string) Name {
	if it, ok := p.tests[id]; ok {
		return it.name
	}
	return pytestNames(id)
}

func (p *pytest) Group(string) string { return "" }

func (p *pytest) Batch(ids []string, seq int) Command {
	results := ResultFile("pytest", seq)
	argv := append(p.argv("run", results), "--")
	for _, id := range ids {
		if it, ok := p.tests[id]; ok && it.arg != "" {
			id = it.arg
		}
		argv = append(argv, id)
	}
	if warmOn(p.cfg) {
		argv = append(warmClient(warmSocket("pytest")), argv...)
	}
	return Command{Argv: argv, ResultFile: results, What: "pytest"}
}

// Warm is the worker's pytest server: run.py serve, with the batches' pytest
// arguments for the session it collects and serves them from.
func (p *pytest) Warm() (Command, bool) {
	if !warmOn(p.cfg) {
		return Command{}, false
	}
	return Command{Argv: p.argv("serve", warmSocket("pytest")), What: "pytest warm server", PidFile: warmSocket("pytest") + ".pid"}, true
}

func (p *pytest) Verdicts(out Output) []verdict.Verdict {
	events, _ := pytestEvents(out.File) // a line cut by a crash is dropped
	done := map[string]pytestEvent{}
	started := map[string]bool{}
	running := "" // started and not done: when pytest died, the crashed test
	stopped := false
	for _, ev := range events {
		switch ev.Event {
		case "start":
			started[ev.ID] = true
			running = ev.ID
		case "done":
			done[ev.ID] = ev
			if running == ev.ID {
				running = ""
			}
		case "finish":
			// -x or --maxfail ended the batch after a test: the others
			// go back to the queue, for a batch of their own.
			stopped = ev.Stopped != "" && len(done) > 0
		}
	}
	output := verdict.BatchOutput(out.Stdout, out.Stderr)
	vs := make([]verdict.Verdict, len(out.IDs))
	for i, id := range out.IDs {
		n := p.Name(id)
		v := verdict.Verdict{ID: id, Suite: n.Suite, Class: n.Class, Name: n.Name}
		switch ev, ok := done[id]; {
		case ok:
			pytestJudge(&v, ev)
		case id == running:
			v.Status, v.Crashed = result.Failed, true
			v.Message = "crashed: " + pytestDeath(out.ExitCode) + " while this test ran"
			v.Details = output
		case (running != "" || stopped) && !started[id]:
			v.Unrun = true
		default:
			v.Status = result.Errored
			v.Message = fmt.Sprintf("no result for this test (exit code %d)", out.ExitCode)
			v.Output = output
		}
		vs[i] = v
	}
	return vs
}

func (p *pytest) PerID() bool { return true }

// pytestJudge sets v from the testcases junitxml wrote for the test. The first
// decides: there are two only when the call failed and the teardown errored
// too, and then the test failed; the teardown's error joins the details.
func pytestJudge(v *verdict.Verdict, ev pytestEvent) {
	v.Status = result.Passed
	v.Output = verdict.Bound(ev.Output, verdict.MaxOutput)
	var details []string
	for i, c := range ev.Cases {
		if secs, err := strconv.ParseFloat(c.Time, 64); err == nil {
			v.Duration += time.Duration(secs * float64(time.Second))
		}
		if i == 0 {
			v.Class, v.Name = c.Classname, c.Name
			v.Status, v.Message = pytestStatus(c)
		}
		for _, r := range c.Results {
			details = append(details, r.Text)
		}
	}
	v.Details = verdict.Bound(strings.Join(details, "\n\n"), verdict.MaxOutput)
}

// pytestStatus is a testcase's verdict as JUnit readers take it: an error
// beats a failure beats a skip; no child is a pass. The message is the first
// line of the deciding child's.
func pytestStatus(c pytestCase) (result.Status, string) {
	for _, want := range []struct {
		tag    string
		status result.Status
	}{{"error", result.Errored}, {"failure", result.Failed}, {"skipped", result.Skipped}} {
		for _, r := range c.Results {
			if r.Tag == want.tag {
				return want.status, verdict.FirstLine(r.Message)
			}
		}
	}
	return result.Passed, ""
}

// pytestDeath says how a process with this exit code ended.
func pytestDeath(code int) string {
	if code > 128 && code < 128+65 {
		return fmt.Sprintf("pytest was killed by signal %d (%s)", code-128, syscall.Signal(code-128))
	}
	return fmt.Sprintf("pytest exited with code %d", code)
}

// pytestNames is junitxml's naming of a node id (mangle_test_address, then
// bin_xml_escape on the name): the path dotted without ".py", the classes
// after it, the function and its parameters as the name.
func pytestNames(id string) Name {
	base, params, bracket := strings.Cut(id, "[")
	parts := strings.Split(base, "::")
	parts[0] = strings.TrimSuffix(strings.ReplaceAll(parts[0], "/", "."), ".py")
	if bracket {
		parts[len(parts)-1] += "[" + params
	}
	n := Name{Suite: parts[0], Class: strings.Join(parts[:len(parts)-1], "."), Name: pytestXMLEscape(parts[len(parts)-1])}
	if len(parts) == 1 {
		n.Suite = "pytest"
	}
	return n
}

// pytestXMLEscape is junitxml's bin_xml_escape: characters XML cannot hold
// become "#xNN". Its pattern, "\uE000-\uFFFD\u10000-\u10FFFF", is read by
// Python as \u1000 and '0'-\u10FF, so it escapes every character beyond the
// BMP as well.
func pytestXMLEscape(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r == 0x9 || r == 0xA || r == 0xD, r >= 0x20 && r <= 0x7E, r >= 0x80 && r <= 0xD7FF, r >= 0xE000 && r <= 0xFFFD:
			b.WriteRune(r)
		case r <= 0xFF:
			fmt.Fprintf(&b, "#x%02X", r)
		default:
			fmt.Fprintf(&b, "#x%04X", r)
		}
	}
	return b.String()
}

// pytestEvent is one line of run.py's result file.
type pytestEvent struct {
	Event     string       `json:"event"`
	ID        string       `json:"id"`
	Arg       string       `json:"arg"`
	Suite     string       `json:"suite"`
	Classname string       `json:"classname"`
	Name      string       `json:"name"`
	Message   string       `json:"message"`
	Error     string       `json:"error"`
	Cases     []pytestCase `json:"cases"`
	Output    string       `json:"output"`
	Stopped   string       `json:"stopped"`
}

// pytestCase is one testcase element junitxml made.
type pytestCase struct {
	Classname string `json:"classname"`
	Name      string `json:"name"`
	Time      string `json:"time"`
	Results   []struct {
		Tag     string `json:"tag"` // failure, error or skipped
		Message string `json:"message"`
		Text    string `json:"text"`
	} `json:"results"`
}

// pytestEvents reads a result file. It keeps every line it can read and
// reports the first it cannot.
func pytestEvents(data []byte) ([]pytestEvent, error) {
	var events []pytestEvent
	var first error
	for i, line := range bytes.Split(data, []byte("\n")) {
		if len(bytes.TrimSpace(line)) == 0 {
			continue
		}
		var ev pytestEvent
		if err := json.Unmarshal(line, &ev); err != nil {
			if first == nil {
				first = fmt.Errorf("result line %d: %w", i+1, err)
			}
			continue
		}
		events = append(events, ev)
	}
	return events, first
}

// pytestConftest is how pytest says a conftest.py does not import.
var pytestConftest = regexp.MustCompile(`(?m)^ImportError while loading conftest '([^']+)'`)

// pytestErrorLine is the last line of pytest's output that says "error", or
// its last line: pytest ends a usage error with its rootdir. A traceback's
// "E   " marker goes.
func pytestErrorLine(outputs ...[]byte) string {
	for _, o := range outputs {
		lines := strings.Split(strings.TrimSpace(string(o)), "\n")
		for i := len(lines) - 1; i >= 0; i-- {
			if strings.Contains(strings.ToLower(lines[i]), "error") {
				return strings.TrimSpace(strings.TrimPrefix(lines[i], "E "))
			}
		}
	}
	return LastLine(outputs...)
}
