// Package listing reads the list of test ids a run is given and selects from it.
// An id is kept verbatim — spaces, quotes and shell metacharacters included — since
// it reaches the test command as an argument, never through a shell.
package listing

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strings"
	"unicode/utf8"
)

// MaxID is the longest test id, in bytes: an id is an argument of the test
// command, and a few of them must fit in one argv.
const MaxID = 4096

// Check says what makes id no test id: a NUL byte (no argv can hold one),
// bytes that are not UTF-8 (the reports are XML), or more than MaxID bytes.
func Check(id string) error {
	switch {
	case strings.IndexByte(id, 0) >= 0:
		return errors.New("a test id holds a NUL byte")
	case !utf8.ValidString(id):
		return fmt.Errorf("a test id is not UTF-8: %q", truncate(id))
	case len(id) > MaxID:
		return fmt.Errorf("a test id of %d bytes, more than %d: %q", len(id), MaxID, truncate(id))
	}
	return nil
}

func truncate(id string) string {
	if len(id) <= 60 {
		return id
	}
	return strings.ToValidUTF8(id[:60], "") + "…"
}

// Parse reads test ids one per line: trims spaces and \r, skips blank lines and lines
// starting with '#'. A byte order mark at the start, as Windows editors write, is
// dropped. A line that is no test id (Check) is an error naming its number; a
// line of any length is read without holding more than MaxID bytes of it.
func Parse(r io.Reader) ([]string, error) {
	br := bufio.NewReaderSize(r, 64<<10)
	var ids []string
	for line := 1; ; line++ {
		text, long, err := readLine(br)
		if err != nil && !errors.Is(err, io.EOF) {
			return nil, fmt.Errorf("read test list, line %d: %w", line, err)
		}
		if long {
			return nil, fmt.Errorf("line %d: a test id of more than %d bytes", line, MaxID)
		}
		if line == 1 {
			text = strings.TrimPrefix(text, "\uFEFF")
		}
		text = strings.TrimSpace(text)
		if text != "" && !strings.HasPrefix(text, "#") {
			if cerr := Check(text); cerr != nil {
				return nil, fmt.Errorf("line %d: %w", line, cerr)
			}
			ids = append(ids, text)
		}
		if err != nil {
			return ids, nil
		}
	}
}

// readLine is the next line of br without its \n; long when it had more than
// MaxID bytes (and a little room for spaces), which are then skipped.
func readLine(br *bufio.Reader) (line string, long bool, err error) {
	var b []byte
	for {
		chunk, err := br.ReadSlice('\n')
		if !long {
			b = append(b, chunk...)
			long = len(b) > MaxID+1024
		}
		if errors.Is(err, bufio.ErrBufferFull) {
			continue
		}
		if long {
			b = nil
		}
		return strings.TrimSuffix(string(b), "\n"), long, err
	}
}

// Select keeps ids matching filter (nil = all) and not matching exclude (nil = none),
// removing duplicates, keeping first-seen order.
func Select(ids []string, filter, exclude *regexp.Regexp) []string {
	seen := make(map[string]bool, len(ids))
	var out []string
	for _, id := range ids {
		if seen[id] {
			continue
		}
		seen[id] = true
		if filter != nil && !filter.MatchString(id) {
			continue
		}
		if exclude != nil && exclude.MatchString(id) {
			continue
		}
		out = append(out, id)
	}
	return out
}
