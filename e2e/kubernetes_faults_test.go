package e2e

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/tools/clientcmd"
)

// The network between the master and the API server breaks twice mid-run,
// while every worker's batch runs, and the pods live on: each worker opens a
// new exec into the same pod, gets from its agent the result of the batch that
// finished while it was cut off, and goes on there. Every test ran once — the
// tests count their own runs in a host directory every pod mounts — and has
// one verdict, with the output it printed after the cut.
//
// The fault is real: the master's kubeconfig points at a TCP proxy that
// forwards to the API server (TLS passes through: the serving certificate's
// IP SAN 127.0.0.1 holds for the proxy's address, ports are not part of a
// SAN), and the proxy resets every connection it carries at once.
func (k *kube) brokenStream(t *testing.T) {
	ns := k.namespace(t)
	const n, workers = 18, 3
	ran := t.TempDir() // "start tN" and "end tN", one line each a run of tN
	if err := os.Chmod(ran, 0o777); err != nil {
		t.Fatal(err)
	}
	// 3 s a test and 4 s (±10 %) before a worker reconnects: a batch cut
	// after it started has ended by the time its worker asks for it.
	yml := fmt.Sprintf(`
image: %s
pull: never
list: 'seq 1 %d | while read i; do echo t$i; done'
command: 'echo "start $1" >> /ran/log; echo "ran $1"; sleep 3; echo "done $1"; echo "end $1" >> /ran/log'
reconnect_interval: 4s
kubernetes:
  namespace: %s
  workers: %d
  agent_image: %s
  start_timeout: 1m
  pod_template:
    spec:
      volumes: [{name: ran, hostPath: {path: %s}}]
      containers:
        - name: worker
          volumeMounts: [{name: ran, mountPath: /ran}]
`, shellImage, n, ns, workers, k.agentImage, ran)
	dir := writeConfig(t, yml)
	proxy := startCutProxy(t, k.kubeconfig)
	id := kubeID("cut")
	pods := k.watchPods(t, ns, id)
	b := startRun(t, dir, []string{"KUBECONFIG=" + proxy.kubeconfig(t, k.kubeconfig)}, "run", "--run-id", id)

	// Cut while every worker is into a test with 0.6 s or more left of it,
	// none of them the batch of an earlier cut: each cut is mid-batch on
	// every worker, and each batch ends before its worker is back.
	tests := &testLog{path: filepath.Join(ran, "log"), seen: map[string]time.Time{}}
	var cut []string
	inBatch := func() bool {
		running := tests.running(t, 300*time.Millisecond, 2400*time.Millisecond)
		if len(running) < workers {
			return false
		}
		for _, test := range running {
			if slices.Contains(cut, test) {
				return false
			}
		}
		cut = append(cut, running...)
		return true
	}
	var before map[types.UID]string
	for i := 1; i <= 2; i++ {
		if !b.until(t, 2*time.Minute, inBatch) {
			t.Fatalf("the run ended before cut %d:\n%s", i, strings.Join(b.seen, "\n"))
		}
		if i == 1 {
			before = k.runningPods(t, ns, id)
			if len(before) != workers {
				t.Fatalf("%d pods running before the cut, want %d: %v", len(before), workers, before)
			}
		}
		conns := proxy.cut()
		t.Logf("cut %d: reset %d connections with tests %v running", i, conns, cut[len(cut)-workers:])
		if conns < workers {
			t.Errorf("cut %d reset %d connections, fewer than the %d workers' exec streams", i, conns, workers)
		}
		if !b.until(t, time.Minute, func() bool { return b.count(recovered) >= i*workers }) {
			t.Fatalf("not every worker got back the batch it ran when cut %d came:\n%s", i, strings.Join(b.seen, "\n"))
		}
		if now := k.runningPods(t, ns, id); !equalPods(now, before) {
			t.Errorf("after cut %d the running pods are %v, want those from before the cut, %v", i, now, before)
		}
	}
	if code := b.wait(t); code != 0 {
		t.Fatalf("exit %d, want 0", code)
	}
	if seen := pods.stop(); !equalPods(seen, before) {
		t.Errorf("the run had pods %v, want only the %d from before the cuts, %v", seen, workers, before)
	}

	console := strings.Join(b.seen, "\n")
	if got := b.count(recovered); got != 2*workers {
		t.Errorf("the console says %d times that a worker got back its batch, want %d (every worker, twice)", got, 2*workers)
	}
	for _, bad := range []string{"back in the queue", "kept no result"} {
		if strings.Contains(console, bad) {
			t.Errorf("the console says %q: a batch was lost, not recovered", bad)
		}
	}
	// Each test ran once: one start and one end in the pods' shared log.
	log, err := os.ReadFile(filepath.Join(ran, "log"))
	if err != nil {
		t.Fatal(err)
	}
	runs := map[string]int{}
	for _, l := range strings.Split(strings.TrimSpace(string(log)), "\n") {
		runs[l]++
	}
	for i := 1; i <= n; i++ {
		for _, what := range []string{"start", "end"} {
			if c := runs[fmt.Sprintf("%s t%d", what, i)]; c != 1 {
				t.Errorf("t%d: %d lines %q in the tests' log, want 1: it ran %d times", i, c, what, c)
			}
		}
	}
	out := filepath.Join(dir, "paratest-out")
	for _, c := range exactlyOnce(t, out, n) {
		if c.Failure != nil || c.Error != nil || c.Skipped != nil {
			t.Errorf("%s did not pass", c.Name)
		}
	}
	if s := readSummary(t, out); s.Tests != n || s.Passed != n || s.Lost != 0 {
		t.Errorf("summary %+v, want %d tests, all passed, none lost", s, n)
	}
	// One verdict each in the journal, with all the output: what the test
	// printed after the cut came from its agent.
	journal, err := os.ReadFile(filepath.Join(out, "journal.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	verdicts := map[string]int{}
	for _, l := range lines(string(journal)) {
		var e struct {
			ID      string `json:"id"`
			Attempt struct {
				Status string
				Output string
			} `json:"attempt"`
		}
		if err := json.Unmarshal([]byte(l), &e); err != nil {
			t.Fatalf("journal: %v: %s", err, l)
		}
		verdicts[e.ID]++
		if e.Attempt.Status != "passed" || !strings.Contains(e.Attempt.Output, "ran "+e.ID) || !strings.Contains(e.Attempt.Output, "done "+e.ID) {
			t.Errorf("journal: %s %s with output %q, want passed with \"ran %s\" and \"done %s\"", e.ID, e.Attempt.Status, e.Attempt.Output, e.ID, e.ID)
		}
	}
	if len(verdicts) != n {
		t.Errorf("the journal has verdicts of %d tests, want %d", len(verdicts), n)
	}
	for test, c := range verdicts {
		if c != 1 {
			t.Errorf("the journal has %d verdicts of %s, want 1", c, test)
		}
	}
	k.assertNoPods(t, ns, id)
}

// testLog is the log the tests write their starts and ends to, in a host
// directory every pod mounts.
type testLog struct {
	path string
	seen map[string]time.Time // when running first saw each test start
}

// running returns the tests started and not ended whose start was seen
// between minAge and maxAge ago. The lines carry no time: a start's is when
// running first saw it, so the caller polls often.
func (l *testLog) running(t *testing.T, minAge, maxAge time.Duration) []string {
	t.Helper()
	data, err := os.ReadFile(l.path)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	started := map[string]bool{}
	for _, line := range lines(string(data)) {
		if id, ok := strings.CutPrefix(line, "start "); ok {
			started[id] = true
			if _, seen := l.seen[id]; !seen {
				l.seen[id] = now
			}
		} else if id, ok := strings.CutPrefix(line, "end "); ok {
			delete(started, id)
		}
	}
	var out []string
	for id := range started {
		if age := now.Sub(l.seen[id]); age >= minAge && age <= maxAge {
			out = append(out, id)
		}
	}
	slices.Sort(out)
	return out
}

// recovered is what the console says of a worker back in its pod with the
// result of the batch it ran when its stream broke.
const recovered = ": back; its batch of 1 test finished meanwhile"

// count is how many console lines seen so far contain s.
func (b *background) count(s string) int {
	n := 0
	for _, l := range b.seen {
		if strings.Contains(l, s) {
			n++
		}
	}
	return n
}

// until reads console lines, and calls cond every 50 ms, until cond holds;
// false when the run ended first.
func (b *background) until(t *testing.T, timeout time.Duration, cond func() bool) bool {
	t.Helper()
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	deadline := time.After(timeout)
	for {
		select {
		case l, ok := <-b.lines:
			if !ok {
				return cond()
			}
			b.seen = append(b.seen, l.text)
		case <-tick.C:
			if cond() {
				return true
			}
		case <-deadline:
			t.Fatalf("not within %s:\n%s", timeout, strings.Join(b.seen, "\n"))
		}
	}
}

// runningPods is the Running pods of run id in ns, by UID.
func (k *kube) runningPods(t *testing.T, ns, id string) map[types.UID]string {
	t.Helper()
	list, err := k.cs.CoreV1().Pods(ns).List(context.Background(), metav1.ListOptions{LabelSelector: "paratest.run=" + id})
	if err != nil {
		t.Fatal(err)
	}
	out := map[types.UID]string{}
	for _, p := range list.Items {
		if p.Status.Phase == corev1.PodRunning && p.DeletionTimestamp == nil {
			out[p.UID] = p.Name
		}
	}
	return out
}

func equalPods(a, b map[types.UID]string) bool {
	if len(a) != len(b) {
		return false
	}
	for uid, name := range a {
		if b[uid] != name {
			return false
		}
	}
	return true
}

// podWatch records every pod of a run that a poll of its namespace saw.
type podWatch struct {
	stopc chan struct{}
	done  chan struct{}
	seen  map[types.UID]string
}

// watchPods polls ns every 100 ms for the pods of run id until stop. A pod
// lives for seconds at least (its start alone takes one), so none is missed.
func (k *kube) watchPods(t *testing.T, ns, id string) *podWatch {
	w := &podWatch{stopc: make(chan struct{}), done: make(chan struct{}), seen: map[types.UID]string{}}
	go func() {
		defer close(w.done)
		for {
			list, err := k.cs.CoreV1().Pods(ns).List(context.Background(), metav1.ListOptions{LabelSelector: "paratest.run=" + id})
			if err == nil {
				for _, p := range list.Items {
					w.seen[p.UID] = p.Name
				}
			}
			select {
			case <-w.stopc:
				return
			case <-time.After(100 * time.Millisecond):
			}
		}
	}()
	t.Cleanup(func() { w.stop() })
	return w
}

// stop ends the polls and returns the pods seen, by UID.
func (w *podWatch) stop() map[types.UID]string {
	select {
	case <-w.stopc:
	default:
		close(w.stopc)
	}
	<-w.done
	return w.seen
}

// cutProxy forwards TCP connections to the API server, TLS untouched, and
// resets every one of them on demand: the network between the master and the
// API server failing while the cluster and its pods live on.
type cutProxy struct {
	ln     net.Listener
	target string // host:port of the API server

	mu    sync.Mutex
	pairs map[*proxied]struct{}
}

// proxied is one forwarded connection: the master's end and the API server's.
type proxied struct{ client, server net.Conn }

// startCutProxy listens on 127.0.0.1 and forwards to the server of the
// kubeconfig's current context, until t ends.
func startCutProxy(t *testing.T, kubeconfig string) *cutProxy {
	t.Helper()
	cfg, err := clientcmd.LoadFromFile(kubeconfig)
	if err != nil {
		t.Fatal(err)
	}
	u, err := url.Parse(cfg.Clusters[cfg.Contexts[cfg.CurrentContext].Cluster].Server)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &cutProxy{ln: ln, target: u.Host, pairs: map[*proxied]struct{}{}}
	go p.serve()
	t.Cleanup(func() {
		ln.Close()
		p.cut()
	})
	return p
}

func (p *cutProxy) serve() {
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		go p.forward(c)
	}
}

func (p *cutProxy) forward(client net.Conn) {
	server, err := net.Dial("tcp", p.target)
	if err != nil {
		client.Close()
		return
	}
	pc := &proxied{client: client, server: server}
	p.mu.Lock()
	p.pairs[pc] = struct{}{}
	p.mu.Unlock()
	done := make(chan struct{}, 2)
	go func() { io.Copy(server, client); done <- struct{}{} }()
	go func() { io.Copy(client, server); done <- struct{}{} }()
	<-done
	client.Close()
	server.Close()
	<-done
	p.mu.Lock()
	delete(p.pairs, pc)
	p.mu.Unlock()
}

// cut resets both ends of every connection open now and returns how many
// there were. New connections are forwarded as before.
func (p *cutProxy) cut() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	for pc := range p.pairs {
		for _, c := range []net.Conn{pc.client, pc.server} {
			c.(*net.TCPConn).SetLinger(0) // a reset, not an orderly close
			c.Close()
		}
	}
	n := len(p.pairs)
	clear(p.pairs)
	return n
}

// kubeconfig writes a copy of kubeconfig whose clusters are reached through
// the proxy and returns its path.
func (p *cutProxy) kubeconfig(t *testing.T, kubeconfig string) string {
	t.Helper()
	cfg, err := clientcmd.LoadFromFile(kubeconfig)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range cfg.Clusters {
		c.Server = "https://" + p.ln.Addr().String()
	}
	path := filepath.Join(t.TempDir(), "kubeconfig")
	if err := clientcmd.WriteToFile(*cfg, path); err != nil {
		t.Fatal(err)
	}
	return path
}
