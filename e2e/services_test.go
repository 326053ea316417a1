package e2e

import (
	"fmt"
	"html"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// servicesConfig is a suite of n tests on the runner image, each worker with
// its own redis and PostgreSQL (both Debian's, from the same image). Every
// test takes the one row of a table (a primary key) and a redis key for a
// moment and checks that both are still its own: on services shared between
// workers, tests running at once would collide. setup writes the worker's
// number into redis; each test checks it, so a worker that saw another's redis
// fails.
func servicesConfig(image string, n int) string {
	return `
image: ` + image + `
pull: never
list: 'seq 1 ` + itoa(n) + ` | sed s/^/t/'
services:
  - name: redis
    image: ` + image + `
    command: [redis-server, --protected-mode, "no", --save, "", --appendonly, "no"]
    ready: {tcp: 6379, timeout: 60s}
  - name: postgres
    image: ` + image + `
    command:
      - runuser
      - -u
      - postgres
      - --
      - sh
      - -c
      - >-
        /usr/lib/postgresql/15/bin/initdb -D /tmp/pg -A trust -N >/dev/null &&
        echo 'host all all 0.0.0.0/0 trust' >> /tmp/pg/pg_hba.conf &&
        exec /usr/lib/postgresql/15/bin/postgres -D /tmp/pg -c listen_addresses='*' -c fsync=off -k /tmp
    ready:
      command: pg_isready -q -h postgres -U postgres
      timeout: 60s
setup: |
  set -e
  psql -qAt -h postgres -U postgres -c 'CREATE TABLE slot (id int PRIMARY KEY, test text)'
  redis-cli -h redis SET owner "$PARATEST_WORKER" >/dev/null
command: |
  set -e
  [ "$(redis-cli -h redis GET owner)" = "$PARATEST_WORKER" ] || { echo "another worker's redis"; exit 1; }
  psql -qAt -h postgres -U postgres -v ON_ERROR_STOP=1 -c "INSERT INTO slot VALUES (1, '$1')" >/dev/null
  redis-cli -h redis SET key "$1" >/dev/null
  sleep 0.1
  [ "$(redis-cli -h redis GET key)" = "$1" ] || { echo "redis key taken"; exit 1; }
  [ "$(psql -qAt -h postgres -U postgres -c 'SELECT test FROM slot')" = "$1" ] || { echo "row taken"; exit 1; }
  psql -qAt -h postgres -U postgres -c 'DELETE FROM slot' >/dev/null
`
}

// networks lists the networks labelled with a run id.
func networks(t *testing.T, runID string) []string {
	t.Helper()
	out, err := exec.Command("docker", "network", "ls", "-q", "--filter", "label=paratest.run="+runID).Output()
	if err != nil {
		t.Fatalf("docker network ls: %v", err)
	}
	return strings.Fields(string(out))
}

// 120 tests over 2 sshd hosts × 2 workers, each worker with its own redis and
// PostgreSQL: every test passes once, also after a worker's container is
// killed mid-run (it comes back with new services), and nothing is left.
func TestServicesPerWorker(t *testing.T) {
	need(t, false)
	img := runnerImage(t)
	hosts := startHosts(t, 2, 2, "")
	dir := writeConfig(t, servicesConfig(img, 120))
	id := runID(t)
	b := startRun(t, dir, nil, append([]string{"run", "--run-id", id}, hosts.flags()...)...)
	// Mid-run: once worker 1 (h1's second) has passed a test.
	if !b.waitFor(t, "[h1/w1] PASS ") {
		t.Fatalf("the run ended before worker 1 passed a test:\n%s", strings.Join(b.seen, "\n"))
	}
	var victim string
	for i := 0; victim == ""; i++ {
		out, _ := exec.Command("docker", "ps", "-q", "--filter", "label=paratest.run="+id,
			"--filter", "label=paratest.role=worker", "--filter", "label=paratest.worker=1").Output()
		victim = strings.TrimSpace(string(out))
		if i > 300 {
			t.Fatal("worker 1's container never ran")
		}
		time.Sleep(100 * time.Millisecond)
	}
	if out, err := exec.Command("docker", "kill", victim).CombinedOutput(); err != nil {
		t.Fatalf("docker kill: %v %s", err, out)
	}
	if code := b.wait(t); code != 0 {
		t.Fatalf("exit %d, want 0", code)
	}
	for _, c := range exactlyOnce(t, filepath.Join(dir, "paratest-out"), 120) {
		if c.Failure != nil || c.Error != nil {
			t.Errorf("%s did not pass: %+v %s", c.Name, c.Failure, c.SystemOut)
		}
	}
	log := readLogs(t, filepath.Join(dir, "paratest-out"))
	for _, want := range []string{"=== paratest: service redis ready after", "=== paratest: service postgres ready after", "[postgres] ", "[redis] "} {
		if !strings.Contains(log, want) {
			t.Errorf("the worker logs lack %q", want)
		}
	}
	assertNothingLeft(t, id)
}

// A service that never gets ready retires its worker with the service's own
// last output; the other worker runs the suite.
func TestServiceNeverReady(t *testing.T) {
	need(t, false)
	img := runnerImage(t)
	dir := writeConfig(t, `
image: `+img+`
pull: never
workers: 2
list: 'seq 1 6 | sed s/^/t/'
command: 'redis-cli -h redis ping'
services:`+redisService(img, `
      command: [sh, -c, '[ "$PARATEST_WORKER" != 0 ] && redis-cli ping']
      timeout: 3s`))
	id := runID(t)
	r := paratest(t, dir, nil, "run", "--run-id", id)
	if r.code != 0 {
		t.Fatalf("exit %d, want 0: one worker is enough", r.code)
	}
	if !strings.Contains(r.stdout, "service redis not ready after 3s (its ready: command); its last output: ") ||
		!strings.Contains(r.stdout, "Ready to accept connections") {
		t.Errorf("the console does not say which service was not ready, with its output")
	}
	for _, c := range exactlyOnce(t, filepath.Join(dir, "paratest-out"), 6) {
		if c.Failure != nil || c.Error != nil {
			t.Errorf("%s did not pass", c.Name)
		}
	}
	assertNothingLeft(t, id)
}

// assertNothingLeft checks that a run left no container and no network.
func assertNothingLeft(t *testing.T, id string) {
	t.Helper()
	assertNoContainers(t, id)
	if left := networks(t, id); len(left) > 0 {
		t.Errorf("networks left behind: %v", left)
	}
}

// redisService is a services: entry of Debian's redis-server from image,
// ready as ready says (YAML, indented for a list item's keys).
func redisService(image, ready string) string {
	return `
  - name: redis
    image: ` + image + `
    command: [redis-server, --protected-mode, "no", --save, ""]
    ready: ` + ready + `
`
}

// readLogs is every worker log of a run, joined.
func readLogs(t *testing.T, out string) string {
	t.Helper()
	files, _ := filepath.Glob(filepath.Join(out, "logs", "*.log"))
	var b strings.Builder
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(&b, "== %s\n%s\n", f, data)
	}
	return b.String()
}

