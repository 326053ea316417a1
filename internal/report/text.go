package report

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/jenkins-paratest/jenkins-paratest/internal/result"
)

// Clean removes ANSI escape sequences and the characters XML 1.0 forbids (control
// characters other than \t, \n and \r; U+FFFE and U+FFFF), and turns bytes that are
// not UTF-8 into U+FFFD. One such byte makes Jenkins reject a whole JUnit file, and
// encoding/xml only escapes or replaces them, leaving "[31m" debris behind.
func Clean(s string) string {
	if isClean(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); {
		if s[i] == 0x1b {
			i += escapeLen(s[i:])
			continue
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && n == 1:
			b.WriteRune(utf8.RuneError)
		case xmlChar(r):
			b.WriteString(s[i : i+n])
		}
		i += n
	}
	return b.String()
}

func isClean(s string) bool {
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		if r == 0x1b || !xmlChar(r) || (r == utf8.RuneError && n == 1) {
			return false
		}
		i += n
	}
	return true
}

// xmlChar reports whether r is a Char of XML 1.0.
func xmlChar(r rune) bool {
	switch {
	case r == '\t' || r == '\n' || r == '\r':
		return true
	case r < 0x20:
		return false
	case r <= 0xd7ff:
		return true
	case r < 0xe000:
		return false
	case r <= 0xfffd:
		return true
	default:
		return r >= 0x10000 && r <= utf8.MaxRune
	}
}

// escapeLen is the length of the escape sequence at the start of s, which begins
// with ESC (ECMA-48: CSI, the OSC/DCS family of strings, and short escapes). For
// anything it does not recognise it drops the ESC alone and keeps the text.
func escapeLen(s string) int {
	if len(s) < 2 {
		return 1
	}
	switch c := s[1]; {
	case c == '[': // CSI: parameter and intermediate bytes, then one final byte
		i := 2
		for i < len(s) && s[i] >= 0x20 && s[i] <= 0x3f {
			i++
		}
		if i < len(s) && s[i] >= 0x40 && s[i] <= 0x7e {
			i++
		}
		return i
	case c == ']' || c == 'P' || c == 'X' || c == '^' || c == '_':
		// A string ended by BEL or ST (ESC \), such as an OSC 8 hyperlink. Strings do
		// not span lines in test output, so an unended one must not swallow the rest.
		for i := 2; i < len(s) && s[i] != '\n'; i++ {
			if s[i] == 0x07 {
				return i + 1
			}
			if s[i] == 0x1b && i+1 < len(s) && s[i+1] == '\\' {
				return i + 2
			}
		}
		return 2
	case c >= 0x20 && c <= 0x2f: // nF: intermediate bytes, then one final byte
		i := 2
		for i < len(s) && s[i] >= 0x20 && s[i] <= 0x2f {
			i++
		}
		if i < len(s) && s[i] >= 0x30 && s[i] <= 0x7e {
			i++
		}
		return i
	case c >= 0x30 && c <= 0x7e: // a two-byte escape: ESC 7, ESC c, ESC M…
		return 2
	}
	return 1
}

// Bound keeps the first and the last half bytes of s and puts a line
// "… N bytes cut …" in between, cutting on rune boundaries. Jenkins trims stored
// output the same way (by characters, of which a UTF-8 string has no more than
// bytes), so output bounded here is shown whole.
func Bound(s string, half int) string {
	if half < 0 {
		half = 0
	}
	if len(s) <= 2*half {
		return s
	}
	h := half
	for h > 0 && !utf8.RuneStart(s[h]) {
		h--
	}
	t := len(s) - half
	for t < len(s) && !utf8.RuneStart(s[t]) {
		t++
	}
	var b strings.Builder
	b.Grow(h + len(s) - t + 32)
	b.WriteString(s[:h])
	if h > 0 && s[h-1] != '\n' {
		b.WriteByte('\n')
	}
	b.WriteString(cutLine(int64(t - h)))
	b.WriteString(s[t:])
	return b.String()
}

// cutLine is the line Bound and WriteExcerpt put where they cut n bytes.
func cutLine(n int64) string { return fmt.Sprintf("… %d bytes cut …\n", n) }

// SafeName maps every character outside [A-Za-z0-9._-] to '_', so that a suite,
// host or worker name can be part of a file name on any system.
func SafeName(s string) string {
	if s == "" {
		return "_"
	}
	return strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9',
			r == '.', r == '_', r == '-':
			return r
		}
		return '_'
	}, s)
}

// Where names the place an attempt ran, "worker w3 on local", or "" when unknown.
func Where(a result.Attempt) string {
	switch {
	case a.Worker != "" && a.Host != "":
		return "worker " + a.Worker + " on " + a.Host
	case a.Worker != "":
		return "worker " + a.Worker
	case a.Host != "":
		return "host " + a.Host
	}
	return ""
}

// Place names an attempt by round and place, "round 1, worker w3 on local", the way
// messages and summaries start.
func Place(a result.Attempt) string {
	var parts []string
	if a.Round > 0 {
		parts = append(parts, fmt.Sprintf("round %d", a.Round))
	}
	if w := Where(a); w != "" {
		parts = append(parts, w)
	}
	return strings.Join(parts, ", ")
}
