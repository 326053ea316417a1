// Package textutil contains string helpers: slugs, wrapping, edit distance
// and a tiny inverted index.
package textutil

import (
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// WordCount counts whitespace-separated words.
func WordCount(s string) int { return len(strings.Fields(s)) }

// Reverse reverses s rune by rune.
func Reverse(s string) string {
	r := []rune(s)
	slices.Reverse(r)
	return string(r)
}

// Slugify lower-cases s and joins its alphanumeric runs with '-'.
func Slugify(s string) string {
	var b strings.Builder
	pendingDash := false
	for _, r := range strings.ToLower(s) {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			if pendingDash && b.Len() > 0 {
				b.WriteByte('-')
			}
			b.WriteRune(r)
			pendingDash = false
		} else {
			pendingDash = true
		}
	}
	return b.String()
}

// Wrap breaks s into lines of at most width runes, at word boundaries.
// Words longer than width get a line of their own.
func Wrap(s string, width int) []string {
	var lines []string
	var cur strings.Builder
	for _, w := range strings.Fields(s) {
		if cur.Len() > 0 && utf8.RuneCountInString(cur.String())+1+utf8.RuneCountInString(w) > width {
			lines = append(lines, cur.String())
			cur.Reset()
		}
		if cur.Len() > 0 {
			cur.WriteByte(' ')
		}
		cur.WriteString(w)
	}
	if cur.Len() > 0 {
		lines = append(lines, cur.String())
	}
	return lines
}

// Truncate shortens s to at most n runes, ending with "…" when cut.
func Truncate(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	if n <= 0 {
		return ""
	}
	r := []rune(s)
	return string(r[:n-1]) + "…"
}

// NormalizeSpace collapses runs of whitespace into single spaces and trims.
func NormalizeSpace(s string) string { return strings.Join(strings.Fields(s), " ") }

// TitleCase upper-cases the first letter of every word.
func TitleCase(s string) string {
	words := strings.Fields(s)
	for i, w := range words {
		r, size := utf8.DecodeRuneInString(w)
		words[i] = string(unicode.ToUpper(r)) + strings.ToLower(w[size:])
	}
	return strings.Join(words, " ")
}

// Levenshtein returns the edit distance between a and b (in runes).
func Levenshtein(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(rb)]
}

// Index is an inverted index from lower-cased words to document ids.
type Index map[string][]int

// BuildIndex indexes docs; ids are positions in docs.
func BuildIndex(docs []string) Index {
	idx := Index{}
	for id, d := range docs {
		seen := map[string]bool{}
		for _, w := range strings.FieldsFunc(strings.ToLower(d), func(r rune) bool {
			return !unicode.IsLetter(r) && !unicode.IsDigit(r)
		}) {
			if !seen[w] {
				seen[w] = true
				idx[w] = append(idx[w], id)
			}
		}
	}
	return idx
}

// Lookup returns the ids of documents containing every word of query.
func (idx Index) Lookup(query string) []int {
	var out []int
	for i, w := range strings.Fields(strings.ToLower(query)) {
		ids := idx[w]
		if i == 0 {
			out = slices.Clone(ids)
			continue
		}
		out = slices.DeleteFunc(out, func(id int) bool { return !slices.Contains(ids, id) })
	}
	return out
}
