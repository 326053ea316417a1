package report

import (
	"os"
	"path/filepath"
	"testing"
)

func TestWriteAtomic(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "sub", "summary.json") // the directory is created
	for _, data := range []string{"first", "second, longer"} {
		if err := WriteAtomic(path, []byte(data)); err != nil {
			t.Fatal(err)
		}
		got, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if string(got) != data {
			t.Errorf("read %q, want %q", got, data)
		}
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if perm := fi.Mode().Perm(); perm&0o044 != 0o044 {
		t.Errorf("mode %v: not readable by others", perm)
	}
	entries, _ := os.ReadDir(filepath.Dir(path))
	if len(entries) != 1 {
		t.Errorf("directory holds %d entries, want only the file: %v", len(entries), entries)
	}
}

func TestWriteAtomicError(t *testing.T) {
	dir := t.TempDir()
	// The target is a directory: the rename fails after the temporary file was
	// written, which must then be gone and the target untouched.
	target := filepath.Join(dir, "TEST-x.xml")
	if err := os.Mkdir(target, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := WriteAtomic(target, []byte("<testsuite/>")); err == nil {
		t.Fatal("WriteAtomic over a directory succeeded")
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 || entries[0].Name() != "TEST-x.xml" || !entries[0].IsDir() {
		t.Errorf("left behind: %v", entries)
	}
}
