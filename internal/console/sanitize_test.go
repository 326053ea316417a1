package console

import "testing"

// What a container prints reaches the console with no control of the
// terminal left in it: an OSC title, a clear-screen, BEL, backspace, a C1 CSI
// (U+009B) and bytes that are not UTF-8; tabs stay, and so does SGR colour
// when colour is on.
func TestControlBytesAreStripped(t *testing.T) {
	in := "a\x1b]0;pwned\x07b\x1b[2J\x1b[Hc\x07d\x08e\u009b2Jf\x9bg\x7fh\ti\x1b[31mj"
	if got, want := outputLine(in, false), "abcdef\uFFFDgh\tij"; got != want {
		t.Errorf("without colour: %q, want %q", got, want)
	}
	if got, want := outputLine(in, true), "abcdef\uFFFDgh\ti\x1b[31mj"+sgrReset; got != want {
		t.Errorf("with colour: %q, want %q", got, want)
	}
	if got, want := oneLine("x\x07y"), "xy"; got != want {
		t.Errorf("oneLine: %q, want %q", got, want)
	}
	if got, want := Plain("one\x1b]2;t\x07\r\ntwo\x07\n"), "one\ntwo\n"; got != want {
		t.Errorf("Plain: %q, want %q", got, want)
	}
}
