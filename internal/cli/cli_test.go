package cli

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/jenkins-paratest/jenkins-paratest/internal/config"
	"github.com/jenkins-paratest/jenkins-paratest/internal/exit"
	"github.com/jenkins-paratest/jenkins-paratest/internal/result"
	"github.com/jenkins-paratest/jenkins-paratest/internal/runner"
)

// mainIn runs Main in a fresh working directory holding files, with the
// configuration variables of the test process's own environment cleared.
func mainIn(t *testing.T, files map[string]string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	dir := t.TempDir()
	for name, data := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	t.Chdir(dir)
	for _, key := range append(config.Keys(), "config") {
		t.Setenv("PARATEST_"+strings.ToUpper(key), "") // empty counts as unset
	}
	var out, errOut bytes.Buffer
	code = Main(args, strings.NewReader(""), &out, &errOut)
	return code, out.String(), errOut.String()
}

// oneLineOn checks that stderr is exactly one line and contains every want.
func oneLineOn(t *testing.T, stderr string, want ...string) {
	t.Helper()
	if strings.Count(stderr, "\n") != 1 || !strings.HasSuffix(stderr, "\n") {
		t.Errorf("stderr is not one line: %q", stderr)
	}
	for _, w := range want {
		if !strings.Contains(stderr, w) {
			t.Errorf("stderr %q does not contain %q", stderr, w)
		}
	}
}

func TestMainVersion(t *testing.T) {
	code, stdout, stderr := mainIn(t, nil, "version")
	if code != 0 || stderr != "" {
		t.Errorf("version: code %d, stderr %q", code, stderr)
	}
	if !regexp.MustCompile(`^jenkins-paratest \S+\n$`).MatchString(stdout) {
		t.Errorf("version printed %q", stdout)
	}

	old := Version
	Version = "v1.2.3"
	t.Cleanup(func() { Version = old })
	if _, stdout, _ := mainIn(t, nil, "version"); stdout != "jenkins-paratest v1.2.3\n" {
		t.Errorf("stamped version printed %q", stdout)
	}
	if got := version(""); got == "" {
		t.Errorf(`version("") is empty, want a build-info version or "dev"`)
	}
}

func TestMainUsage(t *testing.T) {
	type testCase struct {
		name  string
		files map[string]string
		args  []string
		want  []string // on the one stderr line
	}
	fn := func(t *testing.T, tc testCase) {
		code, stdout, stderr := mainIn(t, tc.files, tc.args...)
		if code != exit.Usage {
			t.Errorf("exit code %d, want %d", code, exit.Usage)
		}
		if stdout != "" {
			t.Errorf("stdout %q, want nothing", stdout)
		}
		oneLineOn(t, stderr, tc.want...)
		if !strings.HasPrefix(stderr, "jenkins-paratest: ") {
			t.Errorf("stderr %q does not start with the program name", stderr)
		}
	}
	for _, tc := range []testCase{
		{
			name: "bad flag",
			args: []string{"run", "--bogus"},
			want: []string{"unknown flag --bogus", "(see 'jenkins-paratest run --help')"},
		},
		{
			name: "flag without value",
			args: []string{"list", "--workers"},
			want: []string{"--workers", "(see 'jenkins-paratest list --help')"},
		},
		{
			name: "no command",
			args: nil,
			want: []string{"(see 'jenkins-paratest --help')"},
		},
		{
			name: "unknown command",
			args: []string{"rnu"},
			want: []string{"rnu", "(see 'jenkins-paratest --help')"},
		},
		{
			name:  "bad config",
			files: map[string]string{"paratest.yml": "image: i\nlist: ls\ncommand: x\nwrkers: 4\n"},
			args:  []string{"run"},
			want:  []string{`jenkins-paratest: paratest.yml:4: unknown key "wrkers" (did you mean "workers"?)`},
		},
		{
			name:  "bad value in config",
			files: map[string]string{"paratest.yml": "image: i\nworkers: four\n"},
			args:  []string{"list"},
			want:  []string{`paratest.yml:2: workers: want a whole number ≥ 1, got "four"`},
		},
		{
			name:  "bad yaml",
			files: map[string]string{"paratest.yml": "image: [i\n"},
			args:  []string{"run"},
			want:  []string{"paratest.yml:"},
		},
		{
			name: "list with preset go but no image",
			args: []string{"list", "--preset", "go"},
			want: []string{"jenkins-paratest: no image: set image: in paratest.yml, --image or PARATEST_IMAGE"},
		},
		{
			name: "missing --config",
			args: []string{"run", "--config", "ci.yml", "--image", "i"},
			want: []string{"--config: open ci.yml: no such file or directory"},
		},
	} {
		t.Run(tc.name, func(t *testing.T) { fn(t, tc) })
	}
}

