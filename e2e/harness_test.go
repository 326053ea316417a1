// Package e2e runs the real jenkins-paratest binary against the real Docker engine:
// the example suite, shell suites on a busybox image, signals and clean-up. Without
// an engine the tests skip, unless PARATEST_REQUIRE_E2E=1 (CI) makes that a failure.
package e2e

import (
	"archive/tar"
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

var (
	binary       string // the jenkins-paratest binary under test
	exampleImage string // the example Go suite's image
	shellImage   string // busybox in a scratch image; "" when busybox is missing
	skipReason   string // why the e2e tests cannot run here
	repoRoot     string
)

func TestMain(m *testing.M) {
	code, err := setup()
	if err != nil {
		fmt.Fprintf(os.Stderr, "e2e setup: %v\n", err)
		os.Exit(1)
	}
	if code >= 0 {
		os.Exit(code)
	}
	code = m.Run()
	teardown()
	os.Exit(code)
}

// setup builds the binary and the images; it returns a code >= 0 to exit with at
// once (no tests to run).
func setup() (int, error) {
	var err error
	repoRoot, err = filepath.Abs("..")
	if err != nil {
		return 1, err
	}
	if out, err := exec.Command("docker", "info", "--format", "{{.ServerVersion}}").CombinedOutput(); err != nil {
		skipReason = fmt.Sprintf("the Docker engine does not answer (docker info: %v: %s)", err, bytes.TrimSpace(out))
		return -1, nil
	}
	dir, err := os.MkdirTemp("", "paratest-e2e-")
	if err != nil {
		return 1, err
	}
	binary = filepath.Join(dir, "jenkins-paratest")
	// As make build builds it: what users run, and what the hosts receive.
	build := exec.Command("go", "build", "-trimpath", "-ldflags", "-s -w", "-o", binary, "./cmd/jenkins-paratest")
	build.Dir = repoRoot
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		return 1, fmt.Errorf("build binary: %v\n%s", err, out)
	}
	exampleImage = fmt.Sprintf("paratest-e2e/go-suite:%d", os.Getpid())
	img := exec.Command(filepath.Join(repoRoot, "examples/go-suite/build-image.sh"), exampleImage)
	if out, err := img.CombinedOutput(); err != nil {
		return 1, fmt.Errorf("build example image: %v\n%s", err, out)
	}
	if _, err := os.Stat("/bin/busybox"); err == nil {
		shellImage = fmt.Sprintf("paratest-e2e/busybox:%d", os.Getpid())
		if err := importBusybox(shellImage); err != nil {
			return 1, err
		}
	}
	return -1, nil
}

func teardown() {
	if binary != "" {
		os.RemoveAll(filepath.Dir(binary))
	}
	for _, img := range []string{exampleImage, shellImage} {
		if img != "" {
			exec.Command("docker", "rmi", "-f", img).Run()
		}
	}
	// The runs remove their agent volumes; one a killed run left goes here.
	if out, err := exec.Command("docker", "volume", "ls", "-q", "--filter", "label=paratest.agent").Output(); err == nil {
		if vols := strings.Fields(string(out)); len(vols) > 0 {
			exec.Command("docker", append([]string{"volume", "rm"}, vols...)...).Run()
		}
	}
}

// importBusybox makes a scratch image holding a static busybox as /bin/sh and its
// applets, and /tmp.
func importBusybox(tag string) error {
	bb, err := os.ReadFile("/bin/busybox")
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	dirs := map[string]int64{"bin/": 0o755, "tmp/": 0o1777, "etc/": 0o755}
	for _, d := range []string{"bin/", "etc/", "tmp/"} {
		tw.WriteHeader(&tar.Header{Name: d, Typeflag: tar.TypeDir, Mode: dirs[d]})
	}
	tw.WriteHeader(&tar.Header{Name: "bin/busybox", Typeflag: tar.TypeReg, Mode: 0o755, Size: int64(len(bb))})
	tw.Write(bb)
	for _, applet := range []string{"sh", "sleep", "cat", "echo", "printf", "touch", "test", "true", "false", "rm", "mkdir", "ls", "kill", "pkill", "ps", "yes", "head", "seq", "wc", "dd", "grep"} {
		tw.WriteHeader(&tar.Header{Name: "bin/" + applet, Typeflag: tar.TypeSymlink, Linkname: "busybox", Mode: 0o777})
	}
	passwd := "root:x:0:0:root:/root:/bin/sh\n"
	tw.WriteHeader(&tar.Header{Name: "etc/passwd", Typeflag: tar.TypeReg, Mode: 0o644, Size: int64(len(passwd))})
	tw.Write([]byte(passwd))
	if err := tw.Close(); err != nil {
		return err
	}
	cmd := exec.Command("docker", "import", "-", tag)
	cmd.Stdin = &buf
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("docker import busybox: %v\n%s", err, out)
	}
	return nil
}

// need skips (or, in CI, fails) a test that needs the engine.
func need(t *testing.T, shell bool) {
	t.Helper()
	reason := skipReason
	if reason == "" && shell && shellImage == "" {
		reason = "no static busybox for a shell image (apt-get install busybox-static)"
	}
	if reason == "" {
		return
	}
	if os.Getenv("PARATEST_REQUIRE_E2E") == "1" {
		t.Fatalf("PARATEST_REQUIRE_E2E=1 but %s", reason)
	}
	t.Skip(reason)
}

// result of one run of the binary.
type result struct {
	code           int
	stdout, stderr string
}

