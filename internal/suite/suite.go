// Package suite owns what differs between kinds of test suite: how a suite is
// listed, how a batch of its tests runs, how what the runner leaves behind becomes
// one verdict per test, and how each test is named in JUnit. There is one Adapter
// per kind — the presets pytest, rspec, cucumber and go, and the generic
// list/command/results mode — chosen once, by New, from the configuration the
// config package has already validated. The runner does rounds and dispatch and
// asks the adapter everything else.
package suite

import (
	"fmt"
	"io"
	"time"

	"github.com/jenkins-paratest/jenkins-paratest/internal/config"
	"github.com/jenkins-paratest/jenkins-paratest/internal/engine"
	"github.com/jenkins-paratest/jenkins-paratest/internal/verdict"
)

// Dir is where adapters put their plugins inside a container. It belongs to
// root, read-only for others: result files go to ResultFile's.
const Dir = "/.paratest"

// ScratchDir is the directory in memory every container of a run has
// (engine.ContainerSpec.Scratch), which the image's user can write whoever it
// is: the presets' result files go there.
const ScratchDir = "/.paratest-results"

// ResultFile is where a preset's runner writes its results inside a container,
// in ScratchDir. name is "list" or a batch's seq.
func ResultFile(kind string, name any) string {
	return fmt.Sprintf("%s/paratest-%s-%v.jsonl", ScratchDir, kind, name)
}

// Command is what an adapter runs inside a container, through the agent.
type Command struct {
	Argv []string // exec'd, never parsed by a shell unless Argv[0] is one
	Env  []string // KEY=VALUE, added to the worker's environment
	// ResultFile is a file the runner's machine-readable results go to; the runner
	// removes it before the command and reads it after. "" when the results are
	// in the output.
	ResultFile string
	// Text, when set, turns the command's stdout into what people read in the
	// console and the worker log (test2json's events into their output).
	Text func(w io.Writer) io.WriteCloser
	// What names the command in messages: "pytest --collect-only".
	What string
	// PidFile, for a warm runner, is where the agent writes its pid before
	// the runner starts: batches (and the listing) sent while it loads wait
	// for it, rather than run cold beside it.
	PidFile string
}

// Output is what one Command left behind.
type Output struct {
	IDs      []string // the ids the command ran; none for a listing
	ExitCode int      // 128+N when killed by signal N
	Stdout   []byte
	Stderr   []byte
	File     []byte // the ResultFile's content; nil when the command left none
	Duration time.Duration
}

// Name is how JUnit names one test.
type Name struct {
	Suite string // one TEST-<Suite>.xml per suite
	Class string // the testcase's classname
	Name  string // the testcase's name
}

// Adapter is one kind of suite. An adapter is made for one run: ParseList may
// remember what the listing said of each test (its JUnit name) for Name to answer
// later. ParseList is called before any of Name, Batch and Verdicts; after it,
// every method is safe for concurrent use.
type Adapter interface {
	// Files are put into every container: the adapter's plugins or formatters.
	Files() []engine.File
	// List is the command that lists the suite in a fresh container.
	List() Command
	// ParseList reads the listing's output into test ids, in the order a serial
	// run would run them. It sees every exit code but those of a command that
	// could not start (the runner says "not found" itself), and returns an error
	// — one line naming what is wrong: no pytest module, a collection error, an
	// output it cannot read — when the listing failed; the run then exits 2
	// before any test runs.
	ParseList(out Output) ([]string, error)
	// Name is how the runner's own JUnit reporter names a listed test in a
	// serial run, so that Jenkins keeps each test's history.
	Name(id string) Name
	// Group says which tests may share a batch: only those of one group (a Go
	// test binary). "" for all.
	Group(id string) string
	// Batch is the command that runs ids, in their order, in a worker. seq is
	// unique per worker, for result file names.
	Batch(ids []string, seq int) Command
	// Verdicts turns a batch's output into one verdict per id of out.IDs, in
	// their order, plus verdicts of children the runner reports on its own (Go
	// subtests, with Parent set). The test that was running when the runner died
	// is Crashed (Failed, with the crash output); an id the batch never started
	// (it came after the crash) is Unrun and goes back to the queue; an id the
	// runner finished without a word about is Errored ("no result").
	Verdicts(out Output) []verdict.Verdict
	// PerID reports whether verdicts are per test id. When they are not (the
	// exit code of the whole command), a batch holds one test and the runner
	// makes no order checks.
	PerID() bool
}

// A Warmer's runner can be loaded once per worker. Warm is started in the
// background in each worker container after setup, through the agent, and runs
// until the container goes; Batch's commands then talk to it. Warm returns
// false when the suite cannot use it (the opt-out, or a runner without it).
type Warmer interface{ Warm() (Command, bool) }

// New returns the adapter for a validated configuration.
func New(cfg *config.Config) Adapter {
	switch cfg.Preset {
	case config.PresetPytest:
		return newPytest(cfg)
	case config.PresetRSpec:
		return newRSpec(cfg)
	case config.PresetCucumber:
		return newCucumber(cfg)
	case config.PresetGo:
		return newGo(cfg)
	}
	return newCommand(cfg)
}