func TestMainHelp(t *testing.T) {
	code, stdout, _ := mainIn(t, nil, "run", "--help")
	if code != 0 {
		t.Errorf("run --help: exit code %d, want 0", code)
	}
	help := strings.Join(strings.Fields(stdout), " ") // undo kong's wrapping
	for _, key := range config.FlagKeys() {
		flag := strings.ReplaceAll(key, "_", "-")
		if !regexp.MustCompile(`--(\[no-\])?` + flag + `[= ]`).MatchString(help) {
			t.Errorf("run --help has no flag --%s", flag)
		}
		for _, want := range []string{"paratest.yml " + key + ":", "PARATEST_" + strings.ToUpper(key)} {
			if !strings.Contains(help, want) {
				t.Errorf("run --help does not mention %s", want)
			}
		}
	}
	if strings.Contains(help, "agent") || strings.ContainsAny(help, "“”") {
		t.Errorf("run --help mentions the hidden agent command, or has smart quotes:\n%s", stdout)
	}
	code, stdout, _ = mainIn(t, nil, "--help")
	if code != 0 || !strings.Contains(stdout, "list") || strings.Contains(stdout, "agent") {
		t.Errorf("--help: exit code %d, want 0, the commands but not agent:\n%s", code, stdout)
	}
}

// fakeDeps returns deps whose runner records its arguments and returns what the
// test says, and whose environment is empty.
type fakeRunner struct {
	run     *result.Run
	listing *runner.Listing
	hosts   []runner.HostCheck
	removed []runner.Removed
	err     error

	cfg   *config.Config
	opts  runner.Options
	runID string // clean's
	all   bool   // clean's --all
}

func (f *fakeRunner) deps(stdout, stderr io.Writer) *deps {
	return &deps{
		stdin:     strings.NewReader("a\n"),
		stdout:    stdout,
		stderr:    stderr,
		lookupEnv: func(string) (string, bool) { return "", false },
		hard:      context.Background(),
		run: func(_ context.Context, cfg *config.Config, opts runner.Options) (*result.Run, error) {
			f.cfg, f.opts = cfg, opts
			return f.run, f.err
		},
		list: func(_ context.Context, cfg *config.Config, opts runner.Options) (*runner.Listing, error) {
			f.cfg, f.opts = cfg, opts
			return f.listing, f.err
		},
		check: func(_ context.Context, cfg *config.Config, opts runner.Options) ([]runner.HostCheck, error) {
			f.cfg, f.opts = cfg, opts
			return f.hosts, f.err
		},
		clean: func(_ context.Context, cfg *config.Config, opts runner.Options, runID string, all bool) ([]runner.Removed, error) {
			f.cfg, f.opts, f.runID, f.all = cfg, opts, runID, all
			return f.removed, f.err
		},
		agent: func(context.Context, []string, io.Writer, io.Writer) int { panic("agent called") },
	}
}

func testRun(statuses ...result.Status) *result.Run {
	run := &result.Run{}
	for i, s := range statuses {
		t := &result.Test{ID: string(rune('a' + i))}
		if s != "" {
			t.Attempts = []result.Attempt{{Status: s}}
		}
		run.Tests = append(run.Tests, t)
	}
	return run
}

// runArgs configure a run entirely by flags, reading no file.
var runArgs = []string{"run", "--config=", "--image", "img", "--tests", "-", "--command", "x", "--workers", "3"}

