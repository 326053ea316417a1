package config

import (
	"os"
	"path/filepath"
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
	for _, k := range keys {
		key := k.name
		wants := []string{"### `" + key + "`", "`" + flagName(key), "`" + envName(key) + "`"}
		if k.shape == structured {
			wants = []string{"### `" + key + "`"}
		}
		for _, want := range wants {
			if !strings.Contains(doc, want) {
				t.Errorf("docs/config.md does not mention %s", want)
			}
		}
	}
}

// TestReadmeConfigs loads every paratest.yml the README shows: a user copies
// them as they are.
func TestReadmeConfigs(t *testing.T) {
	t.Parallel()
	data, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	blocks := strings.Split(string(data), "```yaml\n")[1:]
	if len(blocks) < 5 {
		t.Fatalf("README shows %d paratest.yml examples, want the 4 presets and the generic one", len(blocks))
	}
	presets := map[string]bool{}
	for _, b := range blocks {
		yml, _, _ := strings.Cut(b, "```")
		if strings.Contains(yml, "matrix") {
			continue
		}
		cfg := mustLoad(t, yml, nil, Flags{})
		presets[cfg.Preset] = true
		if n := len(strings.Split(strings.TrimSpace(yml), "\n")); cfg.Preset != "" && n > 7 {
			t.Errorf("the README's preset %s config has %d lines, more than a comment and six", cfg.Preset, n)
		}
	}
	for _, p := range []string{PresetPytest, PresetRSpec, PresetCucumber, PresetGo, ""} {
		if !presets[p] {
			t.Errorf("README shows no config for preset %q", p)
		}
	}
}

// TestExampleConfigs loads every example's paratest.yml: the make targets run
// them as they are.
func TestExampleConfigs(t *testing.T) {
	t.Parallel()
	files, _ := filepath.Glob("../../examples/*/paratest.yml")
	if len(files) < 2 {
		t.Fatalf("found %d example configs, want the go suite's and the services'", len(files))
	}
	for _, f := range files {
		if _, err := Load(ForRun, Flags{Config: &f}, mapEnv(nil)); err != nil {
			t.Errorf("%s: %v", f, err)
		}
	}
}
