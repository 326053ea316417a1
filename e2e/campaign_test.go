package e2e

import (
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestFaultCampaign runs a 1,000-test sleep suite over 3 sshd hosts × 2 workers
// while injecting at least 30 random faults — a worker container killed, a host's
// SSH sessions cut (mid-batch: every session stream on it breaks), a host's sshd
// stopped for a few seconds, a worker's session stream killed inside its
// container (the agent serving it) — and prints how many
// tests were lost (no passing testcase) or duplicated (more than one testcase).
// Both must be 0. It runs with PARATEST_CAMPAIGN=1 (bench/fault-campaign.sh).
func TestFaultCampaign(t *testing.T) {
	if os.Getenv("PARATEST_CAMPAIGN") != "1" {
		t.Skip("set PARATEST_CAMPAIGN=1 (bench/fault-campaign.sh) to run the fault campaign")
	}
	need(t, true)
	seed, _ := strconv.ParseUint(os.Getenv("PARATEST_CAMPAIGN_SEED"), 10, 64)
	if seed == 0 {
		seed = uint64(time.Now().UnixNano())
	}
	t.Logf("seed %d (PARATEST_CAMPAIGN_SEED)", seed)
	rng := rand.New(rand.NewPCG(seed, seed))
	const total = 1000
	hosts := startHosts(t, 3, 2, "")
	// 0.2 s a test: the run lasts long enough (≈ 40 s on 6 workers) for 30 faults.
	dir := writeConfig(t, slowSuite(total, "0.2")+"max_lost: 20\nstream: none\n")
	id := runID(t)
	b := startRun(t, dir, nil, append([]string{"run", "--run-id", id}, hosts.flags()...)...)
	b.waitFor(t, "==> paratest: running")

	faults := map[string]int{}
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			select {
			case <-stop:
				return
			case <-time.After(time.Duration(300+rng.IntN(400)) * time.Millisecond):
			}
			h := rng.IntN(len(hosts.servers))
			switch rng.IntN(4) {
			case 0, 3:
				out, _ := exec.Command("docker", "ps", "-q", "--filter", "label=paratest.run="+id, "--filter", "label=paratest.role=worker").Output()
				ids := strings.Fields(string(out))
				if len(ids) == 0 {
					continue
				}
				c := ids[rng.IntN(len(ids))]
				if rng.IntN(2) == 0 {
					exec.Command("docker", "kill", c).Run()
					faults["container killed"]++
				} else {
					exec.Command("docker", "exec", c, "pkill", "-f", "agent serve").Run()
					faults["session stream killed"]++
				}
			case 1:
				hosts.servers[h].KillSessions()
				faults["ssh sessions cut"]++
			case 2:
				hosts.servers[h].Stop()
				select {
				case <-stop:
				case <-time.After(time.Duration(1+rng.IntN(3)) * time.Second):
				}
				hosts.servers[h].Restart()
				faults["sshd stopped"]++
			}
		}
	}()
	for range b.lines {
	}
	close(stop)
	<-done
	b.cmd.Wait()
	code := b.cmd.ProcessState.ExitCode()

	count := map[string]int{}
	passed := map[string]bool{}
	for _, c := range readJUnit(t, filepath.Join(dir, "paratest-out")) {
		count[c.Name]++
		passed[c.Name] = c.Failure == nil && c.Error == nil && c.Skipped == nil
	}
	lost, dup := 0, 0
	for i := 1; i <= total; i++ {
		name := "t" + strconv.Itoa(i)
		switch {
		case count[name] == 0 || !passed[name]:
			lost++
		case count[name] > 1:
			dup++
		}
	}
	n := 0
	var kinds []string
	for k, v := range faults {
		n += v
		kinds = append(kinds, fmt.Sprintf("%d %s", v, k))
	}
	fmt.Printf("fault campaign: %d faults (%s); lost %d, duplicated %d, total %d; exit %d\n",
		n, strings.Join(kinds, ", "), lost, dup, total, code)
	if n < 30 {
		t.Errorf("only %d faults were injected, want ≥ 30", n)
	}
	if lost != 0 || dup != 0 || code != 0 {
		t.Errorf("lost %d, duplicated %d, exit %d: want 0, 0, 0", lost, dup, code)
	}
	assertNoContainers(t, id)
}
