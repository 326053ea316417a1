// Package listing reads the list of test ids a run is given and selects from it.
// An id is kept verbatim — spaces, quotes and shell metacharacters included — since
// it reaches the test command as an argument, never through a shell.
package listing

import (
	"bufio"
	"fmt"
	"io"
	"regexp"
	"strings"
)

// maxLine is the longest id Parse reads; anything longer is not a test id.
const maxLine = 1 << 20

// Parse reads test ids one per line: trims spaces and \r, skips blank lines and lines
// starting with '#'. A byte order mark at the start, as Windows editors write, is
// dropped.
func Parse(r io.Reader) ([]string, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64<<10), maxLine)
	var ids []string
	line := 0
	for sc.Scan() {
		line++
		text := sc.Text()
		if line == 1 {
			text = strings.TrimPrefix(text, "\uFEFF")
		}
		text = strings.TrimSpace(text)
		if text == "" || strings.HasPrefix(text, "#") {
			continue
		}
		ids = append(ids, text)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("read test list, line %d: %w", line+1, err)
	}
	return ids, nil
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
