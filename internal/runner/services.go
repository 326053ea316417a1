package runner

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/jenkins-paratest/jenkins-paratest/internal/config"
	"github.com/jenkins-paratest/jenkins-paratest/internal/engine"
)

// A worker's services (services: in paratest.yml) run on a network of the
// worker's own, made anew with each of its containers: the services first,
// each known there by its name, then, once they are all ready, the worker's
// container, known there as "worker". No other worker's containers are on it,
// so each worker has its own database at the same address, and two workers'
// services may bind the same port. Services carry the worker's labels with
// role service, so the run's clean-up, `clean` and a later run's removal of
// leftovers take them like workers; each runs under `agent service`, which
// stops it once its worker has been gone for the orphan TTL.

// Labels and names of the services' containers and networks.
const (
	LabelService = "paratest.service" // the service's name
	roleService  = "service"
	roleNetwork  = "network"
	workerAlias  = "worker" // the worker's host name on its network
)

// readyInterval is the pause between two readiness checks of a service.
const readyInterval = 250 * time.Millisecond

// serviceTail is how many of a service's last output lines a failure shows
// (all of it is in the worker's log).
const serviceTail = 5

// services is what a worker's container runs beside: its network and the
// services' containers on it.
type services struct {
	network  string // "" for sidecars
	sidecars bool   // in the worker's container (a pod), not on a network
	list     []*service
	stopLogs context.CancelFunc // ends the log followers
	wg       sync.WaitGroup     // the log followers
}

// service is one running service of a worker.
type service struct {
	cfg  config.Service
	c    engine.Container
	tail *tail
}

// startServices makes w's network and starts its services on it, then waits
// until each is ready. Services a worker's earlier container had are removed
// first. With no services configured it returns nil, nil. A service that is
// not ready in time retires the worker (retireError), with its last output.
//
// On an engine that runs services as sidecars of the worker's container (a
// Kubernetes pod) it only prepares them: open puts them in the worker's spec
// and, once it runs, attachSidecars waits for them.
func (p *pool) startServices(ctx context.Context, w *worker) (*services, error) {
	s := p.s
	if len(s.cfg.Services) == 0 {
		return nil, nil
	}
	p.stopServices(ctx, w)
	if se, ok := w.h.eng.(engine.SidecarEngine); ok && se.Sidecars() {
		set := &services{sidecars: true, stopLogs: func() {}}
		for _, sc := range s.cfg.Services {
			set.list = append(set.list, &service{cfg: sc, tail: &tail{max: serviceTail}})
		}
		w.services = set
		return set, nil
	}
	name := "paratest-" + sanitizeName(s.cfg.RunID) + "-" + w.name + "-" + strconv.Itoa(w.attempt)
	labels := s.workerLabels(w, roleNetwork)
	if err := w.h.eng.Network(ctx, name, labels); err != nil {
		return nil, err
	}
	set := &services{network: name, stopLogs: func() {}}
	w.services = set // stopServices removes what was started, whatever fails
	for _, sc := range s.cfg.Services {
		img, err := w.h.serviceImage(ctx, s, sc.Image)
		if err != nil {
			return set, fmt.Errorf("service %s: %w", sc.Name, err)
		}
		c, err := s.launch(ctx, w.h, p.serviceSpec(w, sc, img, name))
		if err != nil {
			return set, fmt.Errorf("service %s: %w", sc.Name, err)
		}
		set.list = append(set.list, &service{cfg: sc, c: c, tail: &tail{max: serviceTail}})
	}
	fmt.Fprintf(w.log, "=== paratest: services on %s: %s\n", name, serviceNames(s.cfg.Services))
	return set, p.awaitServices(ctx, w, set)
}

// sidecars are w's services as sidecars of its container, for its spec.
func (p *pool) sidecars(w *worker, set *services) []engine.Sidecar {
	var out []engine.Sidecar
	for _, svc := range set.list {
		sc := svc.cfg
		out = append(out, engine.Sidecar{Name: sc.Name, Image: sc.Image,
			Env: append(append([]string(nil), sc.Env...), p.workerEnv(w)...), Args: sc.Command})
	}
	return out
}

