package verdict

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestBound(t *testing.T) {
	type testCase struct {
		name string
		s    string
		max  int
		want string
	}
	fn := func(t *testing.T, tc testCase) {
		got := Bound(tc.s, tc.max)
		if got != tc.want {
			t.Errorf("Bound(%q, %d) = %q, want %q", tc.s, tc.max, got, tc.want)
		}
		if utf8.ValidString(tc.s) && !utf8.ValidString(got) {
			t.Errorf("Bound(%q, %d) = %q: not valid UTF-8", tc.s, tc.max, got)
		}
	}
	for _, tc := range []testCase{
		{name: "short", s: "hello", max: 10, want: "hello"},
		{name: "exactly max", s: "0123456789", max: 10, want: "0123456789"},
		{name: "empty", s: "", max: 0, want: ""},
		{name: "head and tail", s: "0123456789", max: 4, want: "01\n… 6 bytes cut …\n89"},
		{name: "odd max gives the tail the extra byte", s: "0123456789", max: 5, want: "01\n… 5 bytes cut …\n789"},
		{name: "zero max keeps only the marker", s: "abc", max: 0, want: "\n… 3 bytes cut …\n"},
		{name: "negative max is zero", s: "abc", max: -1, want: "\n… 3 bytes cut …\n"},
		// "é" is 2 bytes, "€" 3, "𝄞" 4: cuts move into the kept part's side, never mid-rune.
		{name: "head cut before a 2-byte rune", s: "aéééé", max: 4, want: "a\n… 6 bytes cut …\né"},
		{name: "cuts around 3-byte runes", s: "€€€€€€", max: 8, want: "€\n… 12 bytes cut …\n€"},
		{name: "cuts around 4-byte runes", s: "𝄞𝄞𝄞𝄞", max: 10, want: "𝄞\n… 8 bytes cut …\n𝄞"},
		{name: "4-byte runes with room in the tail", s: "𝄞𝄞𝄞𝄞", max: 15, want: "𝄞\n… 4 bytes cut …\n𝄞𝄞"},
		{name: "too short for any rune", s: "𝄞𝄞", max: 3, want: "\n… 8 bytes cut …\n"},
	} {
		t.Run(tc.name, func(t *testing.T) { fn(t, tc) })
	}
}

func TestBoundStaysWithinMaxPlusMarker(t *testing.T) {
	s := strings.Repeat("ab€𝄞é\n", 10000) // 120,000 bytes
	for _, max := range []int{0, 1, 2, 3, 7, 100, 1023, MaxOutput} {
		got := Bound(s, max)
		head, rest, ok := strings.Cut(got, "\n… ")
		if !ok {
			t.Fatalf("Bound(s, %d): no marker", max)
		}
		_, tail, ok := strings.Cut(rest, " bytes cut …\n")
		if !ok {
			t.Fatalf("Bound(s, %d): marker not closed", max)
		}
		if n := len(head) + len(tail); n > max {
			t.Errorf("Bound(s, %d) kept %d bytes", max, n)
		}
		if !strings.HasPrefix(s, head) || !strings.HasSuffix(s, tail) {
			t.Errorf("Bound(s, %d) does not keep the head and the tail", max)
		}
		if !utf8.ValidString(got) {
			t.Errorf("Bound(s, %d) is not valid UTF-8", max)
		}
	}
}
