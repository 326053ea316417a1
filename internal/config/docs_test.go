package config

import (
	"os"
	"strings"
	"testing"
)

// TestDocs keeps docs/config.md in step with the keys: each is documented with its
// flag and its environment variable.
func TestDocs(t *testing.T) {
	t.Parallel()
	data, err := os.ReadFile("../../docs/config.md")
	if err != nil {
		t.Fatal(err)
	}
	doc := string(data)
	for _, key := range Keys() {
		for _, want := range []string{"### `" + key + "`", "`" + flagName(key), "`" + envName(key) + "`"} {
			if !strings.Contains(doc, want) {
				t.Errorf("docs/config.md does not mention %s", want)
			}
		}
	}
}
