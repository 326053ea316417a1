package e2e

import (
	"bytes"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/jenkins-paratest/jenkins-paratest/internal/agent"
	"github.com/jenkins-paratest/jenkins-paratest/internal/config"
	"github.com/jenkins-paratest/jenkins-paratest/internal/suite"
)

// The rspec server loads the spec files once and serves the listing and the
// batches from them: what our formatter writes must be what the cold command
// writes, event for event (durations aside) — the listing, and batches whose
// files come out of sorted order, which must leave out every file they name
// no id of and run theirs in the order given. A command with other arguments
// than the server's is refused and runs cold.
func TestWarmRSpecLoaded(t *testing.T) {
	need(t, false)
	image := suiteImage(t, runnerImage(t), filepath.Join(repoRoot, "e2e", "testdata", "rspec-suite"), "/suite")
	b := startWarmBox(t, image, config.PresetRSpec)
	b.startServer()
	if log := b.log(); !strings.Contains(log, " 11 spec files loaded") {
		t.Fatalf("the server did not say it loaded the 11 spec files:\n%s", log)
	}

	// The result file of a's cmd run in the box, and the command's exit code.
	run := func(cmd suite.Command) ([]byte, int) {
		b.run(nil, 0, agent.Path, "agent", "rm", cmd.ResultFile)
		code, _, _ := b.run(append(cmd.Env, "PARATEST_ROUND=1"), 0, cmd.Argv...)
		return b.read(cmd.ResultFile), code
	}
	durations := regexp.MustCompile(`"duration":[0-9.e+-]+`)
	same := func(t *testing.T, what string, warm, cold []byte) {
		t.Helper()
		w, c := durations.ReplaceAll(warm, nil), durations.ReplaceAll(cold, nil)
		if len(c) == 0 || !bytes.Equal(w, c) {
			t.Errorf("%s: the warm command wrote %d bytes, the cold one %d, not the same:\nwarm:\n%s\ncold:\n%s", what, len(w), len(c), w, c)
		}
	}

	var ids []string
	t.Run("listing", func(t *testing.T) {
		before := b.served()
		warm, code := run(b.warm.List())
		cold, _ := run(b.cold.List())
		same(t, "the listing", warm, cold)
		if code != 0 || b.served() != before+1 {
			t.Errorf("the warm listing exited %d, the server ran %d commands, want 0 and 1", code, b.served()-before)
		}
		var err error
		if ids, err = b.warm.ParseList(suite.Output{File: warm}); err != nil {
			t.Fatal(err)
		}
		b.cold.ParseList(suite.Output{File: warm})
	})
	if len(ids) == 0 {
		t.Fatal("no listing")
	}

	t.Run("batches", func(t *testing.T) {
		pick := func(file string, n int) []string {
			var out []string
			for _, id := range ids {
				if strings.HasPrefix(id, "./spec/"+file+"[") && len(out) < n {
					out = append(out, id)
				}
			}
			return out
		}
		batches := [][]string{
			// files out of sorted order, the order-dependent pair among them
			slices.Concat(pick("z_ledger_check_spec.rb", 3), pick("errors_spec.rb", 20), pick("a_ledger_spec.rb", 3)),
			// shared examples, pending ones, a before(:context) that skips
			slices.Concat(pick("shared_spec.rb", 40), pick("pending_spec.rb", 40)),
			// the crash, after another file's examples
			slices.Concat(pick("strings_spec.rb", 4), pick("crash_spec.rb", 8)),
		}
		for i, batch := range batches {
			before := b.served()
			warm, wcode := run(b.warm.Batch(batch, 700+i))
			cold, ccode := run(b.cold.Batch(batch, 750+i))
			same(t, strings.Join(batch, " "), warm, cold)
			if wcode != ccode || b.served() != before+1 {
				t.Errorf("batch %d: exit %d warm, %d cold; the server ran %d, want 1", i, wcode, ccode, b.served()-before)
			}
		}
	})

	t.Run("other arguments", func(t *testing.T) {
		other := suite.New(&config.Config{Preset: config.PresetRSpec, Warm: true, Args: []string{"--tag", "~slow"}})
		cmd := other.Batch(ids[:3], 800)
		before := b.served()
		b.run(nil, 0, agent.Path, "agent", "rm", cmd.ResultFile)
		code, _, stderr := b.run(cmd.Env, 0, cmd.Argv...)
		if code != 0 || b.served() != before || !bytes.Contains(stderr, []byte("server's arguments")) || len(b.read(cmd.ResultFile)) == 0 {
			t.Errorf("exit %d, served %d, stderr:\n%s\nwant the batch refused and run cold", code, b.served()-before, stderr)
		}
	})
}