// paratest runs the binary in dir with args and extra environment.
func paratest(t *testing.T, dir string, env []string, args ...string) result {
	t.Helper()
	r := execBinary(t, dir, env, args...)
	t.Logf("jenkins-paratest %s → exit %d\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), r.code, r.stdout, r.stderr)
	return r
}

// paratestB is paratest for benchmarks, which keep their logs short.
func paratestB(b *testing.B, dir string, args ...string) result {
	b.Helper()
	return execBinary(b, dir, nil, args...)
}

func writeFile(tb testing.TB, path, data string) {
	tb.Helper()
	if err := os.WriteFile(path, []byte(data), 0o644); err != nil {
		tb.Fatal(err)
	}
}

func execBinary(t testing.TB, dir string, env []string, args ...string) result {
	t.Helper()
	cmd := exec.Command(binary, args...)
	cmd.Dir = dir
	cmd.Env = append(cleanEnv(), env...)
	var o, e bytes.Buffer
	cmd.Stdout, cmd.Stderr = &o, &e
	err := cmd.Run()
	var ee *exec.ExitError
	code := 0
	if errors.As(err, &ee) {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("run %v: %v", args, err)
	}
	return result{code, o.String(), e.String()}
}

// cleanEnv is the environment without the Jenkins and paratest variables of
// whatever runs the tests.
func cleanEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		if strings.HasPrefix(kv, "PARATEST_") || strings.HasPrefix(kv, "BUILD_") || strings.HasPrefix(kv, "GOSUITE_") {
			continue
		}
		env = append(env, kv)
	}
	return append(env, "NO_COLOR=1")
}

// writeConfig writes a paratest.yml into a new directory and returns the directory.
func writeConfig(t *testing.T, yml string) string {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "paratest.yml"), []byte(yml), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

// containers lists the containers labelled with a run id.
func containers(t *testing.T, runID string) []string {
	t.Helper()
	out, err := exec.Command("docker", "ps", "-aq", "--filter", "label=paratest.run="+runID).Output()
	if err != nil {
		t.Fatalf("docker ps: %v", err)
	}
	return strings.Fields(string(out))
}

func assertNoContainers(t *testing.T, runID string) {
	t.Helper()
	if left := containers(t, runID); len(left) > 0 {
		exec.Command("docker", append([]string{"rm", "-f"}, left...)...).Run()
		t.Errorf("%d containers of run %s left behind", len(left), runID)
	}
	// The e2e tests run one at a time: no run of this binary is left to use
	// its agent volume. (Other binaries' runs on this engine — another
	// checkout's tests — have volumes of their own, by their hash.)
	if vol := agentVolumeName(t); volumeExists(vol) {
		exec.Command("docker", "volume", "rm", vol).Run()
		t.Errorf("agent volume %s left behind", vol)
	}
}

func runID(t *testing.T) string {
	name := strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '_' || r == '.' {
			return r
		}
		return '-'
	}, strings.ToLower(t.Name()))
	return fmt.Sprintf("e2e-%s-%d", name[:min(len(name), 80)], time.Now().UnixNano())
}

// junitCase is what the tests check of a JUnit testcase.
type junitCase struct {
	Class   string `xml:"classname,attr"`
	Name    string `xml:"name,attr"`
	Failure *struct {
		Message string `xml:"message,attr"`
	} `xml:"failure"`
	Error *struct {
		Message string `xml:"message,attr"`
	} `xml:"error"`
	Skipped *struct {
		Message string `xml:"message,attr"`
	} `xml:"skipped"`
	Flaky []struct {
		Message string `xml:"message,attr"`
	} `xml:"flakyFailure"`
	Rerun []struct {
		Message string `xml:"message,attr"`
	} `xml:"rerunFailure"`
	SystemOut string `xml:"system-out"`
}

// readJUnit validates every JUnit file in out/junit against both schemas and
// returns their testcases.
func readJUnit(t *testing.T, out string) []junitCase {
	t.Helper()
	files, _ := filepath.Glob(filepath.Join(out, "junit", "TEST-*.xml"))
	if len(files) == 0 {
		t.Fatalf("no JUnit files in %s/junit", out)
	}
	validate(t, files)
	var cases []junitCase
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var suite struct {
			XMLName xml.Name    `xml:"testsuite"`
			Cases   []junitCase `xml:"testcase"`
		}
		if err := xml.Unmarshal(data, &suite); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		cases = append(cases, suite.Cases...)
	}
	return cases
}

func validate(t *testing.T, files []string) {
	t.Helper()
	if _, err := exec.LookPath("xmllint"); err != nil {
		if os.Getenv("PARATEST_REQUIRE_E2E") == "1" {
			t.Fatal("xmllint is missing (apt-get install libxml2-utils)")
		}
		t.Log("xmllint missing: JUnit files not validated against the schemas")
		return
	}
	script := filepath.Join(repoRoot, "..", "shared", "xsd", "validate-junit")
	out, err := exec.Command(script, files...).CombinedOutput()
	if err != nil {
		t.Fatalf("JUnit files fail schema validation: %v\n%s", err, out)
	}
}

type summary struct {
	RunID   string  `json:"run_id"`
	Tests   int     `json:"tests"`
	Passed  int     `json:"passed"`
	Failed  int     `json:"failed"`
	Skipped int     `json:"skipped"`
	Flaky   int     `json:"flaky"`
	Lost    int     `json:"lost"`
	Workers int     `json:"workers"`
	Seconds float64 `json:"duration_s"`
}

func readSummary(t *testing.T, out string) summary {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(out, "summary.json"))
	if err != nil {
		t.Fatal(err)
	}
	var s summary
	if err := json.Unmarshal(data, &s); err != nil {
		t.Fatalf("summary.json: %v", err)
	}
	return s
}

// lines returns the non-empty lines of s.
func lines(s string) []string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if strings.TrimSpace(l) != "" {
			out = append(out, l)
		}
	}
	return out
}

var _ = context.Background
