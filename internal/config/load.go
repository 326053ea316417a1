package config

import (
	"fmt"
	"math/rand/v2"
	"os"
	"runtime"
	"strings"
	"time"

	"github.com/jenkins-paratest/jenkins-paratest/internal/engine"
	"github.com/jenkins-paratest/jenkins-paratest/internal/exit"
)

// Defaults of the keys that have one beyond the zero value.
const (
	DefaultOut               = "paratest-out"
	DefaultGoDir             = "/paratest/go"
	DefaultKnownHosts        = "~/.ssh/known_hosts"
	DefaultMaxLost           = 3
	DefaultRerunThreshold    = 0.10
	DefaultMaxReruns         = 2
	DefaultReconnectInterval = 5 * time.Second
	DefaultOrphanTTL         = 60 * time.Second
	// DefaultPids bounds each worker's processes and threads, so that a fork
	// bomb stays in its container.
	DefaultPids = 4096

	// MinOrphanTTL is the shortest orphan_ttl: shorter, a worker would remove
	// itself during an SSH reconnect that is about to succeed.
	MinOrphanTTL = 5 * time.Second
)

// Mode says what a command needs from the configuration.
type Mode int

const (
	// ForRun is `run` and `list`: the suite must be fully described, an image
	// and how to list and run the tests.
	ForRun Mode = iota
	// ForHosts is `check` and `clean`, which only reach the hosts: the image is
	// optional and list, tests and command are not needed. Values that are set
	// are still checked, so a config that passes check also loads for run.
	ForHosts
)

// Load builds the configuration of a command from the flags, the environment and
// the config file, with flags > environment > file > defaults for every key (a
// list key is replaced whole, never merged), and validates it for mode.
//
// lookupEnv reads the environment: the PARATEST_* variables, BUILD_TAG, BUILD_URL,
// HOME (for ~/ in paths), SSH_AUTH_SOCK, PARATEST_SSH_PASSPHRASE and the variables
// a bare env: entry passes through. nil means os.LookupEnv. An empty variable
// counts as unset, as Jenkins often defines variables empty.
//
// Every error is a usage error (exit 2) of one line that starts with where the bad
// value came from: "paratest.yml:3: workers: …", "--batch: …" or "PARATEST_PULL: …".
// No error contains the SSH passphrase.
func Load(mode Mode, flags Flags, lookupEnv func(string) (string, bool)) (*Config, error) {
	if lookupEnv == nil {
		lookupEnv = os.LookupEnv
	}
	path, where, err := findFile(flags.Config, lookupEnv)
	if err != nil {
		return nil, err
	}
	var file map[string]setting
	if path != "" {
		if file, err = readFile(path, where); err != nil {
			return nil, err
		}
	}
	set := merge(flags.settings(), envSettings(lookupEnv), file)

	cfg := &Config{
		File:              path,
		Pull:              engine.PullMissing,
		Workers:           runtime.NumCPU(),
		Batch:             BatchAuto,
		FirstRound:        1,
		Warm:              true,
		Results:           Results{Kind: ResultsExitCode},
		Out:               DefaultOut,
		Stream:            StreamFailures,
		Color:             "auto",
		BuildURL:          getenv(lookupEnv, "BUILD_URL"),
		MaxLost:           DefaultMaxLost,
		RerunThreshold:    DefaultRerunThreshold,
		MaxReruns:         DefaultMaxReruns,
		ReconnectInterval: DefaultReconnectInterval,
		OrphanTTL:         DefaultOrphanTTL,
		Limits:            Limits{Pids: DefaultPids},
		SSHPassphrase:     getenv(lookupEnv, envSSHPassphrase),
		SSHAuthSock:       getenv(lookupEnv, envSSHAuthSock),
	}
	for _, k := range keys {
		if s, ok := set[k.name]; ok {
			if err := apply(cfg, s, lookupEnv); err != nil {
				return nil, err
			}
		}
	}
	if err := checkKubernetes(cfg, set); err != nil {
		return nil, err
	}
	if err := checkHosts(cfg, set, lookupEnv); err != nil {
		return nil, err
	}
	if err := checkSuite(cfg, set, mode); err != nil {
		return nil, err
	}
	cfg.Given = given(set)
	if cfg.RunID == "" {
		cfg.RunID = buildRunID(getenv(lookupEnv, "BUILD_TAG"), cfg.Out)
	}
	if cfg.RunID == "" {
		cfg.RunID = newRunID(time.Now())
	}
	return cfg, nil
}

// merge picks each key's setting from the first source that has it.
func merge(sources ...map[string]setting) map[string]setting {
	set := map[string]setting{}
	for _, k := range keys {
		for _, src := range sources {
			if s, ok := src[k.name]; ok {
				set[k.name] = s
				break
			}
		}
	}
	return set
}

