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
	if !strings.ContainsAny(s, "\r\n") {
		return stripEscapes(s)
	}
	return stripEscapes(strings.Join(splitLines(s), " "))
}

// stripEscapes removes every escape sequence from a line, and every other
// control character but tab: BEL, backspace, DEL, the C1 controls (U+0080 to
// U+009F: a lone CSI is one) and bytes that are not UTF-8, which a terminal
// may read as C1 controls.
func stripEscapes(s string) string {
	s = c1Escapes.Replace(s)
	if strings.IndexByte(s, 0x1b) >= 0 {
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
		s = b.String()
	}
	return stripControls(s)
}

// c1Escapes spells the 8-bit CSI and control-string introducers with ESC, so
// that their whole sequences go, not only the introducer.
var c1Escapes = strings.NewReplacer("\u009b", "\x1b[", "\u009d", "\x1b]", "\u0090", "\x1bP", "\u0098", "\x1bX", "\u009e", "\x1b^", "\u009f", "\x1b_")

// stripControls removes the control characters of s but tab, and replaces
// bytes that are not UTF-8 with U+FFFD.
func stripControls(s string) string {
	clean := true
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 && c != '\t' || c == 0x7f || c >= 0x80 {
			clean = false
			break
		}
	}
	if clean {
		return s
	}
	return strings.Map(func(r rune) rune {
		switch {
		case r == '\t':
			return r
		case r < 0x20, r == 0x7f, r >= 0x80 && r <= 0x9f:
			return -1
		}
		return r
	}, strings.ToValidUTF8(s, "\uFFFD"))
}

// Plain is s with every escape sequence and control character removed but
// tabs and line breaks: text from a container, safe to print on a terminal or
// in Jenkins' console.
func Plain(s string) string {
	lines := strings.SplitAfter(s, "\n")
	for i, l := range lines {
		body, nl := strings.CutSuffix(l, "\n")
		lines[i] = stripEscapes(strings.TrimSuffix(body, "\r"))
		if nl {
			lines[i] += "\n"
		}
	}
	return strings.Join(lines, "")
}

// outputLine cleans one line of test output: with colour, SGR sequences stay and a
// reset ends the line, so a test's colour never bleeds into the console's lines;
// without colour, or for any other sequence, escapes are removed.
func outputLine(s string, color bool) string {
	if !color {
		return stripEscapes(s)
	}
	s = c1Escapes.Replace(s)
	if strings.IndexByte(s, 0x1b) < 0 {
		return stripControls(s)
	}
	var b strings.Builder
	kept := false
	for s != "" {
		i := strings.IndexByte(s, 0x1b)
		if i < 0 {
			b.WriteString(stripControls(s))
			break
		}
		b.WriteString(stripControls(s[:i]))
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