// attachSidecars finds the services in c, the worker's container started with
// them as sidecars, and waits until each is ready.
func (p *pool) attachSidecars(ctx context.Context, w *worker, c engine.Container, set *services) error {
	sc, ok := c.(engine.SidecarContainer)
	if !ok {
		return fmt.Errorf("the engine on %s started the worker without its sidecars", w.h.name)
	}
	for _, svc := range set.list {
		svc.c = sc.Sidecar(svc.cfg.Name)
	}
	fmt.Fprintf(w.log, "=== paratest: services beside the worker: %s\n", serviceNames(p.s.cfg.Services))
	return p.awaitServices(ctx, w, set)
}

// awaitServices follows each service's output into w's log, under its name,
// and waits until every one is ready; one that is not retires the worker.
func (p *pool) awaitServices(ctx context.Context, w *worker, set *services) error {
	logCtx, stopLogs := context.WithCancel(context.WithoutCancel(ctx))
	set.stopLogs = stopLogs
	for _, svc := range set.list {
		prefix := "[" + svc.cfg.Name + "] "
		out := &lineWriter{f: func(line string) {
			svc.tail.add(line)
			fmt.Fprintf(w.log, "%s%s\n", prefix, line)
		}}
		set.wg.Go(func() { _ = svc.c.Logs(logCtx, out, out) })
	}
	errs := make([]error, len(set.list))
	var wg sync.WaitGroup
	for i, svc := range set.list {
		wg.Go(func() { errs[i] = p.awaitReady(ctx, w, svc) })
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		if ctx.Err() != nil {
			return context.Cause(ctx)
		}
		return &retireError{err}
	}
	return nil
}

// stopServices removes w's services and their network, if it has any.
func (p *pool) stopServices(ctx context.Context, w *worker) {
	set := w.services
	if set == nil {
		return
	}
	w.services = nil
	if set.sidecars { // they went with the worker's container
		set.stopLogs()
		set.wg.Wait()
		return
	}
	cctx, cancel := cleanupContext(ctx, p.s.opts.Hard)
	defer cancel()
	var wg sync.WaitGroup
	for _, svc := range set.list {
		wg.Go(func() {
			if err := svc.c.Remove(cctx); err != nil {
				p.s.con.Warnf("worker %s: remove service %s: %v", w.tag(), svc.cfg.Name, err)
			}
		})
	}
	wg.Wait()
	set.stopLogs()
	set.wg.Wait()
	if _, err := w.h.eng.RemoveNetworks(cctx, map[string]string{LabelRun: p.s.cfg.RunID, LabelWorker: strconv.Itoa(w.n), LabelRole: roleNetwork}); err != nil {
		p.s.con.Warnf("worker %s: remove its network %s: %v", w.tag(), set.network, err)
	}
}

// awaitReady runs svc's readiness check in its container until it passes, the
// service's timeout expires or its container ends.
func (p *pool) awaitReady(ctx context.Context, w *worker, svc *service) error {
	r := svc.cfg.Ready
	argv := []string{agentPath, "agent", "probe", "tcp", net.JoinHostPort(svc.cfg.Name, strconv.Itoa(r.TCP))}
	check := "tcp " + strconv.Itoa(r.TCP)
	if r.TCP == 0 {
		argv = r.Command.Args(nil)
		check = "its ready: command"
	}
	begin := time.Now()
	deadline := time.NewTimer(r.Timeout)
	defer deadline.Stop()
	var last string // the check's own last output
	for {
		var out strings.Builder
		cctx, cancel := context.WithTimeout(ctx, max(r.Timeout-time.Since(begin), time.Second))
		code, err := svc.c.Exec(cctx, engine.ExecSpec{Cmd: argv, Stdout: &out, Stderr: &out})
		cancel()
		switch {
		case err == nil && code == 0:
			fmt.Fprintf(w.log, "=== paratest: service %s ready after %s\n", svc.cfg.Name, time.Since(begin).Round(time.Millisecond))
			return nil
		case ctx.Err() != nil:
			return context.Cause(ctx)
		case errors.Is(err, engine.ErrContainerGone):
			return svc.failure(fmt.Sprintf("ended before it was ready (%v)", err), "")
		}
		if s := strings.TrimSpace(out.String()); s != "" {
			last = s
		}
		select {
		case <-ctx.Done():
			return context.Cause(ctx)
		case <-deadline.C:
			return svc.failure(fmt.Sprintf("not ready after %s (%s)", r.Timeout, check), last)
		case <-time.After(readyInterval):
		}
	}
}

