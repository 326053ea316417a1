package report

import (
	"errors"
	"fmt"
	"io"
	"os"
	"unicode/utf8"
)

// MaxExcerpt bounds an excerpt file. junit-attachments copies each linked file
// into the build once per test class that links it, so an excerpt, not a whole
// worker log (up to 256 MiB), is what a failing class costs Jenkins' disk.
const MaxExcerpt = 1 << 20

// WriteExcerpt writes bytes [start, end) of the worker log at log — the part one
// batch wrote — to path, atomically, after claiming path in the manifest so
// that the next run's Reset removes it. The file starts with header (one line
// saying what it is an excerpt of); a part longer than MaxExcerpt keeps its
// first and last halves with a line saying how much is cut between them. ANSI
// escapes and characters XML forbids go (Clean): the file is read in a browser.
// It returns false, writing nothing, when the log holds none of the part (it
// stopped at its limit, or its disk filled up).
func (l Layout) WriteExcerpt(path, log string, start, end int64, header string) (bool, error) {
	f, err := os.Open(log)
	if err != nil {
		return false, fmt.Errorf("excerpt of %s: %w", log, err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return false, fmt.Errorf("excerpt of %s: %w", log, err)
	}
	start, end = max(start, 0), min(end, fi.Size())
	if end <= start {
		return false, nil
	}
	body, err := readBounded(f, start, end, MaxExcerpt/2)
	if err != nil {
		return false, fmt.Errorf("excerpt of %s: %w", log, err)
	}
	if err := l.Claim(path); err != nil {
		return false, err
	}
	return true, WriteAtomic(path, []byte(Clean(header+"\n"+body)))
}

// readBounded reads [start, end) of r, or, when that is more than 2*half bytes,
// its first and last half bytes (cut on rune boundaries) with cutLine between.
func readBounded(r io.ReaderAt, start, end int64, half int64) (string, error) {
	read := func(off, n int64) ([]byte, error) {
		b := make([]byte, n)
		_, err := r.ReadAt(b, off)
		if errors.Is(err, io.EOF) {
			err = nil
		}
		return b, err
	}
	n := end - start
	if n <= 2*half {
		b, err := read(start, n)
		return string(b), err
	}
	head, err := read(start, half)
	if err != nil {
		return "", err
	}
	tail, err := read(end-half, half)
	if err != nil {
		return "", err
	}
	head = trimPartialRune(head)
	t := 0
	for t < len(tail) && !utf8.RuneStart(tail[t]) {
		t++
	}
	tail = tail[t:]
	s := string(head)
	if len(s) > 0 && s[len(s)-1] != '\n' {
		s += "\n"
	}
	return s + cutLine(n-int64(len(head)+len(tail))) + string(tail), nil
}

// trimPartialRune drops an incomplete UTF-8 sequence at the end of b.
func trimPartialRune(b []byte) []byte {
	for i := len(b) - 1; i >= 0 && i >= len(b)-utf8.UTFMax; i-- {
		if utf8.RuneStart(b[i]) {
			if !utf8.FullRune(b[i:]) {
				return b[:i]
			}
			break
		}
	}
	return b
}
