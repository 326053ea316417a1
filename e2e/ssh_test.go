package e2e

import (
	"fmt"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/jenkins-paratest/jenkins-paratest/internal/sshpool/sshdtest"
)

// sshHosts starts n real sshd "hosts" on 127.0.0.2, .3, … with their own host keys,
// all authorizing one key and forwarding to this machine's engine. It returns the
// matrix file (hosts named h1, h2, …), the private key and the known_hosts file.
type sshHosts struct {
	servers    []*sshdtest.Server
	key        string // private key file
	pub        string
	knownHosts string
	matrix     string
}

func startHosts(t *testing.T, n, workers int, passphrase string, sockets ...string) *sshHosts {
	t.Helper()
	need(t, false)
	return newHosts(t, n, workers, passphrase, sockets...)
}

// startHostsB is startHosts for benchmarks.
func startHostsB(b *testing.B, n, workers int) *sshHosts {
	b.Helper()
	return newHosts(b, n, workers, "")
}

func newHosts(t testing.TB, n, workers int, passphrase string, sockets ...string) *sshHosts {
	t.Helper()
	h := &sshHosts{}
	h.key, h.pub = sshdtest.NewKey(t, passphrase)
	var known []string
	var yml strings.Builder
	yml.WriteString("hosts:\n")
	for i := range n {
		s := sshdtest.Start(t, sshdtest.Options{Addr: fmt.Sprintf("127.0.0.%d", i+2)})
		s.AuthorizeKey(h.pub)
		h.servers = append(h.servers, s)
		known = append(known, s.KnownHostsLine())
		fmt.Fprintf(&yml, "  - {name: h%d, address: %s, port: %d, user: root, workers: %d", i+1, s.Addr(), s.Port(), workers)
		if i < len(sockets) && sockets[i] != "" {
			fmt.Fprintf(&yml, ", docker_socket: %s", sockets[i])
		}
		yml.WriteString("}\n")
	}
	h.knownHosts = sshdtest.KnownHosts(t, known...)
	h.matrix = filepath.Join(t.TempDir(), "matrix.yml")
	writeFile(t, h.matrix, yml.String())
	return h
}

// flags are the SSH flags for the binary: key file auth, test known_hosts.
func (h *sshHosts) flags() []string {
	return []string{"--matrix", h.matrix, "--identity", h.key, "--known-hosts", h.knownHosts}
}

// verdicts maps "classname name" to the testcase's verdict.
func verdicts(t *testing.T, out string) map[string]string {
	t.Helper()
	m := map[string]string{}
	for _, c := range readJUnit(t, out) {
		v := "pass"
		switch {
		case c.Failure != nil:
			v = "fail"
		case c.Error != nil:
			v = "error"
		case c.Skipped != nil:
			v = "skip"
		}
		m[c.Class+" "+c.Name] = v
	}
	return m
}

// The example suite over 3 sshd hosts × 2 workers gives exactly the verdicts of
// the local run; console lines and logs name host and worker; JUnit names do not.
func TestMatrixGivesTheLocalVerdicts(t *testing.T) {
	hosts := startHosts(t, 3, 2, "")
	config := filepath.Join(repoRoot, "examples/go-suite/paratest.yml")
	dir := t.TempDir()
	env := []string{"GOSUITE_FAIL=1"} // one failure, so verdicts differ by test

	local := filepath.Join(dir, "local")
	r := paratest(t, dir, env, "run", "--config", config, "--image", exampleImage, "--out", local, "--run-id", runID(t))
	if r.code != 1 {
		t.Fatalf("local run exited %d, want 1", r.code)
	}
	remote := filepath.Join(dir, "remote")
	id := runID(t)
	// The example's config without its local `workers: 4`: the matrix sets workers.
	matrixConfig := filepath.Join(dir, "paratest.yml")
	writeFile(t, matrixConfig, "image: "+exampleImage+"\npull: never\npreset: go\nenv: [GOSUITE_FAIL]\n")
	args := append([]string{"run", "--config", matrixConfig, "--out", remote, "--run-id", id}, hosts.flags()...)
	r = paratest(t, dir, env, args...)
	if r.code != 1 {
		t.Fatalf("matrix run exited %d, want 1", r.code)
	}
	want, got := verdicts(t, local), verdicts(t, remote)
	if len(got) != len(want) {
		t.Errorf("matrix run has %d testcases, local %d", len(got), len(want))
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s: matrix verdict %q, local %q", k, got[k], v)
		}
	}
	if s := readSummary(t, remote); s.Workers != 6 {
		t.Errorf("summary workers = %d, want 6", s.Workers)
	}
	for _, name := range []string{"h1", "h2", "h3"} {
		if !strings.Contains(r.stdout, "["+name+"/w") {
			t.Errorf("console has no line tagged [%s/w…]", name)
		}
		if logs, _ := filepath.Glob(filepath.Join(remote, "logs", name+"_w*.log")); len(logs) != 2 {
			t.Errorf("%d logs for %s, want 2", len(logs), name)
		}
	}
	for k := range got {
		if strings.Contains(k, "h1") || strings.Contains(k, "/w") {
			t.Errorf("testcase %q names a host or worker", k)
		}
	}
	assertNoContainers(t, id)
}

