package config

import (
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/jenkins-paratest/jenkins-paratest/internal/engine"
	"github.com/jenkins-paratest/jenkins-paratest/internal/exit"
)

// base is a paratest.yml that loads: keys a test adds start on line 4.
const base = "image: img\nlist: ls\ncommand: run\n"

func ptr[T any](v T) *T { return &v }

// mapEnv is a lookupEnv over a map, so no test reads the process environment.
func mapEnv(m map[string]string) func(string) (string, bool) {
	return func(k string) (string, bool) {
		v, ok := m[k]
		return v, ok
	}
}

// load writes file (when not "") as paratest.yml in a temporary directory, names
// it with --config unless flags or PARATEST_CONFIG name a file, and loads. With no
// file, no file is read at all (an empty --config), whatever the working directory
// holds.
func load(t *testing.T, file string, env map[string]string, flags Flags) (*Config, error) {
	t.Helper()
	return loadFor(t, ForRun, file, env, flags)
}

// loadFor is load for a mode.
func loadFor(t *testing.T, mode Mode, file string, env map[string]string, flags Flags) (*Config, error) {
	t.Helper()
	if _, named := env["PARATEST_CONFIG"]; flags.Config == nil && !named {
		flags.Config = ptr("")
		if file != "" {
			p := filepath.Join(t.TempDir(), "paratest.yml")
			if err := os.WriteFile(p, []byte(file), 0o644); err != nil {
				t.Fatal(err)
			}
			flags.Config = &p
		}
	}
	return Load(mode, flags, mapEnv(env))
}

func mustLoad(t *testing.T, file string, env map[string]string, flags Flags) *Config {
	t.Helper()
	cfg, err := load(t, file, env, flags)
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	return cfg
}

func TestDefaults(t *testing.T) {
	t.Parallel()
	cfg := mustLoad(t, base, map[string]string{"HOME": "/home/ci"}, Flags{})
	want := &Config{
		File:    cfg.File,
		Image:   "img",
		Pull:    engine.PullMissing,
		Workers: runtime.NumCPU(),
		List:    Command{Shell: "ls"},
		Command: Command{Shell: "run"},
		Batch:   1,
		Warm:    true,
		Results: Results{Kind: ResultsExitCode},
		RunID:   cfg.RunID,
		Out:     "paratest-out",
		Stream:  StreamFailures,
		Color:   "auto",

		MaxLost:           3,
		RerunThreshold:    0.10,
		MaxReruns:         2,
		FirstRound:        1,
		KnownHosts:        "/home/ci/.ssh/known_hosts",
		ReconnectInterval: 5 * time.Second,
		OrphanTTL:         60 * time.Second,
		Limits:            Limits{Pids: 4096},
	}
	if diff := cmp.Diff(want, cfg); diff != "" {
		t.Errorf("Load (-want +got):\n%s", diff)
	}
	if !strings.HasSuffix(cfg.File, "paratest.yml") {
		t.Errorf("File = %q, want the path read", cfg.File)
	}
}

