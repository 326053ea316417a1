package e2e

import (
	"fmt"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"
)

// Two calls of one build (one BUILD_TAG) in one workspace at the same time, on
// one engine, as parallel branches of a Jenkinsfile make them: each writes its
// own --out, gets its own run id from it, keeps its own containers and ends
// with its own verdicts.
func TestTwoCallsOfOneBuild(t *testing.T) {
	need(t, true)
	dir := t.TempDir()
	// Each test sleeps, so the two runs overlap: each starts while the other's
	// workers are live.
	writeFile(t, filepath.Join(dir, "unit.yml"), `
image: `+shellImage+`
pull: never
workers: 2
list: 'for i in 1 2 3 4 5 6; do echo unit$i; done'
command: 'sleep 1'
`)
	writeFile(t, filepath.Join(dir, "integration.yml"), `
image: `+shellImage+`
pull: never
workers: 2
list: 'for i in 1 2 3 4 5 6; do echo integration$i; done'
command: 'sleep 1; [ "$1" != integration4 ]'
`)
	tag := fmt.Sprintf("jenkins-e2e-two-calls-%d", time.Now().UnixNano())
	env := []string{"BUILD_TAG=" + tag}
	type call struct {
		name, out string
		want      int
		r         result
	}
	calls := []*call{
		{name: "unit", out: "paratest-out/unit", want: 0},
		{name: "integration", out: "paratest-out/integration", want: 1},
	}
	var wg sync.WaitGroup
	for _, c := range calls {
		wg.Go(func() {
			c.r = execBinary(t, dir, env, "run", "--config", c.name+".yml", "--out", c.out)
		})
	}
	wg.Wait()
	for _, c := range calls {
		t.Logf("%s → exit %d\nstdout:\n%s\nstderr:\n%s", c.name, c.r.code, c.r.stdout, c.r.stderr)
		if c.r.code != c.want {
			t.Errorf("%s: exit %d, want %d", c.name, c.r.code, c.want)
		}
		id := tag + "-" + strings.ReplaceAll(c.out, "/", "-")
		if !strings.Contains(c.r.stdout, "run "+id) {
			t.Errorf("%s: the console does not name run %s", c.name, id)
		}
		var got []string
		failed := map[string]bool{}
		for _, tc := range readJUnit(t, filepath.Join(dir, c.out)) {
			got = append(got, tc.Name)
			failed[tc.Name] = tc.Failure != nil || tc.Error != nil
		}
		sort.Strings(got)
		var want []string
		for i := 1; i <= 6; i++ {
			want = append(want, fmt.Sprintf("%s%d", c.name, i))
		}
		if strings.Join(got, " ") != strings.Join(want, " ") {
			t.Errorf("%s: JUnit holds %v, want %v", c.name, got, want)
		}
		for _, n := range want {
			if bad := n == "integration4"; failed[n] != bad {
				t.Errorf("%s: %s failed %v, want %v", c.name, n, failed[n], bad)
			}
		}
		if left := containers(t, id); len(left) > 0 {
			t.Errorf("%s: %d containers of run %s left behind", c.name, len(left), id)
		}
	}
	// Each checked its own containers above; the agent volume two runs ending
	// together share may outlive both (see TestBadInput): removed here.
	if vol := agentVolumeName(t); volumeExists(vol) && !volumeUsed(t, vol) {
		exec.Command("docker", "volume", "rm", vol).Run()
	}
}
