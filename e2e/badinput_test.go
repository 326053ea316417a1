package e2e

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// Bad input, through the binary as a Jenkinsfile runs it: each case exits with
// its documented code (2 for what the user gave, 3 for what the machinery
// could not do) and says what is wrong, and where, in one line on stderr —
// and leaves no container behind. A case that gets as far as the engine runs
// on the local one with the busybox image.
func TestBadInput(t *testing.T) {
	need(t, true)
	good := "image: " + shellImage + "\npull: never\nworkers: 1\n"
	suite := good + "list: 'echo a; echo b'\ncommand: 'true'\n"
	type testCase struct {
		name  string
		yml   string            // paratest.yml; "" writes none
		files map[string]string // more files in the directory, by name
		env   []string
		args  []string // after "run", before --run-id
		own   bool     // the case gives its own run id: none is added
		code  int
		want  string // the error line holds it
	}
	bigID := strings.Repeat("x", 5000)
	for _, tc := range []testCase{
		// paratest.yml itself
		{name: "unknown key", yml: suite + "wrkers: 4\n", code: 2, want: `paratest.yml:6: unknown key "wrkers" (did you mean "workers"?)`},
		{name: "yaml syntax", yml: suite + "workers: [1\n", code: 2, want: `paratest.yml:`},
		{name: "duplicate key", yml: suite + "pull: never\n", code: 2, want: `paratest.yml:6: pull: set twice (first at line 2)`},
		{name: "list for a scalar", yml: suite + "out: [a, b]\n", code: 2, want: `out: want a single value, got a list`},
		{name: "config file missing", args: []string{"--config", "nope.yml"}, code: 2, want: `--config: open nope.yml: no such file or directory`},
		{name: "no image", yml: "list: ls\ncommand: run\n", code: 2, want: `no image: set image: in paratest.yml, --image or PARATEST_IMAGE`},
		{name: "image reference", yml: suite, args: []string{"--image", "Bad Image"}, code: 2, want: `--image: "Bad Image" is not an image reference`},
		{name: "image not on the engine", yml: suite, args: []string{"--image", "paratest-e2e/none:missing"}, code: 2, want: `paratest-e2e/none:missing`},
		{name: "pull", yml: suite, env: []string{"PARATEST_PULL=sometimes"}, code: 2, want: `PARATEST_PULL: want missing, always or never, got "sometimes"`},
		// workers and batches
		{name: "workers word", yml: suite, args: []string{"--workers", "four"}, code: 2, want: `--workers: want a whole number ≥ 1, got "four"`},
		{name: "workers zero", yml: suite, env: []string{"PARATEST_WORKERS=0"}, code: 2, want: `PARATEST_WORKERS: must be ≥ 1, got 0`},
		{name: "workers without bound", yml: suite, args: []string{"--workers", "100000"}, code: 2, want: `--workers: at most 1024 on one engine, got 100000`},
		{name: "batch zero", yml: suite, args: []string{"--batch", "0"}, code: 2, want: `--batch: must be ≥ 1`},
		{name: "batch auto with exit codes", yml: suite + "batch: auto\n", code: 2, want: `batch: auto needs a verdict per test`},
		{name: "batch word", yml: suite + "batch: lots\n", code: 2, want: `batch: want auto or a whole number ≥ 1, got "lots"`},
		// what runs
		{name: "preset", yml: suite + "preset: python\n", code: 2, want: `preset: want pytest, rspec, cucumber or go, got "python"`},
		{name: "args without a preset", yml: suite + "args: [-x]\n", code: 2, want: `args: only used with a preset`},
		{name: "go_dir relative", yml: good + "preset: go\ngo_dir: bin\n", code: 2, want: `go_dir: want an absolute path in the container, got "bin"`},
		{name: "preset go with a list", yml: good + "preset: go\nlist: ls\n", code: 2, want: `list: not used with preset: go`},
		{name: "neither list nor tests", yml: good + "command: run\n", code: 2, want: `no tests: set list:`},
		{name: "list and tests", yml: suite, args: []string{"--tests", "ids.txt"}, code: 2, want: `and tests (--tests) are set: keep one`},
		{name: "no command", yml: good + "tests: ids.txt\n", code: 2, want: `no command: set command: in paratest.yml, --command or PARATEST_COMMAND`},
		{name: "results kind", yml: suite + "results: xml\n", code: 2, want: `results: want exit-code, go-test-json or junit:/path/in/container.xml, got "xml"`},
		{name: "results junit relative", yml: suite, args: []string{"--results", "junit:out/j.xml"}, code: 2, want: `--results: want junit:/absolute/path/in/container.xml`},
		{name: "filter regexp", yml: suite + "filter: '(a'\n", code: 2, want: `filter: error parsing regexp: missing closing )`},
		{name: "exclude regexp", yml: suite, env: []string{"PARATEST_EXCLUDE=a["}, code: 2, want: `PARATEST_EXCLUDE: error parsing regexp: missing closing ]`},
		{name: "filter keeps none", yml: suite + "filter: zzz\n", code: 2, want: `no tests to run: the listing gave 2 ids and filter/exclude kept none`},
		{name: "stream", yml: suite + "stream: some\n", code: 2, want: `stream: want all, failures or none, got "some"`},
		{name: "color", yml: suite, args: []string{"--color", "yes"}, code: 2, want: `--color: want auto, always or never, got "yes"`},
		// the tests file
		{name: "tests file missing", yml: good + "tests: ids.txt\ncommand: run\n", code: 2, want: `tests: open ids.txt: no such file or directory`},
		{name: "id with a NUL byte", yml: good + "tests: ids.txt\ncommand: run\n", files: map[string]string{"ids.txt": "a\nb\x00c\n"}, code: 2, want: `ids.txt: line 2: a test id holds a NUL byte`},
		{name: "id not UTF-8", yml: good + "tests: ids.txt\ncommand: run\n", files: map[string]string{"ids.txt": "a\n\xff\xfe\n"}, code: 2, want: `line 2: a test id is not UTF-8`},
		{name: "id too long", yml: good + "tests: ids.txt\ncommand: run\n", files: map[string]string{"ids.txt": "a\n" + bigID + "\n"}, code: 2, want: `line 2: a test id of 5000 bytes, more than 4096`},
		{name: "line over a MiB", yml: good + "tests: ids.txt\ncommand: run\n", files: map[string]string{"ids.txt": "a\nb\n" + strings.Repeat("y", 2<<20) + "\n"}, code: 2, want: `line 3: a test id of more than 4096 bytes`},
		{name: "listed id too long", yml: good + "list: 'echo a; head -c 5000 /dev/zero | tr \"\\\\0\" x; echo'\ncommand: run\n", code: 2, want: `listing: image ` + shellImage + `: line 2: a test id of 5000 bytes, more than 4096`},
		// the listing
		{name: "list command missing", yml: good + "list: [no-such-lister]\ncommand: run\n", code: 2, want: `listing: image ` + shellImage + ` cannot run list command "no-such-lister"`},
		{name: "list command fails", yml: good + "list: 'echo broken >&2; exit 4'\ncommand: run\n", code: 2, want: `exited 4: broken`},
		// timing and reruns
		{name: "timeout", yml: suite + "timeout: soon\n", code: 2, want: `timeout:`},
		{name: "max_lost zero", yml: suite + "max_lost: 0\n", code: 2, want: `max_lost: must be ≥ 1, got 0`},
		{name: "rerun_threshold percent", yml: suite + "rerun_threshold: 150%\n", code: 2, want: `rerun_threshold: must be from 0% to 100%, got "150%"`},
		{name: "rerun_threshold over one", yml: suite + "rerun_threshold: 10\n", code: 2, want: `for a percentage write 10%`},
		{name: "max_reruns negative", yml: suite, args: []string{"--max-reruns=-1"}, code: 2, want: `--max-reruns: must be ≥ 0, got -1`},
		{name: "orphan_ttl short", yml: suite + "orphan_ttl: 1s\n", code: 2, want: `orphan_ttl: must be ≥ 5s, got 1s`},
		{name: "reconnect_interval zero", yml: suite, env: []string{"PARATEST_RECONNECT_INTERVAL=0s"}, code: 2, want: `PARATEST_RECONNECT_INTERVAL: must be > 0`},
		// containment
		{name: "cpus", yml: suite + "cpus: many\n", code: 2, want: `cpus: want a number of CPUs such as 2 or 1.5 (0: no limit), got "many"`},
		{name: "memory unit", yml: suite, args: []string{"--memory", "2 lots"}, code: 2, want: `--memory: want a size such as 512m or 2g`},
		{name: "memory too small", yml: suite + "memory: 1m\n", code: 2, want: `memory: must be at least 6m, got "1m"`},
		{name: "pids negative", yml: suite + "pids: -5\n", code: 2, want: `pids: must be ≥ 0, got -5`},
		{name: "network host in the file", yml: suite + "network: host\n", code: 2, want: `network: host would let the tests reach every service of the host`},
		{name: "network name", yml: suite, args: []string{"--network", "a b"}, code: 2, want: `--network: want bridge, none, host or a network's name, got "a b"`},
		{name: "network missing on the engine", yml: suite, args: []string{"--network", "paratest-e2e-no-such-net"}, code: 3, want: `paratest-e2e-no-such-net`},
		{name: "cap_drop", yml: suite + "cap_drop: ['net admin']\n", code: 2, want: `cap_drop: item 1: want a capability such as NET_RAW, or ALL, got "net admin"`},
		// secrets and trust
		{name: "env forwards the passphrase", yml: suite + "env: [PARATEST_SSH_PASSPHRASE]\n", env: []string{"PARATEST_SSH_PASSPHRASE=s3cret"}, code: 2, want: `env: item 1: PARATEST_SSH_PASSPHRASE is the master's own`},
		{name: "env item", yml: suite, args: []string{"--env", "A B"}, code: 2, want: `--env: item 1: want KEY=VALUE or KEY, got "A B"`},
		{name: "insecure host keys in the file", yml: suite + "insecure_ignore_host_key: true\n", code: 2, want: `insecure_ignore_host_key: accepting any host key weakens every SSH connection`},
		{name: "run id with a newline", yml: suite, env: []string{"PARATEST_RUN_ID=a\nb"}, own: true, code: 2, want: `PARATEST_RUN_ID: want letters, digits, '.', '_' and '-'`},
		{name: "run id with quotes", yml: suite + "run_id: \"it's\"\n", own: true, code: 2, want: `run_id: want letters, digits`},
		{name: "run id too long", yml: suite + "run_id: " + strings.Repeat("r", 200) + "\n", own: true, code: 2, want: `run_id: at most 128 characters, got 200`},
		// the build matrix
		{name: "matrix missing", yml: suite, args: []string{"--matrix", "hosts.yml"}, code: 2, want: `hosts.yml`},
		{name: "matrix workers zero", yml: "image: " + shellImage + "\nlist: ls\ncommand: run\nmatrix: hosts.yml\n", files: map[string]string{"hosts.yml": "hosts:\n  - {name: a, address: 127.0.0.9, workers: 0}\n"}, env: []string{"PARATEST_KNOWN_HOSTS=/dev/null"}, code: 2, want: `workers: must be ≥ 1, got 0`},
		{name: "matrix and workers", yml: suite + "matrix: hosts.yml\n", env: []string{"HOME=/tmp"}, code: 2, want: `workers: the build matrix sets workers per host (hosts.yml); remove one`},
		// the output directory
		{name: "out empty", yml: suite, args: []string{"--out", ""}, code: 2, want: `--out: want a directory, got nothing`},
		{name: "out is a file", yml: suite, args: []string{"--out", "afile"}, files: map[string]string{"afile": "x"}, code: 2, want: `out afile: not a directory: name a directory`},
		{name: "out holds the user's summary.md", yml: suite, args: []string{"--out", "."}, files: map[string]string{"summary.md": "mine"}, code: 2, want: `summary.md was not written by jenkins-paratest, and a run writes there`},
		{name: "out holds the user's log", yml: suite, args: []string{"--out", "."}, files: map[string]string{"logs/app.log": "mine"}, code: 2, want: `logs/app.log was not written by jenkins-paratest`},
		{name: "out manifest not ours", yml: suite, files: map[string]string{"paratest-out/.paratest-manifest": "hello\n"}, code: 2, want: `.paratest-manifest is not a manifest of jenkins-paratest`},
		// resuming
		{name: "journal with a bogus status", yml: suite, args: []string{"--resume"}, files: map[string]string{
			"paratest-out/.paratest-manifest": "# jenkins-paratest: the files of the last run here; the next run removes them\njournal.jsonl\n",
			"paratest-out/journal.jsonl":      `{"id":"a","attempt":{"Status":"bogus","Round":1}}` + "\n"}, code: 2, want: `journal.jsonl:1: test "a": status "bogus" is none of passed, failed, error or skipped`},
		{name: "journal not ours", yml: suite, args: []string{"--resume"}, files: map[string]string{"paratest-out/journal.jsonl": "hello\n"}, code: 2, want: `journal.jsonl:1: not a verdict of jenkins-paratest`},
		// the command line
		{name: "unknown flag", yml: suite, args: []string{"--wrkers", "2"}, code: 2, want: `unknown flag --wrkers`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			if tc.yml != "" {
				writeFile(t, filepath.Join(dir, "paratest.yml"), tc.yml)
			}
			for name, data := range tc.files {
				p := filepath.Join(dir, filepath.FromSlash(name))
				if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
					t.Fatal(err)
				}
				writeFile(t, p, data)
			}
			id := runID(t)
			args := append([]string{"run"}, tc.args...)
			if !tc.own {
				args = append(args, "--run-id", id)
			}
			r := execBinary(t, dir, tc.env, args...)
			line := strings.TrimSuffix(r.stderr, "\n")
			if r.code != tc.code || !strings.Contains(line, tc.want) || strings.Contains(line, "\n") || !strings.HasPrefix(line, "jenkins-paratest: ") {
				t.Errorf("exit %d, stderr %q\nwant exit %d and one line \"jenkins-paratest: …%s…\"\nstdout:\n%s", r.code, r.stderr, tc.code, tc.want, tail(r.stdout, 2000))
			}
			if left := containers(t, id); len(left) > 0 {
				exec.Command("docker", append([]string{"rm", "-f"}, left...)...).Run()
				t.Errorf("%d containers of run %s left behind", len(left), id)
			}
		})
	}
	// The cases run at once and share the agent's volume: each case checks
	// its own containers above. The volume itself each run removes at its end
	// when no container uses it, and of runs ending together each may find
	// another's still there (noted as open: a last-one-out race; `clean`
	// removes the volume): here it is removed, not asserted.
	t.Cleanup(func() {
		if vol := agentVolumeName(t); volumeExists(vol) && !volumeUsed(t, vol) {
			t.Logf("agent volume %s left by the concurrent runs; removed", vol)
			exec.Command("docker", "volume", "rm", vol).Run()
		}
	})
}

// A results: junit: path that is a directory in the container is the
// configuration's fault, not the worker's: each test errors saying so, and no
// worker is lost or restarted.
func TestResultFileThatIsADirectory(t *testing.T) {
	need(t, true)
	dir := writeConfig(t, `
image: `+shellImage+`
pull: never
workers: 1
list: 'echo a; echo b'
command: 'mkdir -p /tmp/j.xml'
results: junit:/tmp/j.xml
`)
	id := runID(t)
	r := paratest(t, dir, nil, "run", "--run-id", id)
	if r.code != 1 {
		t.Errorf("exit %d, want 1 (the tests errored)", r.code)
	}
	for _, c := range readJUnit(t, filepath.Join(dir, "paratest-out")) {
		if c.Error == nil || !strings.Contains(c.Error.Message, "cannot read the result file") {
			t.Errorf("%s: %+v, want an error saying the result file cannot be read", c.Name, c)
		}
	}
	if strings.Contains(r.stdout, "lost") && !strings.Contains(r.stdout, "0 lost") || strings.Contains(r.stdout, "trying again") {
		t.Errorf("a worker was lost over a bad result path:\n%s", tail(r.stdout, 3000))
	}
	assertNoContainers(t, id)
}