func TestPrecedence(t *testing.T) {
	t.Parallel()
	type testCase struct {
		name  string
		file  string // appended to base
		env   map[string]string
		flags Flags
		get   func(*Config) any
		want  any
	}
	image := func(c *Config) any { return c.Image }
	workers := func(c *Config) any { return c.Workers }
	allowEmpty := func(c *Config) any { return c.AllowEmpty }
	envList := func(c *Config) any { return c.Env }
	cmd := func(c *Config) any { return c.Command }
	fn := func(t *testing.T, tc testCase) {
		t.Parallel()
		cfg := mustLoad(t, base+tc.file, tc.env, tc.flags)
		if diff := cmp.Diff(tc.want, tc.get(cfg)); diff != "" {
			t.Errorf("(-want +got):\n%s", diff)
		}
	}
	for _, tc := range []testCase{
		// A string: base sets image: img.
		{name: "string/file", get: image, want: "img"},
		{name: "string/env beats file", env: map[string]string{"PARATEST_IMAGE": "e"}, get: image, want: "e"},
		{name: "string/flag beats env", env: map[string]string{"PARATEST_IMAGE": "e"}, flags: Flags{Image: ptr("f")}, get: image, want: "f"},
		{name: "string/empty env is unset", env: map[string]string{"PARATEST_IMAGE": ""}, get: image, want: "img"},

		// An int.
		{name: "int/default", get: workers, want: runtime.NumCPU()},
		{name: "int/file beats default", file: "workers: 7\n", get: workers, want: 7},
		{name: "int/env beats file", file: "workers: 7\n", env: map[string]string{"PARATEST_WORKERS": "8"}, get: workers, want: 8},
		{name: "int/flag beats env", file: "workers: 7\n", env: map[string]string{"PARATEST_WORKERS": "8"}, flags: Flags{Workers: ptr("9")}, get: workers, want: 9},

		// A bool, where false must win over true too.
		{name: "bool/default", get: allowEmpty, want: false},
		{name: "bool/file beats default", file: "allow_empty: true\n", get: allowEmpty, want: true},
		{name: "bool/env beats file", file: "allow_empty: true\n", env: map[string]string{"PARATEST_ALLOW_EMPTY": "false"}, get: allowEmpty, want: false},
		{name: "bool/flag beats env", env: map[string]string{"PARATEST_ALLOW_EMPTY": "false"}, flags: Flags{AllowEmpty: ptr(true)}, get: allowEmpty, want: true},
		{name: "bool/negated flag beats env", env: map[string]string{"PARATEST_ALLOW_EMPTY": "1"}, flags: Flags{AllowEmpty: ptr(false)}, get: allowEmpty, want: false},

		// A list: the winning source replaces the list whole.
		{name: "list/default", get: envList, want: []string(nil)},
		{name: "list/file beats default", file: "env: [A=1, B=2]\n", get: envList, want: []string{"A=1", "B=2"}},
		{name: "list/env beats file", file: "env: [A=1]\n", env: map[string]string{"PARATEST_ENV": "C=3, D=4"}, get: envList, want: []string{"C=3", "D=4"}},
		{name: "list/flag beats env", file: "env: [A=1]\n", env: map[string]string{"PARATEST_ENV": "C=3"}, flags: Flags{Env: []string{"E=5,6"}}, get: envList, want: []string{"E=5,6"}},
		{name: "list/empty file list clears", file: "env: []\n", get: envList, want: []string{}},

		// A command: a flag's shell string replaces the file's argv.
		{name: "command/file argv", file: "", get: cmd, want: Command{Shell: "run"}},
		{name: "command/env shell beats file", env: map[string]string{"PARATEST_COMMAND": "go test"}, get: cmd, want: Command{Shell: "go test"}},
		{name: "command/flag beats env", env: map[string]string{"PARATEST_COMMAND": "go test"}, flags: Flags{Command: ptr("make t")}, get: cmd, want: Command{Shell: "make t"}},
	} {
		t.Run(tc.name, func(t *testing.T) { fn(t, tc) })
	}
}

