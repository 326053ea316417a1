package tables

import (
	"fmt"
	"testing"
)

// TestSlugWords is a generated table: 40 passing subtests.
func TestSlugWords(t *testing.T) {
	for i := range 40 {
		in := fmt.Sprintf("Word %d Of %d", i, 40)
		t.Run(fmt.Sprintf("word %02d", i), func(t *testing.T) {
			want := fmt.Sprintf("word-%d-of-40", i)
			if got := Slug(in); got != want {
				t.Errorf("Slug(%q) = %q, want %q", in, got, want)
			}
		})
	}
}

// TestSlugLog logs from the parent and its subtests.
func TestSlugLog(t *testing.T) {
	t.Log("parent log line")
	t.Run("child", func(t *testing.T) {
		t.Log("child log line")
	})
	fmt.Println("printed to stdout by the parent")
}
