// Package config owns the run configuration: the paratest.yml file, the PARATEST_*
// environment variables and the flags, merged with flags > env > file > defaults,
// and validated into a Config the runner can trust.
package config

import (
	"regexp"
	"time"

	"github.com/jenkins-paratest/jenkins-paratest/internal/engine"
)

// Command is a command given as a string (run by `sh -c`) or as a list (exec'd).
// At most one of Shell and Argv is set.
type Command struct {
	Shell string
	Argv  []string
}

// IsZero reports whether no command is set.
func (c Command) IsZero() bool { return c.Shell == "" && len(c.Argv) == 0 }

// Args is the argv that runs the command with the test ids. A string command runs
// as `sh -c STRING paratest ID...`, so the ids arrive as "$@" and are never parsed
// by the shell; a list command gets the ids appended.
func (c Command) Args(ids []string) []string {
	var argv []string
	if c.Shell != "" {
		argv = []string{"sh", "-c", c.Shell, "paratest"}
	} else {
		argv = append(argv, c.Argv...)
	}
	return append(argv, ids...)
}

// Result kinds of the `results:` key.
const (
	ResultsExitCode   = "exit-code"
	ResultsGoTestJSON = "go-test-json"
	ResultsJUnit      = "junit"
)

// Results says where verdicts come from.
type Results struct {
	Kind string // one of the Results* constants
	Path string // with ResultsJUnit: the JUnit file's path in the container
}

// Stream values: which worker output reaches the console.
const (
	StreamAll      = "all"
	StreamFailures = "failures"
	StreamNone     = "none"
)

// Config is a validated run configuration.
type Config struct {
	File       string            // the config file read, "" when none
	Image      string            // test image
	Pull       engine.PullPolicy // when to pull it
	Workers    int               // workers on the local engine; default CPU count; 0 with a Matrix
	Preset     string            // "" or one of the Preset* constants
	GoDir      string            // preset go: directory of the <import path>.test binaries
	Args       []string          // with a preset: extra arguments for the runner
	Warm       bool              // presets pytest and rspec: a warm runner per worker forks the batches
	List       Command           // lists the suite, one id per line
	Tests      string            // file of test ids instead of List; "-" is stdin
	Filter     *regexp.Regexp    // keep only ids matching; nil keeps all
	Exclude    *regexp.Regexp    // drop ids matching; nil drops none
	AllowEmpty bool              // zero tests is not an error
	Setup      Command           // runs once per worker before its first test
	Command    Command           // runs a batch of tests; ids appended
	Batch      int               // tests per dispatch, >= 1, or BatchAuto
	Results    Results           // where verdicts come from
	Env        []string          // KEY=VALUE passed to every container
	Limits     Limits            // what one worker container may use
	Services   []Service         // started beside every worker, on its own network
	RunID      string            // labels containers paratest.run=<RunID>
	Out        string            // output directory
	Stream     string            // StreamAll, StreamFailures or StreamNone
	Color      string            // "auto", "always" or "never"
	BuildURL   string            // BUILD_URL, for links in reports
	// Given are the settings that flags and PARATEST_* variables gave, as
	// flags, for a command line that runs the suite again the same way
	// (Reproduce); not those of where and how a run runs (hosts, workers,
	// out, reruns), and env: as bare keys, whose values are never printed.
	Given []string

	// Timeouts, lost tests and reruns.
	Timeout        time.Duration // how long one test may run; 0 is no limit
	MaxLost        int           // times a test may be lost with its worker before it errors, >= 1
	RerunThreshold float64       // rerun the failed tests when they are at most this fraction of all, 0…1
	MaxReruns      int           // rerun rounds at most, >= 0
	FirstRound     int           // the first round's number (PARATEST_ROUND), >= 1
	KeepFailed     int           // keep the containers of up to this many workers whose last batch failed
	History        []string      // paths or globs of earlier JUnit files, not expanded; nil when none

	// The build matrix and SSH. Without a Matrix everything runs on the local
	// engine and the SSH settings are not used.
	Matrix                string        // build matrix file (docs/matrix.md); "" is the local engine
	SSHUser               string        // user of matrix hosts and bastions without user:; "" the current user
	Identity              string        // private key file, ~/ expanded; "" none (agent and default keys)
	KnownHosts            string        // known_hosts file, ~/ expanded; "" only without a Matrix or when InsecureIgnoreHostKey, with HOME unset
	InsecureIgnoreHostKey bool          // accept any host key
	SSHPassphrase         string        // PARATEST_SSH_PASSPHRASE, for Identity and the default keys; never print it
	SSHAuthSock           string        // SSH_AUTH_SOCK, ssh-agent's socket; "" none
	ImageTransfer         string        // "" (every host gets the image per Pull) or ImageTransferLoad
	ReconnectInterval     time.Duration // between attempts to reach a host whose connection dropped, > 0
	OrphanTTL             time.Duration // a worker container unreachable this long removes itself, >= MinOrphanTTL

	// Kubernetes, when not nil, runs the workers as pods (kubernetes.go);
	// Workers is then its workers.
	Kubernetes *Kubernetes
}

// Limits are what each worker container may use and do. Zero values are no
// limit, but for Pids (DefaultPids).
type Limits struct {
	CPUs    float64  // CPUs' worth of time, e.g. 1.5; 0 is no limit
	Memory  int64    // bytes of memory; 0 is no limit
	Pids    int64    // processes and threads at once; 0 is no limit
	Network string   // the engine's network mode: "" (its default, bridge), none, host or a network's name
	CapDrop []string // capabilities taken from the test processes, e.g. NET_RAW; ALL for every one
}

// BatchAuto is the batch: value auto: the queue sizes each batch from the
// measured overhead per batch and the tests' durations (internal/queue).
const BatchAuto = 0

// ImageTransferLoad is the image_transfer: value that copies the image from the
// local engine to the matrix hosts (docker save, then docker load over SSH).
const ImageTransferLoad = "load"