func TestErrors(t *testing.T) {
	t.Parallel()
	type testCase struct {
		name  string
		file  string
		env   map[string]string
		flags Flags
		want  string // the message contains it
	}
	fn := func(t *testing.T, tc testCase) {
		t.Parallel()
		_, err := load(t, tc.file, tc.env, tc.flags)
		if err == nil {
			t.Fatalf("Load: no error, want %q", tc.want)
		}
		msg := err.Error()
		t.Log(msg)
		if !strings.Contains(msg, tc.want) {
			t.Errorf("Load error:\n  %s\nwant it to contain\n  %s", msg, tc.want)
		}
		if strings.Contains(msg, "\n") {
			t.Errorf("Load error has more than one line: %q", msg)
		}
		if code := exit.Code(err); code != exit.Usage {
			t.Errorf("exit code %d, want %d", code, exit.Usage)
		}
	}
	lines := func(n int) string { return strings.Repeat("# comment\n", n) }
	for _, tc := range []testCase{
		{name: "unknown key with suggestion", file: base + lines(8) + "wrkers: 4\n", want: `paratest.yml:12: unknown key "wrkers" (did you mean "workers"?)`},
		{name: "unknown key with dashes", file: base + "allow-empty: true\n", want: `paratest.yml:4: unknown key "allow-empty" (did you mean "allow_empty"?)`},
		{name: "unknown key swapped letters", file: "imgae: x\n", want: `paratest.yml:1: unknown key "imgae" (did you mean "image"?)`},
		{name: "unknown key far from any", file: base + "path: x\n", want: `paratest.yml:4: unknown key "path" (keys: docs/config.md)`},
		{name: "duplicate key", file: base + "workers: 1\nworkers: 2\n", want: `paratest.yml:5: workers: set twice (first at line 4)`},
		{name: "yaml syntax", file: base + "workers: [1\n", want: `paratest.yml:`},
		{name: "not a mapping", file: "- image\n", want: `paratest.yml:1: want keys and values (image: …), got a list`},
		{name: "unknown key one letter extra", file: base + "image2: x\n", want: `did you mean "image"?`},
		{name: "list for a scalar key", file: "image: [a, b]\n", want: `paratest.yml:1: image: want a single value, got a list`},
		{name: "string for a list key", file: base + "env: A=1\n", want: `paratest.yml:4: env: want a list, got "A=1"`},
		{name: "mapping for a command", file: "image: i\ncommand: {a: b}\n", want: `paratest.yml:2: command: want a string (run by sh -c) or a list (exec'd), got a mapping`},
		{name: "mapping in a list", file: "image: i\nlist: ls\ncommand:\n  - a\n  - {b: c}\n", want: `paratest.yml:5: command: want a list of strings, got a mapping in it`},
		{name: "empty command list", file: "image: i\nlist: ls\ncommand: []\n", want: `paratest.yml:3: command: want a command, got an empty list`},

		{name: "workers not a number", file: "image: i\nlist: ls\nworkers: four\n", want: `paratest.yml:3: workers: want a whole number ≥ 1, got "four"`},
		{name: "workers zero in env", file: base, env: map[string]string{"PARATEST_WORKERS": "0"}, want: `PARATEST_WORKERS: must be ≥ 1, got 0`},
		{name: "batch zero flag", file: base, flags: Flags{Batch: ptr("0")}, want: `--batch: must be ≥ 1`},
		{name: "batch negative file", file: base + "batch: -2\n", want: `paratest.yml:4: batch: must be ≥ 1, got -2`},
		{name: "batch word", file: base + "batch: lots\n", want: `paratest.yml:4: batch: want auto or a whole number ≥ 1, got "lots"`},
		{name: "batch auto with exit codes", file: base + "batch: auto\n", want: `paratest.yml:4: batch: auto needs a verdict per test`},
		{name: "pull in env", file: base, env: map[string]string{"PARATEST_PULL": "sometimes"}, want: `PARATEST_PULL: want missing, always or never, got "sometimes"`},
		{name: "stream", file: base + "stream: some\n", want: `paratest.yml:4: stream: want all, failures or none, got "some"`},
		{name: "color flag", file: base, flags: Flags{Color: ptr("yes")}, want: `--color: want auto, always or never, got "yes"`},
		{name: "preset", file: base + "preset: python\n", want: `paratest.yml:4: preset: want pytest, rspec, cucumber or go, got "python"`},
		{name: "allow_empty", file: base + "allow_empty: maybe\n", want: `paratest.yml:4: allow_empty: want true or false, got "maybe"`},
		{name: "filter regexp", file: base + lines(3) + "filter: '(a'\n", want: "paratest.yml:7: filter: error parsing regexp: missing closing )"},
		{name: "exclude regexp env", file: base, env: map[string]string{"PARATEST_EXCLUDE": "a["}, want: "PARATEST_EXCLUDE: error parsing regexp: missing closing ]"},
		{name: "results unknown", file: base + "results: xml\n", want: `paratest.yml:4: results: want exit-code, go-test-json or junit:/path/in/container.xml, got "xml"`},
		{name: "results junit relative", file: base, flags: Flags{Results: ptr("junit:out/j.xml")}, want: `--results: want junit:/absolute/path/in/container.xml, got "junit:out/j.xml"`},
		{name: "env item without key", file: base + "env:\n  - A=1\n  - =x\n", want: `paratest.yml:4: env: item 2: want KEY=VALUE or KEY, got "=x"`},
		{name: "env item flag", file: base, flags: Flags{Env: []string{"A B"}}, want: `--env: item 1: want KEY=VALUE or KEY, got "A B"`},
		{name: "out empty", file: base, flags: Flags{Out: ptr("")}, want: `--out: want a directory, got nothing`},
		{name: "go_dir relative", file: base + "preset: go\ngo_dir: bin\n", want: `paratest.yml:5: go_dir: want an absolute path in the container, got "bin"`},
		{name: "workers too many", file: base, flags: Flags{Workers: ptr("100000")}, want: `--workers: at most 1024 on one engine, got 100000`},
		{name: "image reference", file: "image: 'Bad Image:tag'\nlist: ls\ncommand: run\n", want: `paratest.yml:1: image: "Bad Image:tag" is not an image reference`},
		{name: "image reference flag", file: base, flags: Flags{Image: ptr("ubuntu:")}, want: `--image: "ubuntu:" is not an image reference`},
		{name: "env forwards the passphrase", file: base + "env: [PARATEST_SSH_PASSPHRASE]\n", env: map[string]string{"PARATEST_SSH_PASSPHRASE": "s3cret"}, want: `paratest.yml:4: env: item 1: PARATEST_SSH_PASSPHRASE is the master's own (its SSH credentials): it is never passed to the tests`},
		{name: "env sets the agent socket", file: base, flags: Flags{Env: []string{"SSH_AUTH_SOCK=/x"}}, want: `--env: item 1: SSH_AUTH_SOCK is the master's own`},
		{name: "insecure host keys in the file", file: base + "insecure_ignore_host_key: true\n", want: `paratest.yml:4: insecure_ignore_host_key: accepting any host key weakens every SSH connection: give it as --insecure-ignore-host-key`},
		{name: "run id with a newline", file: base, env: map[string]string{"PARATEST_RUN_ID": "a\nb"}, want: `PARATEST_RUN_ID: want letters, digits, '.', '_' and '-' (starting with a letter or digit), got "a\nb"`},
		{name: "run id with quotes", file: base + "run_id: \"it's\"\n", want: `paratest.yml:4: run_id: want letters, digits`},
		{name: "run id too long", file: base, flags: Flags{RunID: ptr(strings.Repeat("r", 200))}, want: `--run-id: at most 128 characters, got 200`},
		{name: "cpus word", file: base + "cpus: many\n", want: `paratest.yml:4: cpus: want a number of CPUs such as 2 or 1.5 (0: no limit), got "many"`},
		{name: "cpus negative flag", file: base, flags: Flags{CPUs: ptr("-1")}, want: `--cpus: want a number of CPUs`},
		{name: "memory unit", file: base + "memory: 2 lots\n", want: `paratest.yml:4: memory: want a size such as 512m or 2g (0: no limit), got "2 lots"`},
		{name: "memory too small", file: base, env: map[string]string{"PARATEST_MEMORY": "1m"}, want: `PARATEST_MEMORY: must be at least 6m, got "1m"`},
		{name: "pids negative", file: base + "pids: -5\n", want: `paratest.yml:4: pids: must be ≥ 0, got -5`},
		{name: "network host in the file", file: base + "network: host\n", want: `paratest.yml:4: network: host would let the tests reach every service of the host: give it as --network host or PARATEST_NETWORK=host`},
		{name: "network name", file: base, flags: Flags{Network: ptr("a b")}, want: `--network: want bridge, none, host or a network's name, got "a b"`},
		{name: "cap_drop item", file: base + "cap_drop: [NET_RAW, 'net admin']\n", want: `paratest.yml:4: cap_drop: item 2: want a capability such as NET_RAW, or ALL, got "net admin"`},

		{name: "no image", file: "list: ls\ncommand: run\n", want: "no image: set image: in paratest.yml, --image or PARATEST_IMAGE"},
		{name: "no image no file", want: "no image: set image: in paratest.yml, --image or PARATEST_IMAGE"},
		{name: "config flag missing", flags: Flags{Config: ptr("nope/paratest.yml")}, want: "--config: open nope/paratest.yml: no such file or directory"},
		{name: "config env missing", env: map[string]string{"PARATEST_CONFIG": "nope.yml"}, want: "PARATEST_CONFIG: open nope.yml: no such file or directory"},

		{name: "preset go with list", file: "image: i\npreset: go\nlist: ls\n", want: "paratest.yml:3: list: not used with preset: go"},
		{name: "preset go with command flag", file: "image: i\npreset: go\n", flags: Flags{Command: ptr("go test")}, want: "--command: not used with preset: go"},
		{name: "preset go with junit", file: "image: i\npreset: go\n", env: map[string]string{"PARATEST_RESULTS": "junit:/j.xml"}, want: "PARATEST_RESULTS: not used with preset: go, which reads the runner's own results"},
		{name: "go_dir with another preset", file: "image: i\npreset: rspec\ngo_dir: /go\n", want: "paratest.yml:3: go_dir: only used with preset: go"},
		{name: "args without preset", file: base + "args: [-x]\n", want: "paratest.yml:4: args: only used with a preset"},
		{name: "go_dir without preset", file: base, env: map[string]string{"PARATEST_GO_DIR": "/go"}, want: "PARATEST_GO_DIR: only used with preset: go"},
		{name: "neither list nor tests", file: "image: i\ncommand: run\n", want: "no tests: set list: (a command printing one test id per line) or tests: (a file of ids, - for stdin)"},
		{name: "both list and tests", file: base, flags: Flags{Tests: ptr("ids.txt")}, want: "paratest.yml:2) and tests (--tests) are set: keep one"},
		{name: "no command", file: "image: i\ntests: ids.txt\n", want: "no command: set command: in paratest.yml, --command or PARATEST_COMMAND"},
		{name: "flag clears file command", file: base, flags: Flags{Command: ptr("")}, want: "no command:"},
	} {
		t.Run(tc.name, func(t *testing.T) { fn(t, tc) })
	}
}

