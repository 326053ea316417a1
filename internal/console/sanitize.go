package console

import "strings"

// Text from tests is cleaned as little as keeps the log line-based and free of
// terminal control: line breaks are \n, \r\n or a lone \r (a progress bar becomes
// several lines rather than one overwritten line), and escape sequences are
// removed, except SGR colour when colour is on. Other bytes pass through.

// splitLines splits s at \n, \r\n and \r. A final line break ends the last line
// rather than starting an empty one; "" has no lines.
func splitLines(s string) []string {
	var lines []string
	for s != "" {
		i := strings.IndexAny(s, "\r\n")
		if i < 0 {
			lines = append(lines, s)
			break
		}
		lines = append(lines, s[:i])
		if s[i] == '\r' && i+1 < len(s) && s[i+1] == '\n' {
			i++
		}
		s = s[i+1:]
	}
	return lines
}

// oneLine makes s fit on one line: its lines joined with spaces, escapes removed.
func oneLine(s string) string {
	if !strings.ContainsAny(s, "\r\n\x1b") {
		return s
	}
	return stripEscapes(strings.Join(splitLines(s), " "))
}

// stripEscapes removes every escape sequence from a line.
func stripEscapes(s string) string {
	if strings.IndexByte(s, 0x1b) < 0 {
		return s
	}
	var b strings.Builder
	for s != "" {
		i := strings.IndexByte(s, 0x1b)
		if i < 0 {
			b.WriteString(s)
			break
		}
		b.WriteString(s[:i])
		s = s[i+escapeLen(s[i:]):]
	}
	return b.String()
}

// outputLine cleans one line of test output: with colour, SGR sequences stay and a
// reset ends the line, so a test's colour never bleeds into the console's lines;
// without colour, or for any other sequence, escapes are removed.
func outputLine(s string, color bool) string {
	if !color {
		return stripEscapes(s)
	}
	if strings.IndexByte(s, 0x1b) < 0 {
		return s
	}
	var b strings.Builder
	kept := false
	for s != "" {
		i := strings.IndexByte(s, 0x1b)
		if i < 0 {
			b.WriteString(s)
			break
		}
		b.WriteString(s[:i])
		n := escapeLen(s[i:])
		if isSGR(s[i : i+n]) {
			b.WriteString(s[i : i+n])
			kept = true
		}
		s = s[i+n:]
	}
	if kept {
		b.WriteString(sgrReset)
	}
	return b.String()
}

// isSGR reports whether the escape sequence e is a CSI "Select Graphic Rendition":
// ESC [, digits and semicolons, m.
func isSGR(e string) bool {
	if len(e) < 3 || e[1] != '[' || e[len(e)-1] != 'm' {
		return false
	}
	for i := 2; i < len(e)-1; i++ {
		if c := e[i]; (c < '0' || c > '9') && c != ';' {
			return false
		}
	}
	return true
}

// escapeLen is the length of the escape sequence at the start of s, which begins
// with ESC (ECMA-48): CSI, the string controls OSC, DCS, SOS, PM and APC, and
// short escapes. A sequence cut off by the end of the line runs to its end.
func escapeLen(s string) int {
	if len(s) < 2 {
		return len(s)
	}
	switch c := s[1]; {
	case c == '[': // CSI: parameter bytes, intermediate bytes, one final byte
		i := 2
		for i < len(s) && s[i] >= 0x20 && s[i] <= 0x3f {
			i++
		}
		if i < len(s) && s[i] >= 0x40 && s[i] <= 0x7e {
			i++
		}
		return i
	case c == ']' || c == 'P' || c == 'X' || c == '^' || c == '_':
		// A control string, ended by BEL (OSC, in practice) or ST (ESC \).
		for i := 2; i < len(s); i++ {
			if s[i] == 0x07 {
				return i + 1
			}
			if s[i] == 0x1b && i+1 < len(s) && s[i+1] == '\\' {
				return i + 2
			}
		}
		return len(s)
	default: // intermediate bytes, then one final byte
		i := 1
		for i < len(s) && s[i] >= 0x20 && s[i] <= 0x2f {
			i++
		}
		if i < len(s) && s[i] >= 0x30 && s[i] <= 0x7e {
			i++
		}
		return i
	}
}