// failure is a service's error with its last output lines.
func (svc *service) failure(what, check string) error {
	var b strings.Builder
	fmt.Fprintf(&b, "service %s %s", svc.cfg.Name, what)
	if check != "" {
		fmt.Fprintf(&b, "; the check said: %s", oneLineOf(check))
	}
	if lines := svc.tail.lines(); len(lines) > 0 {
		fmt.Fprintf(&b, "; its last output: %s", strings.Join(lines, " | "))
	} else {
		b.WriteString("; it printed nothing")
	}
	return errors.New(b.String())
}

// serviceSpec is the container of service sc for w, on network.
func (p *pool) serviceSpec(w *worker, sc config.Service, img engine.ImageInfo, network string) engine.ContainerSpec {
	s := p.s
	cmd := img.Cmd
	if sc.Command != nil {
		cmd = sc.Command
	}
	argv := append(append([]string(nil), img.Entrypoint...), cmd...)
	// The worker may take this long to appear: every service's readiness,
	// then its own start.
	grace := s.cfg.OrphanTTL + time.Minute
	for _, o := range s.cfg.Services {
		grace += o.Ready.Timeout
	}
	limits := engineLimits(s.cfg.Limits)
	limits.Network = ""
	labels := s.workerLabels(w, roleService)
	labels[LabelService] = sc.Name
	return engine.ContainerSpec{
		Image:  sc.Image,
		Name:   "paratest-" + sanitizeName(s.cfg.RunID) + "-" + w.name + "-" + sc.Name + "-" + strconv.Itoa(w.attempt),
		Labels: labels,
		Env:    append(append([]string(nil), sc.Env...), p.workerEnv(w)...),
		Cmd: append([]string{agentPath, "agent", "service", "--worker", workerAlias,
			"--orphan-ttl", s.cfg.OrphanTTL.String(), "--grace", grace.String(), "--"}, argv...),
		Limits:  limits,
		Network: network,
		Aliases: []string{sc.Name},
	}
}

// workerLabels are the labels of w's containers and network with role.
func (s *master) workerLabels(w *worker, role string) map[string]string {
	l := s.labels()
	l[LabelWorker] = strconv.Itoa(w.n)
	l[LabelRole] = role
	return l
}

// serviceImage makes sure a service's image is on h, once per host and image.
func (h *host) serviceImage(ctx context.Context, s *master, ref string) (engine.ImageInfo, error) {
	h.mu.Lock()
	img, ok := h.serviceImages[ref]
	h.mu.Unlock()
	if ok {
		return img, nil
	}
	img, err := h.eng.Image(ctx, ref, s.cfg.Pull, &lineWriter{f: func(l string) {
		s.con.Infof("pull %s on %s: %s", ref, h.name, l)
	}})
	if err != nil {
		return engine.ImageInfo{}, err
	}
	h.mu.Lock()
	if h.serviceImages == nil {
		h.serviceImages = map[string]engine.ImageInfo{}
	}
	h.serviceImages[ref] = img
	h.mu.Unlock()
	return img, nil
}

func serviceNames(list []config.Service) string {
	var names []string
	for _, s := range list {
		names = append(names, s.Name)
	}
	return strings.Join(names, ", ")
}

// tail keeps the last lines written to it.
type tail struct {
	mu   sync.Mutex
	max  int
	keep []string
}

func (t *tail) add(line string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if len(line) > 300 {
		line = line[:300] + "…"
	}
	t.keep = append(t.keep, line)
	if len(t.keep) > t.max {
		t.keep = t.keep[len(t.keep)-t.max:]
	}
}

func (t *tail) lines() []string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return append([]string(nil), t.keep...)
}

// oneLineOf joins s's lines with " | ", at most 300 bytes.
func oneLineOf(s string) string {
	s = strings.Join(strings.Fields(strings.ReplaceAll(s, "\n", " | ")), " ")
	if len(s) > 300 {
		s = s[:300] + "…"
	}
	return s
}