func TestCommands(t *testing.T) {
	t.Parallel()
	type testCase struct {
		name    string
		file    string
		flags   Flags
		want    Command
		wantArg []string // want.Args of ids a, b
	}
	ids := []string{"a b", "$(rm -rf /)"}
	fn := func(t *testing.T, tc testCase) {
		t.Parallel()
		cfg := mustLoad(t, "image: i\nlist: ls\n"+tc.file, nil, tc.flags)
		if diff := cmp.Diff(tc.want, cfg.Command); diff != "" {
			t.Errorf("Command (-want +got):\n%s", diff)
		}
		if diff := cmp.Diff(tc.wantArg, cfg.Command.Args(ids)); diff != "" {
			t.Errorf("Args (-want +got):\n%s", diff)
		}
	}
	for _, tc := range []testCase{
		{
			name:    "string is shell form",
			file:    "command: pytest -q \"$@\"\n",
			want:    Command{Shell: `pytest -q "$@"`},
			wantArg: []string{"sh", "-c", `pytest -q "$@"`, "paratest", "a b", "$(rm -rf /)"},
		},
		{
			name:    "list is argv",
			file:    "command: [pytest, -q]\n",
			want:    Command{Argv: []string{"pytest", "-q"}},
			wantArg: []string{"pytest", "-q", "a b", "$(rm -rf /)"},
		},
		{
			name:    "block list is argv",
			file:    "command:\n  - go\n  - test\n  - -run\n",
			want:    Command{Argv: []string{"go", "test", "-run"}},
			wantArg: []string{"go", "test", "-run", "a b", "$(rm -rf /)"},
		},
		{
			name:    "flag is shell form",
			file:    "command: [pytest]\n",
			flags:   Flags{Command: ptr("tox -e py -- \"$@\"")},
			want:    Command{Shell: `tox -e py -- "$@"`},
			wantArg: []string{"sh", "-c", `tox -e py -- "$@"`, "paratest", "a b", "$(rm -rf /)"},
		},
	} {
		t.Run(tc.name, func(t *testing.T) { fn(t, tc) })
	}

	t.Run("list and setup", func(t *testing.T) {
		t.Parallel()
		cfg := mustLoad(t, "image: i\nlist: [pytest, --collect-only, -q]\nsetup: pip install -e .\ncommand: x\n", nil, Flags{})
		want := []Command{{Argv: []string{"pytest", "--collect-only", "-q"}}, {Shell: "pip install -e ."}}
		if diff := cmp.Diff(want, []Command{cfg.List, cfg.Setup}); diff != "" {
			t.Errorf("List, Setup (-want +got):\n%s", diff)
		}
	})
}