// --keep-failed 1 leaves exactly the worker whose last batch failed, with its
// service, running: the printed docker exec line gets into it, where the
// service still answers; clean --run removes both and their network.
func TestKeepFailed(t *testing.T) {
	need(t, false)
	img := runnerImage(t)
	dir := writeConfig(t, `
image: `+img+`
pull: never
workers: 2
max_reruns: 0
list: 'seq 1 4 | sed s/^/t/'
# t3 fails and breaks its worker: every later test there fails too, so that
# worker's last batch failed, whatever the order.
command: 'redis-cli -h redis ping >/dev/null && [ ! -e /tmp/broken ] && { [ "$1" != t3 ] || { touch /tmp/broken; false; }; }'
services:`+redisService(img, "{tcp: 6379}"))
	id := runID(t)
	t.Cleanup(func() { execBinary(t, dir, nil, "clean", "--run", id) })
	r := paratest(t, dir, nil, "run", "--run-id", id, "--keep-failed", "1")
	if r.code != 1 {
		t.Fatalf("exit %d, want 1 (t3 failed)", r.code)
	}
	var worker, service []string
	for _, l := range strings.Split(r.stdout, "\n") {
		if _, cmd, ok := strings.Cut(l, "whose last batch failed, for 1h0m0s: "); ok {
			worker = strings.Fields(cmd)
		}
		if _, cmd, ok := strings.Cut(l, "its service redis: "); ok {
			service = strings.Fields(cmd)
		}
	}
	if len(worker) != 5 || len(service) != 5 || worker[1] != "exec" {
		t.Fatalf("no docker exec lines for the kept worker and its service in the console")
	}
	running, err := exec.Command("docker", "ps", "-q", "--no-trunc", "--filter", "label=paratest.run="+id).Output()
	if err != nil {
		t.Fatal(err)
	}
	ids := strings.Fields(string(running))
	if len(ids) != 2 {
		t.Fatalf("%d containers of the run run after it, want the kept worker and its service", len(ids))
	}
	for _, c := range []string{worker[3], service[3]} {
		if !strings.Contains(string(running), c) {
			t.Errorf("container %s named by the console does not run", c)
		}
	}
	// The line as printed, but for -it (no terminal here) and the shell's command.
	out, err := exec.Command("docker", "exec", worker[3], "sh", "-c", "redis-cli -h redis ping").CombinedOutput()
	if err != nil || strings.TrimSpace(string(out)) != "PONG" {
		t.Errorf("in the kept worker, its redis: %v %s", err, out)
	}
	if len(networks(t, id)) != 1 {
		t.Errorf("networks of the run: %v, want the kept worker's", networks(t, id))
	}
	c := paratest(t, dir, nil, "clean", "--run", id)
	if c.code != 0 || !strings.Contains(c.stdout, "removed network paratest-") {
		t.Errorf("clean --run: exit %d, want 0 and the network removed", c.code)
	}
	assertNothingLeft(t, id)
}