// envSettings returns the PARATEST_<KEY> variables that are set, by key.
// PARATEST_ENV is a comma-separated list.
func envSettings(lookupEnv func(string) (string, bool)) map[string]setting {
	m := map[string]setting{}
	for _, k := range keys {
		if k.shape == structured {
			continue // paratest.yml only
		}
		name := envName(k.name)
		v := getenv(lookupEnv, name)
		if v == "" {
			continue
		}
		s := setting{key: k.name, where: name, str: v}
		if k.shape == list {
			s.isList, s.str = true, ""
			for item := range strings.SplitSeq(v, ",") {
				if item = strings.TrimSpace(item); item != "" {
					s.list = append(s.list, item)
				}
			}
		}
		m[k.name] = s
	}
	return m
}

func getenv(lookupEnv func(string) (string, bool), name string) string {
	v, _ := lookupEnv(name)
	return v
}

// checkHosts validates where the workers run: the matrix, which sets the workers
// of each host, and the SSH settings' defaults.
func checkHosts(cfg *Config, set map[string]setting, lookupEnv func(string) (string, bool)) error {
	if cfg.Matrix != "" {
		if s, ok := set[keyWorkers]; ok {
			return s.errorf("the build matrix sets workers per host (%s); remove one", cfg.Matrix)
		}
		cfg.Workers = 0
	}
	if cfg.KnownHosts != "" {
		return nil
	}
	kh, err := expandHome(DefaultKnownHosts, lookupEnv)
	if err != nil && cfg.Matrix != "" && !cfg.InsecureIgnoreHostKey {
		return exit.Usagef("known_hosts: the default %s needs HOME, which is not set: set HOME, or known_hosts: in paratest.yml, --known-hosts or PARATEST_KNOWN_HOSTS", DefaultKnownHosts)
	}
	cfg.KnownHosts = kh // "" when HOME is unset: not used without a matrix
	return nil
}

// checkSuite validates what no single key can: the keys that need or exclude each
// other, and the defaults that depend on the preset. ForHosts needs no image and
// no way to list or run tests, but what is set must still agree.
func checkSuite(cfg *Config, set map[string]setting, mode Mode) error {
	if cfg.Image == "" && mode == ForRun {
		return exit.Usagef("no image: set image: in paratest.yml, --image or PARATEST_IMAGE")
	}
	if s, ok := set[keyNetwork]; ok && cfg.Limits.Network != "" && len(cfg.Services) > 0 {
		return s.errorf("with services: every worker runs on a network of its own, shared with its services; remove network: %s or the services", cfg.Limits.Network)
	}
	if cfg.Batch == BatchAuto && cfg.Preset == "" && cfg.Results.Kind == ResultsExitCode {
		// One verdict per command: a batch of several would share it.
		if s, ok := set[keyBatch]; ok {
			return s.errorf("auto needs a verdict per test: set results: (junit or go-test-json) or a preset, or a number")
		}
		cfg.Batch = 1
	}
	if cfg.Preset != "" {
		// A preset lists, runs and reads the suite itself.
		if s, ok := set[keyList]; ok && !cfg.List.IsZero() {
			return s.errorf("not used with preset: %s, which lists the suite itself (tests: can give the ids instead)", cfg.Preset)
		}
		if s, ok := set[keyCommand]; ok && !cfg.Command.IsZero() {
			return s.errorf("not used with preset: %s, which runs the tests itself (args: adds arguments)", cfg.Preset)
		}
		if s, ok := set[keyResults]; ok {
			return s.errorf("not used with preset: %s, which reads the runner's own results; drop results:", cfg.Preset)
		}
		if s, ok := set[keyGoDir]; ok && cfg.Preset != PresetGo {
			return s.errorf("only used with preset: go")
		}
		cfg.Results = Results{} // the adapter reads the runner's own output
		if cfg.Preset == PresetGo && cfg.GoDir == "" {
			cfg.GoDir = DefaultGoDir
		}
		return nil
	}
	if s, ok := set[keyGoDir]; ok {
		return s.errorf("only used with preset: go")
	}
	if s, ok := set[keyArgs]; ok {
		return s.errorf("only used with a preset (command: takes the whole command)")
	}
	switch {
	case !cfg.List.IsZero() && cfg.Tests != "":
		return exit.Usagef("both list (%s) and tests (%s) are set: keep one", set[keyList].where, set[keyTests].where)
	case mode == ForHosts:
		return nil
	case cfg.List.IsZero() && cfg.Tests == "":
		return exit.Usagef("no tests: set list: (a command printing one test id per line) or tests: (a file of ids, - for stdin) in paratest.yml, or --list, --tests, PARATEST_LIST or PARATEST_TESTS")
	}
	if cfg.Command.IsZero() {
		return exit.Usagef("no command: set command: in paratest.yml, --command or PARATEST_COMMAND")
	}
	return nil
}

// newRunID returns a run id for a run outside Jenkins: paratest-YYYYMMDD-HHMMSS-xxxx,
// readable, sortable, and with a random suffix so two runs started in the same
// second do not share containers.
func newRunID(now time.Time) string {
	return fmt.Sprintf("paratest-%s-%04x", now.Format("20060102-150405"), rand.Uint32()&0xffff)
}
