package runner

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jenkins-paratest/jenkins-paratest/internal/config"
	"github.com/jenkins-paratest/jenkins-paratest/internal/engine"
	"github.com/jenkins-paratest/jenkins-paratest/internal/result"
)

// withServices configures a redis (ready on a port) and a postgres (ready by
// a command, its command replaced) beside every worker.
func withServices(timeout time.Duration) func(*config.Config) {
	return func(cfg *config.Config) {
		cfg.Services = []config.Service{
			{Name: "redis", Image: "svc/redis", Env: []string{"A=1"}, Ready: config.Ready{TCP: 6379, Timeout: timeout}},
			{Name: "postgres", Image: "svc/postgres", Command: []string{"postgres", "-c", "fsync=off"},
				Ready: config.Ready{Command: config.Command{Shell: "pg_isready"}, Timeout: timeout}},
		}
	}
}

// Each worker gets a network of its own; its services start on it first, by
// their names, under the agent's service wrapper; then the worker joins it as
// "worker".
func TestServicesStartOnTheWorkersNetwork(t *testing.T) {
	eng := &fakeEngine{run: func(string, string, int) (int, error) { return 0, nil }}
	r, out := fakeRunWith(t, []string{"a", "b", "c", "d"}, eng, withServices(time.Minute))
	if c := r.Counts(); c.Passed != 4 {
		t.Fatalf("counts %+v\n%s", c, out)
	}
	for _, n := range []string{"0", "1"} {
		var mine []engine.ContainerSpec
		for _, s := range eng.specs {
			if s.Labels[LabelWorker] == n {
				mine = append(mine, s)
			}
		}
		if len(mine) != 3 {
			t.Fatalf("worker %s: %d containers, want 2 services and the worker: %+v", n, len(mine), mine)
		}
		net := "paratest-unit-w" + n + "-1"
		if !slices.Contains(eng.networks, "+"+net) {
			t.Errorf("worker %s: network %s not made (%v)", n, net, eng.networks)
		}
		redis, pg, w := mine[0], mine[1], mine[2]
		if w.Labels[LabelRole] != "worker" || w.Network != net || !slices.Equal(w.Aliases, []string{"worker"}) {
			t.Errorf("worker %s: the worker is not last on its network as 'worker': %+v", n, w)
		}
		wantCmd := func(argv ...string) []string {
			return append([]string{agentPath, "agent", "service", "--worker", "worker", "--orphan-ttl", "1m0s", "--grace", "4m0s", "--"}, argv...)
		}
		for _, tc := range []struct {
			spec       engine.ContainerSpec
			name, role string
			cmd        []string
		}{
			{redis, "redis", roleService, wantCmd("entry.sh", "redis-server")},
			{pg, "postgres", roleService, wantCmd("entry.sh", "postgres", "-c", "fsync=off")},
		} {
			s := tc.spec
			if s.Labels[LabelRole] != tc.role || s.Labels[LabelService] != tc.name || s.Labels[LabelRun] != "unit" {
				t.Errorf("worker %s: %s labels %v", n, tc.name, s.Labels)
			}
			if s.Network != net || !slices.Equal(s.Aliases, []string{tc.name}) || s.Limits.Network != "" {
				t.Errorf("worker %s: %s on network %q as %v (mode %q), want %s as itself", n, tc.name, s.Network, s.Aliases, s.Limits.Network, net)
			}
			if !slices.Equal(s.Cmd, tc.cmd) {
				t.Errorf("worker %s: %s runs %q, want %q", n, tc.name, s.Cmd, tc.cmd)
			}
			if !slices.Contains(s.Env, "PARATEST_WORKER="+n) {
				t.Errorf("worker %s: %s env %v lacks PARATEST_WORKER", n, tc.name, s.Env)
			}
		}
		if !slices.Contains(redis.Env, "A=1") {
			t.Errorf("redis env %v lacks its own A=1", redis.Env)
		}
	}
}

// A service that never gets ready retires its worker, with the service's
// last output and the check in the warning; the other worker runs the suite.
func TestServiceNeverReadyRetiresOnlyItsWorker(t *testing.T) {
	var mu sync.Mutex
	ran := map[string]int{}
	eng := &fakeEngine{
		run: func(worker, id string, _ int) (int, error) {
			mu.Lock()
			defer mu.Unlock()
			ran[worker]++
			return 0, nil
		},
		ready: func(service, worker string) (int, error) {
			if service == "redis" && worker == "0" {
				return 1, nil
			}
			return 0, nil
		},
		serviceLog: "starting\nFatal: bind: address in use\n",
	}
	r, out := fakeRunWith(t, []string{"a", "b", "c", "d"}, eng, withServices(300*time.Millisecond))
	if c := r.Counts(); c.Passed != 4 {
		t.Fatalf("counts %+v\n%s", c, out)
	}
	if ran["w0"] != 0 || ran["w1"] != 4 {
		t.Errorf("tests ran %v, want all on w1", ran)
	}
	want := "service redis not ready after 300ms (tcp 6379); its last output: starting | Fatal: bind: address in use"
	if !strings.Contains(out, want) {
		t.Errorf("console does not say %q:\n%s", want, out)
	}
}