func TestResults(t *testing.T) {
	t.Parallel()
	type testCase struct {
		value string
		want  Results
	}
	fn := func(t *testing.T, tc testCase) {
		t.Parallel()
		cfg := mustLoad(t, base+"results: "+tc.value+"\n", nil, Flags{})
		if diff := cmp.Diff(tc.want, cfg.Results); diff != "" {
			t.Errorf("Results (-want +got):\n%s", diff)
		}
	}
	for _, tc := range []testCase{
		{"exit-code", Results{Kind: ResultsExitCode}},
		{"go-test-json", Results{Kind: ResultsGoTestJSON}},
		{"junit:/tmp/junit.xml", Results{Kind: ResultsJUnit, Path: "/tmp/junit.xml"}},
		{"junit:/work/./out//j.xml", Results{Kind: ResultsJUnit, Path: "/work/out/j.xml"}},
	} {
		t.Run(tc.value, func(t *testing.T) { fn(t, tc) })
	}
}

func TestPresets(t *testing.T) {
	t.Parallel()
	type testCase struct {
		name  string
		file  string
		flags Flags
		want  Config
	}
	fn := func(t *testing.T, tc testCase) {
		t.Parallel()
		cfg := mustLoad(t, tc.file, nil, tc.flags)
		got := Config{Preset: cfg.Preset, GoDir: cfg.GoDir, Args: cfg.Args, Batch: cfg.Batch, List: cfg.List, Tests: cfg.Tests, Command: cfg.Command, Results: cfg.Results}
		if diff := cmp.Diff(tc.want, got); diff != "" {
			t.Errorf("(-want +got):\n%s", diff)
		}
	}
	for _, tc := range []testCase{
		{
			name: "defaults",
			file: "image: i\npreset: go\n",
			want: Config{Preset: "go", GoDir: "/paratest/go"},
		},
		{
			name: "tests replace the listing",
			file: "image: i\npreset: go\ngo_dir: /bin/tests/\ntests: ids.txt\n",
			want: Config{Preset: "go", GoDir: "/bin/tests", Tests: "ids.txt"},
		},
		{
			name: "pytest with args",
			file: "image: i\npreset: pytest\nargs: [-x, --tb=short]\n",
			want: Config{Preset: "pytest", Args: []string{"-x", "--tb=short"}, Batch: BatchAuto},
		},
		{
			name: "a batch size",
			file: "image: i\npreset: rspec\nbatch: 7\n",
			want: Config{Preset: "rspec", Batch: 7},
		},
		{
			name:  "flag turns the preset off",
			file:  "image: i\npreset: go\nlist: ls\ncommand: run\n",
			flags: Flags{Preset: ptr("")},
			want:  Config{List: Command{Shell: "ls"}, Command: Command{Shell: "run"}, Results: Results{Kind: ResultsExitCode}, Batch: 1},
		},
	} {
		t.Run(tc.name, func(t *testing.T) { fn(t, tc) })
	}
}

