package report

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
)

// tempPrefix is the name prefix of WriteAtomic's temporary file for base: hidden, and
// not ending in .xml, so neither Jenkins' junit glob nor a user sees it.
func tempPrefix(base string) string { return "." + base + ".tmp-" }

// WriteAtomic writes data to path through a temporary file in the same directory and a
// rename, so a reader (Jenkins' junit step, a pipeline's readFile) sees the old file
// or the whole new one, never a partial or empty one. It creates the directory if
// needed and leaves no temporary file behind on error.
func WriteAtomic(path string, data []byte) error {
	return WriteAtomicFunc(path, func(w io.Writer) error {
		_, err := w.Write(data)
		return err
	})
}

// WriteAtomicFunc is WriteAtomic of what write writes to the file (unbuffered:
// a writer of many small pieces brings its own bufio.Writer), so that a large
// report goes to its file as it is made, never whole in memory.
func WriteAtomicFunc(path string, write func(w io.Writer) error) (err error) {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	f, err := os.CreateTemp(dir, tempPrefix(filepath.Base(path))+"*")
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	tmp := f.Name()
	defer func() {
		if err != nil {
			f.Close() // already closed on the rename path; the error is of no use
			os.Remove(tmp)
			err = fmt.Errorf("write %s: %w", path, err)
		}
	}()
	if err = write(f); err != nil {
		return err
	}
	// CreateTemp makes the file 0600; reports are read by people and other tools.
	if err = f.Chmod(0o644); err != nil {
		return err
	}
	// Without a sync, a crash right after the rename can leave a 0-byte file, which
	// Jenkins records as a failed test.
	if err = f.Sync(); err != nil {
		return err
	}
	if err = f.Close(); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}
