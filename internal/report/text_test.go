package report

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/jenkins-paratest/jenkins-paratest/internal/result"
)

func TestClean(t *testing.T) {
	type testCase struct {
		name, in, want string
	}
	fn := func(t *testing.T, tc testCase) {
		if got := Clean(tc.in); got != tc.want {
			t.Errorf("Clean(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
	for _, tc := range []testCase{
		{"plain", "plain text\twith\r\nlines ünïcode 🙂", "plain text\twith\r\nlines ünïcode 🙂"},
		{"sgr", "\x1b[31mred\x1b[0m \x1b[1;38;5;196mbold\x1b[m", "red bold"},
		{"cursor and erase", "\x1b[2K\x1b[1Gprogress\x1b[?25h", "progress"},
		{"osc 8 link with BEL", "\x1b]8;;file:///a.go\x07a.go\x1b]8;;\x07", "a.go"},
		{"osc with ST", "\x1b]0;title\x1b\\text", "text"},
		{"unended osc keeps the line", "\x1b]0;title\nnext", "0;title\nnext"},
		{"short escapes", "\x1b7saved\x1b8 \x1b(Bcharset", "saved charset"},
		{"lone esc at end", "end\x1b", "end"},
		{"C0 controls", "a\x00b\x01c\x07d\x08e\x0bf\x0cg\x1fh", "abcdefgh"},
		{"noncharacters", "a\ufffeb\uffffc", "abc"},
		{"invalid utf-8", "a\xffb\xc3", "a\ufffdb\ufffd"},
		{"DEL and C1 are legal XML", "a\x7fb\u0085c", "a\x7fb\u0085c"},
	} {
		t.Run(tc.name, func(t *testing.T) { fn(t, tc) })
	}
}

func TestBound(t *testing.T) {
	type testCase struct {
		name string
		in   string
		half int
		want string
	}
	fn := func(t *testing.T, tc testCase) {
		got := Bound(tc.in, tc.half)
		if got != tc.want {
			t.Errorf("Bound(%q, %d) = %q, want %q", tc.in, tc.half, got, tc.want)
		}
		if !utf8.ValidString(got) {
			t.Errorf("Bound cut inside a rune: %q", got)
		}
	}
	for _, tc := range []testCase{
		{"short", "abcdef", 3, "abcdef"},
		{"cut", "aaaa\nbbbb\ncccc\n", 5, "aaaa\n… 5 bytes cut …\ncccc\n"},
		{"cut mid line", "abcdefghij", 2, "ab\n… 6 bytes cut …\nij"},
		// "é" is 2 bytes: the head backs off, the tail moves on, never splitting it.
		{"rune boundaries", "aéééb", 2, "a\n… 6 bytes cut …\nb"},
		{"zero", "abc", 0, "… 3 bytes cut …\n"},
	} {
		t.Run(tc.name, func(t *testing.T) { fn(t, tc) })
	}
}

func TestBoundSize(t *testing.T) {
	in := strings.Repeat("ü", 100_000) // 200,000 bytes
	got := Bound(in, 50_000)
	if n := utf8.RuneCountInString(got); n > 50_100 {
		t.Errorf("bounded to %d runes, want about 50,000", n)
	}
	if !strings.HasPrefix(got, strings.Repeat("ü", 25_000)) || !strings.HasSuffix(got, strings.Repeat("ü", 25_000)) {
		t.Error("head or tail lost")
	}
}

func TestSafeName(t *testing.T) {
	for in, want := range map[string]string{
		"example.com.app-pkg_1": "example.com.app-pkg_1",
		"a/b\\c:d e":            "a_b_c_d_e",
		"ünï":                   "_n_",
		"../x":                  ".._x",
		"":                      "_",
	} {
		if got := SafeName(in); got != want {
			t.Errorf("SafeName(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestPlace(t *testing.T) {
	for _, tc := range []struct {
		a           result.Attempt
		where, want string
	}{
		{result.Attempt{Round: 1, Worker: "w3", Host: "local"}, "worker w3 on local", "round 1, worker w3 on local"},
		{result.Attempt{Round: 2, Worker: "w3"}, "worker w3", "round 2, worker w3"},
		{result.Attempt{Host: "h"}, "host h", "host h"},
		{result.Attempt{}, "", ""},
	} {
		if got := Where(tc.a); got != tc.where {
			t.Errorf("Where(%+v) = %q, want %q", tc.a, got, tc.where)
		}
		if got := Place(tc.a); got != tc.want {
			t.Errorf("Place(%+v) = %q, want %q", tc.a, got, tc.want)
		}
	}
}