func TestEnvPassThrough(t *testing.T) {
	t.Parallel()
	type testCase struct {
		name  string
		file  string
		env   map[string]string
		flags Flags
		want  []string
	}
	master := map[string]string{"SET": "from master", "EMPTY": "", "COMMA": "a,b"}
	fn := func(t *testing.T, tc testCase) {
		t.Parallel()
		env := map[string]string{}
		for k, v := range master {
			env[k] = v
		}
		for k, v := range tc.env {
			env[k] = v
		}
		cfg := mustLoad(t, base+tc.file, env, tc.flags)
		if diff := cmp.Diff(tc.want, cfg.Env); diff != "" {
			t.Errorf("Env (-want +got):\n%s", diff)
		}
	}
	for _, tc := range []testCase{
		{
			name: "file",
			file: "env:\n  - A=1\n  - SET\n  - UNSET\n  - EMPTY\n  - B=x=y\n  - COMMA\n",
			want: []string{"A=1", "SET=from master", "EMPTY=", "B=x=y", "COMMA=a,b"},
		},
		{
			name: "variable",
			env:  map[string]string{"PARATEST_ENV": "A=1,SET,UNSET"},
			want: []string{"A=1", "SET=from master"},
		},
		{
			name:  "flag",
			flags: Flags{Env: []string{"UNSET", "SET", "C=1,2"}},
			want:  []string{"SET=from master", "C=1,2"},
		},
	} {
		t.Run(tc.name, func(t *testing.T) { fn(t, tc) })
	}
}