func TestRunExitCode(t *testing.T) {
	t.Parallel()
	type testCase struct {
		name       string
		run        *result.Run
		err        error
		cause      error // the context's, when cancelled
		wantCode   int
		wantStderr string // "" for none
	}
	fn := func(t *testing.T, tc testCase) {
		t.Parallel()
		ctx := context.Background()
		if tc.cause != nil {
			c, cancel := context.WithCancelCause(ctx)
			cancel(tc.cause)
			ctx = c
		}
		f := &fakeRunner{run: tc.run, err: tc.err}
		var stdout, stderr bytes.Buffer
		d := f.deps(&stdout, &stderr)
		code := execute(ctx, runArgs, d)
		if code != tc.wantCode {
			t.Errorf("exit code %d, want %d", code, tc.wantCode)
		}
		if tc.wantStderr == "" && stderr.Len() > 0 {
			t.Errorf("stderr %q, want nothing", stderr.String())
		}
		if tc.wantStderr != "" {
			oneLineOn(t, stderr.String(), tc.wantStderr)
		}
		if f.cfg == nil || f.cfg.Image != "img" || f.cfg.Workers != 3 || f.cfg.Tests != "-" {
			t.Errorf("runner got config %+v, want the flags'", f.cfg)
		}
		if f.opts.Stdout != d.stdout || f.opts.Stdin != d.stdin || f.opts.Hard != d.hard {
			t.Errorf("runner got options %+v, want Main's stdout, stdin and hard context", f.opts)
		}
	}
	for _, tc := range []testCase{
		{name: "all passed", run: testRun(result.Passed, result.Skipped), wantCode: 0},
		{name: "flaky passed", run: &result.Run{Tests: []*result.Test{{Attempts: []result.Attempt{{Status: result.Failed}, {Status: result.Passed}}}}}, wantCode: 0},
		{name: "failed", run: testRun(result.Passed, result.Failed), wantCode: 1, wantStderr: "jenkins-paratest: 1 of 2 tests failed"},
		{name: "errored", run: testRun(result.Errored, result.Errored, result.Passed), wantCode: 1, wantStderr: "2 of 3 tests failed"},
		{name: "lost", run: testRun(result.Passed, ""), wantCode: 1, wantStderr: "1 of 2 tests got no verdict"},
		{name: "signal with reports", run: testRun(result.Failed), err: exit.Signal{Sig: syscall.SIGINT}, wantCode: 130, wantStderr: "interrupted by interrupt"},
		{name: "signal as cause", run: testRun(result.Skipped), err: errors.New("docker exec: context canceled"), cause: exit.Signal{Sig: syscall.SIGTERM}, wantCode: 143, wantStderr: "docker exec: context canceled"},
		{name: "infra", err: exit.Infraf("docker engine on local: connection refused"), wantCode: 3, wantStderr: "jenkins-paratest: docker engine on local: connection refused"},
		{name: "infra with reports", run: testRun(result.Failed), err: exit.Infraf("write reports: disk full"), wantCode: 3, wantStderr: "write reports: disk full"},
		{name: "usage from runner", err: exit.Usagef("no tests to run"), wantCode: 2, wantStderr: "no tests to run"},
		{name: "multi-line error", err: exit.Infraf("first\nsecond"), wantCode: 3, wantStderr: "first; second"},
		{name: "no result", wantCode: 3, wantStderr: "no result"},
	} {
		t.Run(tc.name, func(t *testing.T) { fn(t, tc) })
	}
}

func TestList(t *testing.T) {
	t.Parallel()
	f := &fakeRunner{listing: &runner.Listing{IDs: []string{"TestA", "pkg/TestB", "x y"}, Workers: 4}}
	var stdout, stderr bytes.Buffer
	d := f.deps(&stdout, &stderr)
	args := []string{"list", "--config=", "--image", "img", "--preset", "go"}
	if code := execute(context.Background(), args, d); code != 0 {
		t.Fatalf("exit code %d, stderr %q", code, stderr.String())
	}
	if diff := cmp.Diff("TestA\npkg/TestB\nx y\n", stdout.String()); diff != "" {
		t.Errorf("stdout (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff("3 tests on 4 workers\n", stderr.String()); diff != "" {
		t.Errorf("stderr (-want +got):\n%s", diff)
	}
	if f.opts.Stdout != d.stderr {
		t.Errorf("runner's console is not stderr: stdout must carry only ids")
	}
	if f.cfg.Preset != "go" {
		t.Errorf("runner got config %+v, want preset go", f.cfg)
	}

	f = &fakeRunner{err: exit.Infraf("listing: boom")}
	stdout.Reset()
	stderr.Reset()
	if code := execute(context.Background(), args, f.deps(&stdout, &stderr)); code != 3 || stdout.Len() != 0 {
		t.Errorf("failed listing: exit code %d, stdout %q; want 3 and nothing", code, stdout.String())
	}
	oneLineOn(t, stderr.String(), "jenkins-paratest: listing: boom")
}

func TestAgentPassthrough(t *testing.T) {
	t.Parallel()
	type testCase struct {
		args     []string
		code     int
		wantArgs []string
	}
	fn := func(t *testing.T, tc testCase) {
		t.Parallel()
		var got []string
		var stdout, stderr bytes.Buffer
		d := (&fakeRunner{}).deps(&stdout, &stderr)
		d.agent = func(_ context.Context, args []string, _, _ io.Writer) int {
			got = args
			return tc.code
		}
		if code := execute(context.Background(), tc.args, d); code != tc.code {
			t.Errorf("exit code %d, want the agent's %d", code, tc.code)
		}
		if diff := cmp.Diff(tc.wantArgs, got); diff != "" {
			t.Errorf("agent args (-want +got):\n%s", diff)
		}
		if stderr.Len() > 0 {
			t.Errorf("stderr %q, want nothing: the agent speaks for itself", stderr.String())
		}
	}
	for _, tc := range []testCase{
		{args: []string{"agent", "exec", "--", "go", "test", "-run", "X", "--help"}, code: 7, wantArgs: []string{"exec", "--", "go", "test", "-run", "X", "--help"}},
		{args: []string{"agent", "--image", "x"}, code: 2, wantArgs: []string{"--image", "x"}},
		{args: []string{"agent", "idle"}, code: 0, wantArgs: []string{"idle"}},
	} {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) { fn(t, tc) })
	}
}
