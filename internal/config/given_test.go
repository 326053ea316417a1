package config

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// The reproduce line repeats what flags and variables set, but not where the
// run ran; env: only by its keys; every value quoted so sh gives it back as is.
func TestReproduce(t *testing.T) {
	t.Parallel()
	env := map[string]string{
		"PARATEST_IMAGE":    "registry.example/app:1.2",
		"PARATEST_ENV":      "TOKEN=s3cret,PLAIN",
		"PARATEST_MAX_LOST": "8",
		"PARATEST_TIMEOUT":  "5m",
		"PLAIN":             "p",
		"HOME":              "/home/ci",
	}
	flags := Flags{
		Args:       []string{"-k", "not slow and it's"},
		Warm:       ptr(false),
		Out:        ptr("reports"),
		MaxReruns:  ptr("3"),
		FirstRound: nil,
	}
	cfg := mustLoad(t, "image: img\npreset: pytest\nmatrix: m.yml\n", env, flags)
	got := cfg.Reproduce("tests/a_test.py::test_x[it's $HOME]", 2)
	for _, want := range []string{
		"printf '%s\\n' 'tests/a_test.py::test_x[it'\\''s $HOME]' | jenkins-paratest run --config=",
		" --image=registry.example/app:1.2 ",
		" --args=-k '--args=not slow and it'\\''s' --no-warm ",
		" --env=TOKEN --env=PLAIN ",
		" --timeout=5m ",
		" --matrix= --workers=1 --tests=- --max-reruns=0 --first-round=2 --out=paratest-repro",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("Reproduce = %s\nwant it to contain %s", got, want)
		}
	}
	for _, never := range []string{"s3cret", "reports", "--max-lost", "--max-reruns=3 "} {
		if strings.Contains(got, never) {
			t.Errorf("Reproduce = %s\nholds %q", got, never)
		}
	}
	// sh gives every argument back byte for byte.
	if _, err := exec.LookPath("sh"); err != nil {
		t.Skip("no sh")
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "jenkins-paratest")
	os.WriteFile(bin, []byte("#!/bin/sh\ncat\nfor a do printf '<%s>\\n' \"$a\"; done\n"), 0o755)
	cmd := exec.Command("sh", "-c", got)
	cmd.Env = append(os.Environ(), "PATH="+dir+":"+os.Getenv("PATH"))
	out, err := cmd.Output()
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"tests/a_test.py::test_x[it's $HOME]\n", "<--args=not slow and it's>\n", "<--config=" + cfg.File + ">\n"} {
		if !strings.Contains(string(out), want) {
			t.Errorf("sh -c Reproduce gave\n%s\nwant %q in it", out, want)
		}
	}
}