// A host that is down does not hold up the run: the others run the suite.
func TestStoppedHostDoesNotBlockTheRun(t *testing.T) {
	need(t, true)
	hosts := startHosts(t, 2, 1, "")
	hosts.servers[1].Stop()
	dir := writeConfig(t, `
image: `+shellImage+`
pull: never
list: 'for i in 1 2 3 4; do echo t$i; done'
command: 'true'
reconnect_interval: 1s
`)
	id := runID(t)
	r := paratest(t, dir, nil, append([]string{"run", "--run-id", id}, hosts.flags()...)...)
	if r.code != 0 {
		t.Fatalf("exit %d, want 0", r.code)
	}
	if !strings.Contains(r.stdout, "h2") || !strings.Contains(r.stdout, "warning") {
		t.Errorf("console does not warn about h2")
	}
	if s := readSummary(t, filepath.Join(dir, "paratest-out")); s.Passed != 4 {
		t.Errorf("summary = %+v, want 4 passed", s)
	}
	assertNoContainers(t, id)
}

// When no host can be reached, the run ends with exit 3, after the retries.
func TestNoReachableHostIsExit3(t *testing.T) {
	need(t, true)
	hosts := startHosts(t, 1, 1, "")
	hosts.servers[0].Stop()
	dir := writeConfig(t, `
image: `+shellImage+`
pull: never
list: 'echo t1'
command: 'true'
`)
	r := paratest(t, dir, nil, append([]string{"run", "--run-id", runID(t)}, hosts.flags()...)...)
	if r.code != 3 {
		t.Fatalf("exit %d, want 3", r.code)
	}
	if got := lines(r.stderr); len(got) != 1 || !strings.Contains(got[0], "h1") {
		t.Errorf("stderr = %q, want one line naming h1", r.stderr)
	}
}

// check: a table per host; a changed host key makes it fail saying "host key".
func TestCheck(t *testing.T) {
	need(t, true)
	hosts := startHosts(t, 2, 2, "")
	dir := t.TempDir()
	r := paratest(t, dir, nil, append([]string{"check", "--image", shellImage, "--config="}, hosts.flags()...)...)
	if r.code != 0 {
		t.Fatalf("check exited %d, want 0", r.code)
	}
	for _, want := range []string{"h1", "h2", "key " + hosts.key, "verified", "present", "API"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("check table lacks %q", want)
		}
	}
	hosts.servers[1].Rekey()
	r = paratest(t, dir, nil, append([]string{"check", "--image", shellImage, "--config="}, hosts.flags()...)...)
	if r.code == 0 {
		t.Fatal("check passed with a changed host key")
	}
	if !strings.Contains(r.stdout+r.stderr, "host key") || !strings.Contains(r.stdout+r.stderr, "CHANGED") {
		t.Errorf("check does not say the host key CHANGED")
	}
}

// Agent auth (a real ssh-agent) and a passphrase-protected key file.
func TestAuthMethods(t *testing.T) {
	need(t, true)
	t.Run("agent", func(t *testing.T) {
		hosts := startHosts(t, 1, 1, "")
		sock := sshdtest.StartAgent(t, hosts.key)
		r := paratest(t, t.TempDir(), []string{"SSH_AUTH_SOCK=" + sock},
			"check", "--config=", "--matrix", hosts.matrix, "--known-hosts", hosts.knownHosts)
		if r.code != 0 || !strings.Contains(r.stdout, "agent") {
			t.Errorf("check with ssh-agent: exit %d, want 0 and auth agent", r.code)
		}
	})
	t.Run("passphrase", func(t *testing.T) {
		hosts := startHosts(t, 1, 1, "s3cret passphrase")
		r := paratest(t, t.TempDir(), nil, append([]string{"check", "--config="}, hosts.flags()...)...)
		if r.code == 0 || !strings.Contains(r.stdout+r.stderr, "PARATEST_SSH_PASSPHRASE") {
			t.Errorf("without the passphrase: exit %d, want non-zero naming PARATEST_SSH_PASSPHRASE", r.code)
		}
		r = paratest(t, t.TempDir(), []string{"PARATEST_SSH_PASSPHRASE=s3cret passphrase"}, append([]string{"check", "--config="}, hosts.flags()...)...)
		if r.code != 0 {
			t.Errorf("with the passphrase: exit %d, want 0", r.code)
		}
		if strings.Contains(r.stdout+r.stderr, "s3cret") {
			t.Error("the passphrase was printed")
		}
	})
}

