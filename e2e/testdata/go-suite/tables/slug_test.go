package tables

import (
	"fmt"
	"testing"
)

// slugCases are named the way real tables are: with spaces (go test turns
// them into _), brackets, quotes, slashes (which nest), non-ASCII, and a
// duplicate (go test numbers it #01).
var slugCases = []struct {
	name, in, want string
}{
	{"simple", "Hello", "hello"},
	{"two words", "Hello World", "hello-world"},
	{"three  spaced   words", "a  b   c", "a-b-c"},
	{"[brackets]", "[x] y", "x-y"},
	{"(parens) and {braces}", "(a) {b}", "a-b"},
	{`"double quotes"`, `"q"`, "q"},
	{"'single quotes'", "'q'", "q"},
	{"back`tick", "a`b", "a-b"},
	{"path/like/name", "a/b", "a-b"},
	{"ünïcödé", "Ünïcödé", "ünïcödé"},
	{"日本語 タイトル", "日本語 タイトル", "日本語-タイトル"},
	{"emoji 🚀 rocket", "🚀 go", "go"},
	{"ελληνικά", "Αλφα Βήτα", "αλφα-βήτα"},
	{"dots.in.name", "a.b.c", "a-b-c"},
	{"colon: yes", "a:b", "a-b"},
	{"comma, too", "a,b", "a-b"},
	{"dollar $HOME", "$HOME", "home"},
	{"star *", "a*b", "a-b"},
	{"question ?", "a?b", "a-b"},
	{"pipe | and & amp", "a|b&c", "a-b-c"},
	{"semicolon; rm -rf", "a;b", "a-b"},
	{"hash #1", "#1", "1"},
	{"percent 100%", "100%", "100"},
	{"backslash \\ here", `a\b`, "a-b"},
	{"tab\there", "a\tb", "a-b"},
	{"duplicate", "x", "x"},
	{"duplicate", "y", "y"},
	{"digits 123", "123 456", "123-456"},
	{"leading space", " x", "x"},
	{"trailing space ", "x ", "x"},
	{"wrong on purpose", "Hello World", "hello_world"},
	{"[wrong] with \"quotes\"", "a b", "a b"},
	{"empty", "", ""},
	{"only punctuation", "!!!", ""},
	{"mixed Case", "MiXeD", "mixed"},
	{"long title", "The Quick Brown Fox Jumps Over The Lazy Dog", "the-quick-brown-fox-jumps-over-the-lazy-dog"},
}

func TestSlug(t *testing.T) {
	for _, tc := range slugCases {
		t.Run(tc.name, func(t *testing.T) {
			if got := Slug(tc.in); got != tc.want {
				t.Errorf("Slug(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}

// TestSlugParallel runs the same table with parallel subtests, whose output
// interleaves under "=== NAME" lines.
func TestSlugParallel(t *testing.T) {
	for _, tc := range slugCases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if got := Slug(tc.in); got != tc.want {
				t.Errorf("Slug(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}

// TestSlugFatal stops a subtest with t.Fatal; its siblings still run.
func TestSlugFatal(t *testing.T) {
	for i, in := range []string{"a b", "c d", "stop here", "e f", "g h"} {
		t.Run(fmt.Sprintf("case %d [%s]", i, in), func(t *testing.T) {
			if in == "stop here" {
				t.Fatalf("cannot slug %q: fatal on purpose", in)
			}
			if Slug(in) == "" {
				t.Error("empty slug")
			}
		})
	}
}

// TestSlugSkips skips some of its subtests; the parent passes.
func TestSlugSkips(t *testing.T) {
	for _, lang := range []string{"en", "de", "fr (not yet)", "ja", "zh (not yet)"} {
		t.Run("lang="+lang, func(t *testing.T) {
			if len(lang) > 2 {
				t.Skipf("no stop words for %s", lang)
			}
		})
	}
}

// TestSlugAllSkipped is skipped before its subtests run.
func TestSlugAllSkipped(t *testing.T) {
	t.Skip("skipped: slug transliteration is not built")
	t.Run("never", func(t *testing.T) {})
}

// TestNested has subtests of subtests.
func TestNested(t *testing.T) {
	for _, outer := range []string{"outer 1", "outer [2]"} {
		t.Run(outer, func(t *testing.T) {
			for _, inner := range []string{"inner a", "inner \"b\"", "inner ü"} {
				t.Run(inner, func(t *testing.T) {
					if outer == "outer [2]" && inner == "inner ü" {
						t.Error("nested failure on purpose")
					}
				})
			}
		})
	}
}
