package verdict

import (
	"fmt"
	"unicode/utf8"
)

// Bound returns s when it is at most max bytes long. Otherwise it keeps the head and
// the tail of s — the start of a log says what ran, its end how it ended — around a
// marker line "… N bytes cut …", in at most max+len(marker) bytes. It cuts on rune
// boundaries, so valid UTF-8 stays valid.
func Bound(s string, max int) string {
	if len(s) <= max {
		return s
	}
	if max < 0 {
		max = 0
	}
	head := max / 2
	for head > 0 && !utf8.RuneStart(s[head]) {
		head--
	}
	tail := len(s) - (max - max/2)
	for tail < len(s) && !utf8.RuneStart(s[tail]) {
		tail++
	}
	return s[:head] + fmt.Sprintf("\n… %d bytes cut …\n", tail-head) + s[tail:]
}