// clean removes the paratest containers of a run on every host, and only those.
func TestClean(t *testing.T) {
	need(t, true)
	hosts := startHosts(t, 2, 1, "")
	id := runID(t)
	var started []string
	for _, label := range []string{"paratest.run=" + id, "paratest.run=" + id, "unrelated=" + id} {
		out, err := exec.Command("docker", "create", "--label", label, "--entrypoint", "/bin/sleep", shellImage, "300").Output()
		if err != nil {
			t.Fatal(err)
		}
		started = append(started, strings.TrimSpace(string(out)))
	}
	t.Cleanup(func() { exec.Command("docker", append([]string{"rm", "-f"}, started...)...).Run() })
	r := paratest(t, t.TempDir(), nil, append([]string{"clean", "--config=", "--run", id}, hosts.flags()...)...)
	if r.code != 0 {
		t.Fatalf("clean exited %d", r.code)
	}
	if !strings.Contains(r.stdout, "removed "+started[0][:12]) {
		t.Errorf("clean did not say it removed %s", started[0][:12])
	}
	assertNoContainers(t, id)
	if err := exec.Command("docker", "inspect", started[2]).Run(); err != nil {
		t.Errorf("clean removed a container that is not paratest's")
	}
}

// clean without --run leaves the running workers of a run going on now (unless
// --all), and a host it cannot reach is blamed on SSH, not on a Docker socket.
func TestCleanLeavesLiveRunsAndNamesUnreachableHosts(t *testing.T) {
	need(t, true)
	hosts := startHosts(t, 2, 1, "")
	id := runID(t)
	stopped, err := exec.Command("docker", "create", "--label", "paratest.run="+id, "--entrypoint", "/bin/sleep", shellImage, "300").Output()
	if err != nil {
		t.Fatal(err)
	}
	running, err := exec.Command("docker", "run", "-d", "--label", "paratest.run="+id, "--entrypoint", "/bin/sleep", shellImage, "300").Output()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		exec.Command("docker", "rm", "-f", strings.TrimSpace(string(stopped)), strings.TrimSpace(string(running))).Run()
	})
	hosts.servers[1].Stop()
	r := paratest(t, t.TempDir(), nil, append([]string{"clean", "--config="}, hosts.flags()...)...)
	if r.code != 3 {
		t.Errorf("clean with a host down exited %d, want 3", r.code)
	}
	if !strings.Contains(r.stdout, "removed "+string(stopped[:12])) || !strings.Contains(r.stdout, "left 1 running container of runs going on now") {
		t.Errorf("clean did not remove the stopped container and leave the running one:\n%s", r.stdout)
	}
	if err := exec.Command("docker", "inspect", strings.TrimSpace(string(running))).Run(); err != nil {
		t.Error("clean without --all removed a running container")
	}
	if !strings.Contains(r.stderr, "clean h2: ") || strings.Contains(r.stderr, "docker.sock") || strings.Contains(r.stderr, "Docker daemon") {
		t.Errorf("the unreachable host is not blamed on its SSH connection:\n%s", r.stderr)
	}
	one := filepath.Join(t.TempDir(), "one.yml")
	s0 := hosts.servers[0]
	writeFile(t, one, fmt.Sprintf("hosts:\n  - {name: h1, address: %s, port: %d, user: root, workers: 1}\n", s0.Addr(), s0.Port()))
	r = paratest(t, t.TempDir(), nil, "clean", "--config=", "--all", "--matrix", one, "--identity", hosts.key, "--known-hosts", hosts.knownHosts)
	if r.code != 0 {
		t.Errorf("clean --all exited %d", r.code)
	}
	assertNoContainers(t, id)
}