// Not parallel: t.Chdir changes the working directory of the whole process.
func TestDefaultFile(t *testing.T) {
	type testCase struct {
		name     string
		files    map[string]string // in the working directory
		env      map[string]string
		flags    Flags
		wantFile string
		wantImg  string
		wantErr  string
	}
	fn := func(t *testing.T, tc testCase) {
		dir := t.TempDir()
		for name, data := range tc.files {
			if err := os.WriteFile(filepath.Join(dir, name), []byte(data), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		t.Chdir(dir)
		cfg, err := Load(ForRun, tc.flags, mapEnv(tc.env))
		if tc.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Fatalf("Load error = %v, want %q", err, tc.wantErr)
			}
			return
		}
		if err != nil {
			t.Fatalf("Load: %v", err)
		}
		if cfg.File != tc.wantFile || cfg.Image != tc.wantImg {
			t.Errorf("File, Image = %q, %q; want %q, %q", cfg.File, cfg.Image, tc.wantFile, tc.wantImg)
		}
	}
	for _, tc := range []testCase{
		{
			name:     "paratest.yml when present",
			files:    map[string]string{"paratest.yml": "image: dflt\nlist: ls\ncommand: x\n"},
			wantFile: "paratest.yml", wantImg: "dflt",
		},
		{
			name:    "none when absent",
			wantErr: "no image:",
		},
		{
			name:     "none when absent, flags suffice",
			flags:    Flags{Image: ptr("i"), Tests: ptr("-"), Command: ptr("x")},
			wantFile: "", wantImg: "i",
		},
		{
			name:     "PARATEST_CONFIG instead",
			files:    map[string]string{"paratest.yml": "image: dflt\n", "ci.yml": "image: ci\nlist: ls\ncommand: x\n"},
			env:      map[string]string{"PARATEST_CONFIG": "ci.yml"},
			wantFile: "ci.yml", wantImg: "ci",
		},
		{
			name:     "--config beats PARATEST_CONFIG",
			files:    map[string]string{"a.yml": "image: a\nlist: ls\ncommand: x\n", "b.yml": "image: b\n"},
			env:      map[string]string{"PARATEST_CONFIG": "b.yml"},
			flags:    Flags{Config: ptr("a.yml")},
			wantFile: "a.yml", wantImg: "a",
		},
		{
			name:    "--config='' reads none",
			files:   map[string]string{"paratest.yml": "image: dflt\nlist: ls\ncommand: x\n"},
			flags:   Flags{Config: ptr("")},
			wantErr: "no image:",
		},
		{
			name:    "errors name the default file",
			files:   map[string]string{"paratest.yml": "image: i\nwrkers: 2\n"},
			wantErr: `paratest.yml:2: unknown key "wrkers"`,
		},
		{
			name:     "empty file",
			files:    map[string]string{"paratest.yml": "# nothing yet\n"},
			flags:    Flags{Image: ptr("i"), Tests: ptr("-"), Command: ptr("x")},
			wantFile: "paratest.yml", wantImg: "i",
		},
	} {
		t.Run(tc.name, func(t *testing.T) { fn(t, tc) })
	}
}

