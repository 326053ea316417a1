package textutil

import (
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"
	"time"
)

// lockPath is shared with the store package's lock test on purpose: index
// builds and store writes take the same host-wide lock.
const lockPath = "/tmp/gosuite.lock"

// TestIndexBuildLock takes /tmp/gosuite.lock (O_CREATE|O_EXCL) for ~500 ms
// while it builds an index, as the real indexer does.
func TestIndexBuildLock(t *testing.T) {
	f, err := os.OpenFile(lockPath, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o644)
	if errors.Is(err, os.ErrExist) {
		t.Fatalf("another process holds %s", lockPath)
	}
	if err != nil {
		t.Fatalf("create lock: %v", err)
	}
	fmt.Fprintf(f, "%d\n", os.Getpid())
	f.Close()
	defer func() {
		if err := os.Remove(lockPath); err != nil {
			t.Errorf("remove lock: %v", err)
		}
	}()

	docs := []string{"The quick brown fox", "A quick test", "Brown bread, brown fox!"}
	idx := BuildIndex(docs)
	time.Sleep(500 * time.Millisecond) // hold the lock while "flushing" the index
	if got := idx.Lookup("brown fox"); !slices.Equal(got, []int{0, 2}) {
		t.Fatalf(`Lookup("brown fox") = %v, want [0 2]`, got)
	}
}

func TestWordCount(t *testing.T) {
	tests := map[string]int{
		"":                      0,
		"one":                   1,
		"  two  words ":         2,
		"tabs\tand\nnewlines x": 4,
	}
	for in, want := range tests {
		if got := WordCount(in); got != want {
			t.Errorf("WordCount(%q) = %d, want %d", in, got, want)
		}
	}
	time.Sleep(10 * time.Millisecond)
}

func TestReverse(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", ""},
		{"abc", "cba"},
		{"héllo", "olléh"},
		{"日本語", "語本日"},
	}
	for _, tc := range tests {
		if got := Reverse(tc.in); got != tc.want {
			t.Errorf("Reverse(%q) = %q, want %q", tc.in, got, tc.want)
		}
		if got := Reverse(Reverse(tc.in)); got != tc.in {
			t.Errorf("Reverse(Reverse(%q)) = %q", tc.in, got)
		}
	}
	time.Sleep(20 * time.Millisecond)
}

func TestSlugify(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"simple", "Hello World", "hello-world"},
		{"punctuation", "Go 1.26: What's new?", "go-1-26-what-s-new"},
		{"leading junk", "  --Release Notes--  ", "release-notes"},
		{"unicode", "Crème Brûlée", "crème-brûlée"},
		{"empty", "!!!", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := Slugify(tc.in); got != tc.want {
				t.Errorf("Slugify(%q) = %q, want %q", tc.in, got, tc.want)
			}
			time.Sleep(15 * time.Millisecond)
		})
	}
}

func TestWrap(t *testing.T) {
	text := "the quick brown fox jumps over the lazy dog"
	got := Wrap(text, 12)
	want := []string{"the quick", "brown fox", "jumps over", "the lazy dog"}
	if !slices.Equal(got, want) {
		t.Fatalf("Wrap(%q, 12) = %q, want %q", text, got, want)
	}
	if got := Wrap("supercalifragilistic word", 5); got[0] != "supercalifragilistic" {
		t.Fatalf("long word not kept whole: %q", got)
	}
	time.Sleep(45 * time.Millisecond)
}

func TestTruncate(t *testing.T) {
	tests := []struct {
		in   string
		n    int
		want string
	}{
		{"short", 10, "short"},
		{"exactly", 7, "exactly"},
		{"truncated text", 6, "trunc…"},
		{"日本語テキスト", 4, "日本語…"},
		{"anything", 0, ""},
	}
	for _, tc := range tests {
		if got := Truncate(tc.in, tc.n); got != tc.want {
			t.Errorf("Truncate(%q, %d) = %q, want %q", tc.in, tc.n, got, tc.want)
		}
	}
	time.Sleep(10 * time.Millisecond)
}

func TestNormalizeSpace(t *testing.T) {
	if got := NormalizeSpace("  a \t b\n\n c  "); got != "a b c" {
		t.Fatalf("NormalizeSpace = %q, want %q", got, "a b c")
	}
	time.Sleep(15 * time.Millisecond)
}

func TestTitleCase(t *testing.T) {
	tests := []struct{ in, want string }{
		{"hello world", "Hello World"},
		{"ÉCOLE normale", "École Normale"},
		{"  spaced   out ", "Spaced Out"},
	}
	for _, tc := range tests {
		if got := TitleCase(tc.in); got != tc.want {
			t.Errorf("TitleCase(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
	time.Sleep(30 * time.Millisecond)
}

func TestLevenshtein(t *testing.T) {
	tests := []struct {
		a, b string
		want int
	}{
		{"", "", 0},
		{"kitten", "sitting", 3},
		{"flaw", "lawn", 2},
		{"gumbo", "gambol", 2},
		{"日本", "日本語", 1},
	}
	for _, tc := range tests {
		t.Run(tc.a+"/"+tc.b, func(t *testing.T) {
			if got := Levenshtein(tc.a, tc.b); got != tc.want {
				t.Errorf("Levenshtein(%q, %q) = %d, want %d", tc.a, tc.b, got, tc.want)
			}
			if got := Levenshtein(tc.b, tc.a); got != tc.want {
				t.Errorf("Levenshtein is not symmetric for %q/%q: %d", tc.a, tc.b, got)
			}
		})
	}
	time.Sleep(25 * time.Millisecond)
}

// TestIndexLargeCorpus does real work: it indexes ~20k synthetic documents
// and checks a few lookups (~200-300 ms).
func TestIndexLargeCorpus(t *testing.T) {
	words := strings.Fields("alpha bravo charlie delta echo foxtrot golf hotel india juliet kilo lima mike november oscar papa")
	docs := make([]string, 20000)
	for i := range docs {
		var b strings.Builder
		for j := range 12 {
			b.WriteString(words[(i*7+j*j)%len(words)])
			b.WriteByte(' ')
		}
		docs[i] = b.String()
	}
	idx := BuildIndex(docs)
	if len(idx) != len(words) {
		t.Fatalf("index has %d terms, want %d", len(idx), len(words))
	}
	hits := idx.Lookup("alpha papa")
	if len(hits) == 0 {
		t.Fatal(`Lookup("alpha papa") found nothing`)
	}
	for _, id := range hits[:min(len(hits), 50)] {
		if !strings.Contains(docs[id], "alpha") || !strings.Contains(docs[id], "papa") {
			t.Fatalf("doc %d = %q does not contain both terms", id, docs[id])
		}
	}
	time.Sleep(150 * time.Millisecond)
}
