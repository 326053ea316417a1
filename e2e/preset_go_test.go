package e2e

import (
	"archive/tar"
	"bytes"
	"encoding/xml"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/jstemmer/go-junit-report/v2/junit"
	"github.com/jstemmer/go-junit-report/v2/parser/gotest"
)

// The go preset's parity test: e2e/testdata/go-suite runs serially with `go
// test -v ./...` on the host, read by go-junit-report, and with jenkins-paratest
// on 4 workers from an image of static test binaries and nothing else (no
// test2json, no Go). Every testcase, subtests included, must have the same
// classname, name and verdict; the crash test, which a serial run cannot
// survive, fails as crashed without costing its package's other tests theirs;
// the order-dependent test is found out.
func TestPresetGo(t *testing.T) {
	need(t, false)
	suite := filepath.Join(repoRoot, "e2e", "testdata", "go-suite")
	image := goBinariesImage(t, suite)

	// A tenth of the suite's tests fail on purpose: above the default
	// rerun_threshold, which would skip the reruns and the order check.
	checkParity(t, goSerialVerdicts(t, suite, "-skip", "^TestCrash$"), parityRun{
		image: image, preset: "go", extra: "rerun_threshold: 0.5\n",
		crash: caseKey{"example.com/parity/calc", "TestCrash"},
		order: map[string]string{"example.com/parity/state.TestUsesConfig": "example.com/parity/state.TestLoadConfig"},
	})
}

// goSerialVerdicts runs `go test -v ./...` in the module at dir, as a serial
// run does, and reads what go-junit-report writes of it.
func goSerialVerdicts(t *testing.T, dir string, args ...string) map[caseKey]string {
	t.Helper()
	cmd := exec.Command("go", append(append([]string{"test", "-count=1", "-v"}, args...), "./...")...)
	cmd.Dir = dir
	cmd.Env = append(cleanEnv(), "CGO_ENABLED=0")
	output, err := cmd.CombinedOutput() // go test fails: the suite has failures
	if _, ok := err.(*exec.ExitError); err != nil && !ok {
		t.Fatalf("go test in %s: %v", dir, err)
	}
	report, err := gotest.NewParser().Parse(bytes.NewReader(output))
	if err != nil {
		t.Fatalf("go-junit-report: %v", err)
	}
	suites := junit.CreateFromReport(report, "")
	data, err := xml.MarshalIndent(suites, "", "\t")
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "serial.xml")
	if err := os.WriteFile(file, append([]byte(xml.Header), data...), 0o644); err != nil {
		t.Fatal(err)
	}
	return junitVerdicts(t, file)
}

// goBinariesImage imports an image holding, like the go preset wants it, a
// static test binary of each package of the module at dir ("": none) as
// /paratest/go/<import path>.test, /tmp and /etc/passwd — and nothing else:
// no test2json, no shell. It is removed after the test.
func goBinariesImage(t *testing.T, dir string) string {
	t.Helper()
	root := t.TempDir()
	if err := os.MkdirAll(filepath.Join(root, "paratest", "go"), 0o755); err != nil {
		t.Fatal(err)
	}
	var pkgs []byte
	if dir != "" {
		list := exec.Command("go", "list", "-f", "{{if or .TestGoFiles .XTestGoFiles}}{{.ImportPath}}{{end}}", "./...")
		list.Dir = dir
		var err error
		if pkgs, err = list.Output(); err != nil {
			t.Fatalf("go list in %s: %v", dir, err)
		}
	}
	for _, pkg := range strings.Fields(string(pkgs)) {
		build := exec.Command("go", "test", "-c", "-o", filepath.Join(root, "paratest", "go", pkg+".test"), pkg)
		build.Dir = dir
		build.Env = append(cleanEnv(), "CGO_ENABLED=0", "GOOS=linux")
		if out, err := build.CombinedOutput(); err != nil {
			t.Fatalf("go test -c %s: %v\n%s", pkg, err, out)
		}
	}

	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, d := range []struct {
		name string
		mode int64
	}{{"tmp/", 0o1777}, {"etc/", 0o755}, {"root/", 0o700}} {
		if err := tw.WriteHeader(&tar.Header{Name: d.name, Typeflag: tar.TypeDir, Mode: d.mode}); err != nil {
			t.Fatal(err)
		}
	}
	for name, text := range map[string]string{"etc/passwd": "root:x:0:0:root:/root:/sbin/nologin\n", "etc/group": "root:x:0:\n"} {
		tw.WriteHeader(&tar.Header{Name: name, Typeflag: tar.TypeReg, Mode: 0o644, Size: int64(len(text))})
		tw.Write([]byte(text))
	}
	err := filepath.WalkDir(filepath.Join(root, "paratest"), func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		if d.IsDir() {
			return tw.WriteHeader(&tar.Header{Name: rel + "/", Typeflag: tar.TypeDir, Mode: 0o755})
		}
		if d.Name() == "test2json" || !strings.HasSuffix(d.Name(), ".test") {
			return fmt.Errorf("%s: only test binaries belong in this image", rel)
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		if err := tw.WriteHeader(&tar.Header{Name: rel, Typeflag: tar.TypeReg, Mode: 0o755, Size: int64(len(data))}); err != nil {
			return err
		}
		_, err = tw.Write(data)
		return err
	})
	if err == nil {
		err = tw.Close()
	}
	if err != nil {
		t.Fatalf("image root: %v", err)
	}

	tag := fmt.Sprintf("paratest-e2e/go-binaries-%s:%d", strings.ToLower(strings.ReplaceAll(t.Name(), "/", "-")), os.Getpid())
	imp := exec.Command("docker", "import", "-", tag)
	imp.Stdin = &buf
	if out, err := imp.CombinedOutput(); err != nil {
		t.Fatalf("docker import: %v\n%s", err, out)
	}
	t.Cleanup(func() { exec.Command("docker", "rmi", "-f", tag).Run() })
	return tag
}

// An image without test binaries is a one-line error that names the
// directory and says how to build them, exit 2, before any worker starts.
func TestPresetGoNoBinaries(t *testing.T) {
	need(t, false)
	image := goBinariesImage(t, "")
	id := runID(t)
	dir := writeConfig(t, fmt.Sprintf("image: %s\npull: never\npreset: go\nworkers: 2\nrun_id: %s\n", image, id))
	r := paratest(t, dir, nil, "run", "--config", filepath.Join(dir, "paratest.yml"), "--out", filepath.Join(dir, "out"))
	if r.code != 2 {
		t.Errorf("exit %d, want 2", r.code)
	}
	got := lines(r.stderr)
	if len(got) != 1 || !strings.Contains(got[0], "/paratest/go") || !strings.Contains(got[0], "go test -c -o /paratest/go/<import path>.test <import path>") {
		t.Errorf("stderr = %q, want one line naming /paratest/go and how to build the binaries", r.stderr)
	}
	assertNoContainers(t, id)
}