// A service that ends before it is ready fails at once, not at its timeout.
func TestServiceThatEndsFailsAtOnce(t *testing.T) {
	eng := &fakeEngine{
		run: func(string, string, int) (int, error) { return 0, nil },
		ready: func(service, worker string) (int, error) {
			return -1, fmt.Errorf("exec: %w: exited, exit code 1", engine.ErrContainerGone)
		},
	}
	begin := time.Now()
	_, out, err := fakeRunErr(t, []string{"a"}, eng, withServices(time.Hour))
	if err == nil || time.Since(begin) > time.Minute {
		t.Fatalf("err %v after %s, want an error before the hour-long timeout\n%s", err, time.Since(begin), out)
	}
	if !strings.Contains(out, "ended before it was ready") {
		t.Errorf("console does not say the service ended:\n%s", out)
	}
}

// A worker whose container is lost gets new services on a new network: the
// old ones and their network go first.
func TestLostWorkerGetsNewServices(t *testing.T) {
	var mu sync.Mutex
	lost := false
	eng := &fakeEngine{run: func(worker, id string, _ int) (int, error) {
		mu.Lock()
		defer mu.Unlock()
		if id == "b" && !lost {
			lost = true
			return -1, errors.New("connection reset")
		}
		return 0, nil
	}}
	r, out := fakeRunWith(t, []string{"a", "b", "c"}, eng, withServices(time.Minute))
	if got := attempts(r, "b"); len(got) != 1 || got[0].Status != result.Passed {
		t.Fatalf("b: %+v\n%s", got, out)
	}
	var second string
	for _, n := range eng.networks {
		if strings.HasSuffix(n, "-2") {
			second = n
		}
	}
	if second == "" {
		t.Fatalf("no second network for the lost worker: %v", eng.networks)
	}
	w := strings.TrimSuffix(strings.TrimPrefix(second, "+paratest-unit-w"), "-2")
	i := slices.Index(eng.networks, second)
	if removal := "-paratest.role=network,paratest.run=unit,paratest.worker=" + w; !slices.Contains(eng.networks[:i], removal) {
		t.Errorf("the lost worker's old network was not removed before %s: %v", second, eng.networks)
	}
}

// sidecarEngine is the fake engine as one that runs services as sidecars of
// the worker's container (a Kubernetes pod).
type sidecarEngine struct{ *fakeEngine }

func (sidecarEngine) Sidecars() bool { return true }

func (e sidecarEngine) Start(ctx context.Context, spec engine.ContainerSpec) (engine.Container, error) {
	c, err := e.fakeEngine.Start(ctx, spec)
	if err != nil {
		return nil, err
	}
	return sidecarContainer{c.(*fakeContainer)}, nil
}

type sidecarContainer struct{ *fakeContainer }

func (c sidecarContainer) Sidecar(name string) engine.Container {
	return &fakeContainer{f: c.f, worker: c.worker, service: name}
}

// On a sidecar engine the services are in the worker's own spec — no
// network, no containers of their own — and are waited for once it runs.
func TestServicesAsSidecars(t *testing.T) {
	var mu sync.Mutex
	checked := map[string]bool{}
	fe := &fakeEngine{
		run: func(string, string, int) (int, error) { return 0, nil },
		ready: func(service, worker string) (int, error) {
			mu.Lock()
			defer mu.Unlock()
			checked[worker+"/"+service] = true
			return 0, nil
		},
	}
	r, out, err := fakeRunEngine(t, []string{"a", "b"}, sidecarEngine{fe}, withServices(time.Minute))
	if err != nil || r.Counts().Passed != 2 {
		t.Fatalf("err %v, counts %+v\n%s", err, r.Counts(), out)
	}
	for _, n := range fe.networks {
		if strings.HasPrefix(n, "+") {
			t.Errorf("network %s made for sidecars", n)
		}
	}
	for _, s := range fe.specs {
		if s.Labels[LabelRole] == roleService {
			t.Errorf("a service started as a container of its own: %+v", s)
		}
		if s.Labels[LabelRole] == "worker" {
			if len(s.Sidecars) != 2 || s.Sidecars[0].Name != "redis" || !slices.Equal(s.Sidecars[1].Args, []string{"postgres", "-c", "fsync=off"}) ||
				!slices.Contains(s.Sidecars[0].Env, "PARATEST_WORKER="+s.Labels[LabelWorker]) || s.Network != "" {
				t.Errorf("worker spec's sidecars %+v, network %q", s.Sidecars, s.Network)
			}
		}
	}
	for _, k := range []string{"0/redis", "0/postgres", "1/redis", "1/postgres"} {
		if !checked[k] {
			t.Errorf("service %s was not checked for readiness in its sidecar (%v)", k, checked)
		}
	}
}

// A worker whose container never starts (a pod no node has room for) does not
// hold the run up: once the others have run the queue, its start is called
// off, said, and the run ends with their verdicts.
func TestStartCalledOffWhenTheQueueIsDone(t *testing.T) {
	eng := &fakeEngine{
		run:  func(string, string, int) (int, error) { return 0, nil },
		hang: func(worker string) bool { return worker == "1" },
	}
	done := make(chan struct{})
	var r *result.Run
	var out string
	var err error
	go func() {
		defer close(done)
		r, out, err = fakeRunErr(t, []string{"a", "b", "c"}, eng, nil)
	}()
	select {
	case <-done:
	case <-time.After(time.Minute):
		t.Fatal("the run waits for a worker that never starts")
	}
	if err != nil || r.Counts().Passed != 3 {
		t.Fatalf("err %v, counts %+v\n%s", err, r.Counts(), out)
	}
	if !strings.Contains(out, "worker local/w1: the queue was done before the worker's container ran") {
		t.Errorf("the console does not say the start was called off:\n%s", out)
	}
}