// The reproduce line of a failed test, run as printed (with the environment
// its env: keys come from), runs it alone with the same image, env, service
// and round, and fails the same way; it never holds the env's values.
func TestReproduceLine(t *testing.T) {
	need(t, false)
	img := runnerImage(t)
	dir := writeConfig(t, `
image: `+img+`
pull: never
workers: 2
max_reruns: 1
list: 'seq 1 4 | sed s/^/t/'
command: 'redis-cli -h redis ping >/dev/null || exit 3; [ "$TOKEN" = s3cret ] || exit 4; echo "round=$PARATEST_ROUND"; [ "$1" != t2 ]'
services:`+redisService(img, "{tcp: 6379}"))
	id := runID(t)
	env := []string{"PARATEST_ENV=TOKEN", "TOKEN=s3cret"}
	r := paratest(t, dir, env, "run", "--run-id", id, "--first-round", "2")
	if r.code != 1 {
		t.Fatalf("exit %d, want 1 (t2 failed)", r.code)
	}
	data, err := os.ReadFile(filepath.Join(dir, "paratest-out", "junit", "TEST-paratest.tests.xml"))
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`Reproduce: (.*)</failure>`).FindSubmatch(data)
	if m == nil {
		t.Fatalf("no Reproduce line in t2's failure:\n%s", data)
	}
	line := html.UnescapeString(string(m[1]))
	for _, want := range []string{"printf '%s\\n' t2 | jenkins-paratest run --config=paratest.yml ", "--env=TOKEN", "--first-round=2", "--workers=1"} {
		if !strings.Contains(line, want) {
			t.Errorf("reproduce line %s lacks %s", line, want)
		}
	}
	if strings.Contains(line, "s3cret") || strings.Contains(string(data), "s3cret") {
		t.Errorf("the JUnit file holds the env's value")
	}
	for _, f := range []string{"summary.md", "flaky.json"} {
		b, _ := os.ReadFile(filepath.Join(dir, "paratest-out", f))
		if !strings.Contains(html.UnescapeString(strings.ReplaceAll(string(b), `\u0026`, "&")), "jenkins-paratest run --config=") {
			t.Errorf("%s has no reproduce line", f)
		}
	}
	assertNoContainers(t, id)

	cmd := exec.Command("sh", "-c", line)
	cmd.Dir = dir
	cmd.Env = append(cleanEnv(), "PATH="+filepath.Dir(binary)+":"+os.Getenv("PATH"), "TOKEN=s3cret", "BUILD_TAG="+id+"-repro")
	out, _ := cmd.CombinedOutput()
	t.Logf("%s →\n%s", line, out)
	if code := cmd.ProcessState.ExitCode(); code != 1 {
		t.Fatalf("the reproduce line exited %d, want 1: the test fails again", code)
	}
	cases := readJUnit(t, filepath.Join(dir, "paratest-repro"))
	if len(cases) != 1 || cases[0].Name != "t2" || cases[0].Failure == nil || !strings.Contains(cases[0].SystemOut, "round=2") {
		t.Errorf("the reproduce run's JUnit: %+v, want t2 alone, failed, in round 2", cases)
	}
	assertNoContainers(t, id+"-repro")
}