func TestRunID(t *testing.T) {
	t.Parallel()
	type testCase struct {
		name  string
		file  string
		env   map[string]string
		flags Flags
		want  string // a regexp
	}
	fn := func(t *testing.T, tc testCase) {
		t.Parallel()
		cfg := mustLoad(t, base+tc.file, tc.env, tc.flags)
		if !regexp.MustCompile(tc.want).MatchString(cfg.RunID) {
			t.Errorf("RunID = %q, want match for %s", cfg.RunID, tc.want)
		}
	}
	for _, tc := range []testCase{
		{name: "generated", want: `^paratest-\d{8}-\d{6}-[0-9a-f]{4}$`},
		{name: "BUILD_TAG", env: map[string]string{"BUILD_TAG": "jenkins-app-pr-42"}, want: `^jenkins-app-pr-42$`},
		{name: "file beats BUILD_TAG", file: "run_id: mine\n", env: map[string]string{"BUILD_TAG": "jenkins-app-42"}, want: `^mine$`},
		{name: "BUILD_TAG of a job in a folder, with spaces", env: map[string]string{"BUILD_TAG": "jenkins-team/My App (PR)-42"}, want: `^jenkins-team-My-App--PR--42$`},
		{name: "BUILD_TAG and the out directory", env: map[string]string{"BUILD_TAG": "jenkins-app-42"}, flags: Flags{Out: ptr("paratest-out/unit/")}, want: `^jenkins-app-42-paratest-out-unit$`},
		{name: "BUILD_TAG and an absolute out directory", env: map[string]string{"BUILD_TAG": "jenkins-app-42"}, flags: Flags{Out: ptr("/var/tmp/reports")}, want: `^jenkins-app-42-var-tmp-reports$`},
		{name: "a long tag keeps its build number beside the out directory", env: map[string]string{"BUILD_TAG": "jenkins-" + strings.Repeat("j", 200) + "-42"}, flags: Flags{Out: ptr("out/" + strings.Repeat("d", 60) + "/unit")}, want: `^j{70,}-42-d+-unit$`},
		{name: "the default out adds nothing", env: map[string]string{"BUILD_TAG": "jenkins-app-42"}, flags: Flags{Out: ptr("./paratest-out")}, want: `^jenkins-app-42$`},
		{name: "flag beats all", file: "run_id: mine\n", env: map[string]string{"BUILD_TAG": "t", "PARATEST_RUN_ID": "e"}, flags: Flags{RunID: ptr("f")}, want: `^f$`},
	} {
		t.Run(tc.name, func(t *testing.T) { fn(t, tc) })
	}

	t.Run("BUILD_URL", func(t *testing.T) {
		t.Parallel()
		cfg := mustLoad(t, base, map[string]string{"BUILD_URL": "https://ci/job/app/42/"}, Flags{})
		if cfg.BuildURL != "https://ci/job/app/42/" {
			t.Errorf("BuildURL = %q", cfg.BuildURL)
		}
	})
}

// The containment keys parse into Limits; network host comes from a flag or
// the environment.
func TestLimits(t *testing.T) {
	t.Parallel()
	cfg, err := load(t, "image: i\nlist: ls\ncommand: run\ncpus: 1.5\nmemory: 512m\npids: 0\ncap_drop: [cap_net_raw, all]\n",
		map[string]string{"PARATEST_NETWORK": "host"}, Flags{})
	if err != nil {
		t.Fatal(err)
	}
	want := Limits{CPUs: 1.5, Memory: 512 << 20, Pids: 0, Network: "host", CapDrop: []string{"NET_RAW", "ALL"}}
	if diff := cmp.Diff(want, cfg.Limits); diff != "" {
		t.Errorf("Limits (-want +got):\n%s", diff)
	}
}
