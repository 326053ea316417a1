// Package suggest finds the "did you mean" for a misspelt key in paratest.yml or
// a build matrix.
package suggest

import "strings"

// Closest returns the key of known closest to name, or "" when none is close
// enough to be a typo: dashes for underscores, a swapped, missing or extra letter
// or two.
func Closest(name string, known []string) string {
	norm := strings.ReplaceAll(strings.ToLower(name), "-", "_")
	best, bestDist := "", len(norm)+1
	for _, k := range known {
		if d := distance(norm, k); d < bestDist {
			best, bestDist = k, d
		}
	}
	// Short keys are two edits from many unrelated words ("pool" from "port"):
	// allow about one edit per three letters.
	if bestDist > 2 || 3*bestDist > len(norm)+1 {
		return ""
	}
	return best
}

// distance is the optimal string alignment distance between a and b: the
// Levenshtein distance where swapping two neighbours counts as one edit.
func distance(a, b string) int {
	if len(a) > 64 { // no key is that long; spare the quadratic table
		return len(a)
	}
	d := make([][]int, len(a)+1)
	for i := range d {
		d[i] = make([]int, len(b)+1)
		d[i][0] = i
	}
	for j := range d[0] {
		d[0][j] = j
	}
	for i := 1; i <= len(a); i++ {
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			d[i][j] = min(d[i-1][j]+1, d[i][j-1]+1, d[i-1][j-1]+cost)
			if i > 1 && j > 1 && a[i-1] == b[j-2] && a[i-2] == b[j-1] {
				d[i][j] = min(d[i][j], d[i-2][j-2]+1)
			}
		}
	}
	return d[len(a)][len(b)]
}
