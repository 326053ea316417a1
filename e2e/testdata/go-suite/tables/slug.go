// Package tables turns titles into URL slugs, for the parity suite's
// table-driven tests.
package tables

import (
	"strings"
	"unicode"
)

// Slug lower-cases s and joins its words with dashes.
func Slug(s string) string {
	var words []string
	for _, w := range strings.FieldsFunc(s, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) }) {
		words = append(words, strings.ToLower(w))
	}
	return strings.Join(words, "-")
}
