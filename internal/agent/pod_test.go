package agent

import (
	"archive/tar"
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestPodUntarAndCat(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	data := "hello\nworld\n"
	name := filepath.Join(dir, "a", "b.txt")
	if err := tw.WriteHeader(&tar.Header{Name: strings.TrimPrefix(name, "/"), Mode: 0o640, Size: int64(len(data)), Typeflag: tar.TypeReg}); err != nil {
		t.Fatal(err)
	}
	tw.Write([]byte(data))
	tw.Close()
	var stdout, stderr bytes.Buffer
	if code, ok := podMain([]string{"untar"}, &buf, &stdout, &stderr); !ok || code != 0 {
		t.Fatalf("untar: %d %v: %s", code, ok, stderr.String())
	}
	st, err := os.Stat(name)
	if err != nil || st.Mode().Perm() != 0o640 {
		t.Fatalf("untarred file: %v, mode %v", err, st)
	}
	if code, _ := podMain([]string{"cat", name, "8"}, nil, &stdout, &stderr); code != 0 || stdout.String() != data[:8] {
		t.Errorf("cat 8: %d %q, want 0 %q", code, stdout.String(), data[:8])
	}
	if code, _ := podMain([]string{"cat", filepath.Join(dir, "nope"), "8"}, nil, &stdout, &stderr); code != ExitNotFound {
		t.Errorf("cat of a missing file: %d, want %d", code, ExitNotFound)
	}
}

func TestPodInstall(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "bin")
	var stderr bytes.Buffer
	if code, _ := podMain([]string{"install", dir}, nil, &stderr, &stderr); code != 0 {
		t.Fatalf("install: %d: %s", code, stderr.String())
	}
	exe, _ := os.Executable()
	want, _ := os.ReadFile(exe)
	got, err := os.ReadFile(filepath.Join(dir, "agent"))
	if err != nil || !bytes.Equal(got, want) {
		t.Errorf("installed agent differs from the executable (%v)", err)
	}
	if st, _ := os.Stat(filepath.Join(dir, "agent")); st.Mode().Perm()&0o111 == 0 {
		t.Errorf("installed agent is not executable: %v", st.Mode())
	}
}

func TestPodEnvUsage(t *testing.T) {
	t.Parallel()
	var stderr bytes.Buffer
	if code, _ := podMain([]string{"env", "A=1"}, nil, &stderr, &stderr); code != 2 {
		t.Errorf("env without --: %d, want 2", code)
	}
	if code, _ := podMain([]string{"env", "novalue", "--", "true"}, nil, &stderr, &stderr); code != 1 || !strings.Contains(stderr.String(), "want KEY=VALUE") {
		t.Errorf("env novalue: %d %q", code, stderr.String())
	}
}
