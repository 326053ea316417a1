// Package state holds a configuration that one test loads and a later one
// uses: the parity suite's order-dependent pair.
package state

import "strings"

// Config is loaded by TestLoadConfig and read by TestUsesConfig.
var Config map[string]string

// Load parses "k=v" lines.
func Load(text string) map[string]string {
	m := map[string]string{}
	for _, line := range strings.Split(text, "\n") {
		if k, v, ok := strings.Cut(line, "="); ok {
			m[strings.TrimSpace(k)] = strings.TrimSpace(v)
		}
	}
	return m
}
