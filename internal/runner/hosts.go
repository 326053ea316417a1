package runner

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"sync"
	"time"

	"github.com/jenkins-paratest/jenkins-paratest/internal/config"
	"github.com/jenkins-paratest/jenkins-paratest/internal/console"
	"github.com/jenkins-paratest/jenkins-paratest/internal/engine"
	"github.com/jenkins-paratest/jenkins-paratest/internal/engine/docker"
	"github.com/jenkins-paratest/jenkins-paratest/internal/engine/kubernetes"
	"github.com/jenkins-paratest/jenkins-paratest/internal/exit"
	"github.com/jenkins-paratest/jenkins-paratest/internal/matrix"
	"github.com/jenkins-paratest/jenkins-paratest/internal/sshpool"
)

// host is one Docker engine of the run — the local one, or a matrix host's reached
// through the SSH pool — with its share of the workers.
type host struct {
	name    string
	address string // host:port for messages; "" for the local engine
	ssh     *sshpool.Host
	eng     engine.Engine
	workers int

	prep    sync.Mutex    // serialises prepare: one image pull or transfer per host
	mu      sync.Mutex    // guards the fields below
	lost    chan struct{} // closed when the host's SSH connection is lost; then replaced
	ready   bool
	cleaned bool // leftovers of an earlier run with this run id were removed
	image   engine.ImageInfo
	// agentVolume is the volume holding the agent on this host, "" when the agent
	// is copied into each container.
	agentVolume string
	share       *engineShare // what the hosts on this host's engine share
	// serviceImages are the services' images found on the host, by reference.
	serviceImages map[string]engine.ImageInfo
}

// startsPerEngine is how many containers one engine is asked to start at
// once. An engine starts containers about one at a time whatever it is asked
// (on 2 CPUs ~6 a second): 32 asked at once all finish late, together, while
// two at a time keep it busy and have the first workers (and the listing) up
// early.
const startsPerEngine = 2

// engineShare is what the hosts of a run that reach the same Docker engine
// share (matrix entries naming one machine twice): the gate on container
// starts, and the engine's preparation, made once: the leftovers of an earlier
// run with this id removed, the agent volume filled.
type engineShare struct {
	starts chan struct{}

	mu       sync.Mutex
	prepared bool
	volume   string // "" when the engine could not give one
}

// claimEngine prepares h's engine for the run, once for the hosts that share
// it, and returns the agent volume's name ("": copy the agent in). A run with
// this id that died by SIGKILL left containers, which stopped at their orphan
// TTL: they go before this run starts any. Running ones are another live
// run's with the same id: this run would destroy it, and refuses to start.
func (s *master) claimEngine(ctx context.Context, h *host, e *engineShare) (string, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.prepared {
		return e.volume, nil
	}
	removed, live, err := h.eng.RemoveStale(ctx, s.labels())
	if err != nil {
		return "", fmt.Errorf("remove leftovers: %w", err)
	}
	if len(removed) > 0 {
		s.con.Infof("host %s: removed %s left by an earlier run %s", h.name, plural(len(removed), "container"), s.cfg.RunID)
	}
	if live > 0 {
		return "", &runIDInUse{host: h.name, id: s.cfg.RunID, n: live, ttl: s.cfg.OrphanTTL}
	}
	if _, err := h.eng.RemoveNetworks(ctx, map[string]string{LabelRun: s.cfg.RunID, LabelRole: roleNetwork}); err != nil {
		return "", fmt.Errorf("remove leftovers: %w", err)
	}
	e.volume = s.fillAgent(ctx, h)
	e.prepared = true
	return e.volume, nil
}

// runIDInUse is a run id that a live run on a host uses.
type runIDInUse struct {
	host, id string
	n        int
	ttl      time.Duration
}

func (e *runIDInUse) Error() string {
	return fmt.Sprintf("run id %s is in use on %s: %s of a live run carry it; give each call its own --run-id (one killed less than orphan_ttl, %s, ago stops by then; jenkins-paratest clean --run %s removes it now)",
		e.id, e.host, plural(e.n, "running container"), e.ttl, e.id)
}

func (e *engineShare) acquire(ctx context.Context) error {
	select {
	case e.starts <- struct{}{}:
		return nil
	default:
	}
	select {
	case e.starts <- struct{}{}:
		return nil
	case <-ctx.Done():
		return context.Cause(ctx)
	}
}

func (e *engineShare) release() { <-e.starts }

// share is the engineShare of the engine with id.
func (s *master) share(id string) *engineShare {
	s.sharesMu.Lock()
	defer s.sharesMu.Unlock()
	if e, ok := s.shares[id]; ok && id != "" {
		return e
	}
	e := &engineShare{starts: make(chan struct{}, startsPerEngine)}
	if s.shares == nil {
		s.shares = map[string]*engineShare{}
	}
	s.shares[id] = e
	return e
}

// hostsOf opens (without dialling) the engines of the run: the local engine when
// there is no matrix, else one per matrix host, each dialling its engine socket
// through the pool's current SSH connection to that host.
func hostsOf(cfg *config.Config, opts Options, con *console.Console) ([]*host, *sshpool.Pool, error) {
	if cfg.Kubernetes != nil { // kubernetes.go
		h, err := kubernetesHost(cfg, opts)
		if err != nil {
			return nil, nil, err
		}
		return []*host{h}, nil, nil
	}
	if cfg.Matrix == "" {
		eng := opts.Engine
		if eng == nil {
			var err error
			if eng, err = docker.New(docker.Options{}); err != nil {
				return nil, nil, exit.Infraf("docker engine: %w", err)
			}
		}
		return []*host{{name: eng.Host(), eng: eng, workers: cfg.Workers}}, nil, nil
	}
	m, err := matrix.Load(cfg.Matrix, matrix.Options{CurrentUser: cfg.SSHUser})
	if err != nil {
		return nil, nil, err
	}
	var hosts []*host
	pool, err := sshpool.New(sshpool.Options{
		KnownHosts:            cfg.KnownHosts,
		InsecureIgnoreHostKey: cfg.InsecureIgnoreHostKey,
		Identity:              cfg.Identity,
		Passphrase:            cfg.SSHPassphrase,
		AgentSocket:           cfg.SSHAuthSock,
		Warnf:                 con.Warnf,
		OnLost: func(name string) {
			for _, h := range hosts {
				if h.name == name {
					h.connectionLost()
				}
			}
		},
	})
	if err != nil {
		return nil, nil, exit.Usagef("ssh: %w", err)
	}
	for _, mh := range m.Hosts {
		sh := &sshpool.Host{Name: mh.Name, Address: mh.Address, Port: mh.Port, User: mh.User}
		if mh.Jump != nil {
			sh.Jump = &sshpool.Jump{Address: mh.Jump.Address, Port: mh.Jump.Port, User: mh.Jump.User}
		}
		socket := mh.DockerSocket
		eng, err := docker.New(docker.Options{
			Name:   mh.Name,
			Socket: socket,
			DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
				return pool.DialUnix(ctx, *sh, socket)
			},
		})
		if err != nil {
			pool.Close()
			return nil, nil, exit.Infraf("docker engine on %s: %w", mh.Name, err)
		}
		hosts = append(hosts, &host{name: mh.Name, address: mh.Addr(), ssh: sh, eng: eng, workers: mh.Workers, lost: make(chan struct{})})
	}
	return hosts, pool, nil
}

// prepare connects to the host's engine and makes sure the image is there, by
// pulling it or, with image_transfer: load, by streaming it from the local engine.
// It is done once per host until markDown says the host was lost.
func (h *host) prepare(ctx context.Context, s *master) (engine.ImageInfo, error) {
	// One prepare at a time per host; mu is held only to read and set the
	// fields, so a long pull does not hold up the host's running workers.
	h.prep.Lock()
	defer h.prep.Unlock()
	h.mu.Lock()
	ready, image, cleaned := h.ready, h.image, h.cleaned
	h.mu.Unlock()
	if ready {
		return image, nil
	}
	if h.ssh != nil {
		// The Docker client reports any failed dial as "cannot connect to the
		// Docker daemon"; the SSH connection's own error says what is wrong.
		if _, err := s.pool.Client(ctx, *h.ssh); err != nil {
			return engine.ImageInfo{}, err
		}
	}
	info, err := h.eng.Info(ctx)
	if err != nil {
		return engine.ImageInfo{}, err // "ping docker engine on <host>: …"
	}
	var img engine.ImageInfo
	if s.cfg.ImageTransfer == "load" && h.address != "" {
		img, err = s.transfer(ctx, h)
	} else {
		img, err = h.eng.Image(ctx, s.cfg.Image, s.cfg.Pull, &lineWriter{f: func(l string) {
			s.con.Infof("pull %s on %s: %s", s.cfg.Image, h.name, l)
		}})
	}
	if err != nil {
		return engine.ImageInfo{}, err
	}
	if cleaned {
		s.con.Infof("host %s is back", h.name)
		h.mu.Lock()
		h.ready, h.image = true, img
		h.mu.Unlock()
		return img, nil
	}
	share := s.share(info.ID)
	vol, err := s.claimEngine(ctx, h, share)
	if err != nil {
		return engine.ImageInfo{}, err
	}
	if k, ok := h.eng.(*kubernetes.Engine); ok {
		s.con.Infof("host %s: kubernetes %s at %s namespace %s, credentials: %s, %d workers, image %s",
			h.name, info.ServerVersion, k.Server(), k.Namespace(), k.Auth(), h.workers, s.cfg.Image)
	} else {
		s.con.Infof("host %s: docker %s, API %s, %d CPUs, %d workers, image %s", h.name, info.ServerVersion, info.APIVersion, info.CPUs, h.workers, shortID(img.ID))
	}
	h.mu.Lock()
	h.cleaned, h.share, h.agentVolume = true, share, vol
	h.ready, h.image = true, img
	h.mu.Unlock()
	return img, nil
}

// markDown makes the next prepare check the engine and the image again.
func (h *host) markDown() {
	h.mu.Lock()
	h.ready = false
	h.mu.Unlock()
}

// checkDown marks h down when its engine does not answer: a worker's failure
// (its container lost, its setup failing) is not the host's unless the host
// is gone too.
func (h *host) checkDown(ctx context.Context) {
	pctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if _, err := h.eng.Info(pctx); err != nil {
		h.markDown()
	}
}

// transfer loads the master's copy of the image into a host that lacks that image
// id, streaming `docker save` from the local engine into `docker load` there.
func (s *master) transfer(ctx context.Context, h *host) (engine.ImageInfo, error) {
	local, err := s.localImage(ctx)
	if err != nil {
		return engine.ImageInfo{}, err
	}
	have, err := h.eng.Image(ctx, s.cfg.Image, engine.PullNever, nil)
	if err == nil && have.ID == local.ID {
		return have, nil
	}
	if err != nil && !errors.Is(err, engine.ErrImageNotFound) {
		return engine.ImageInfo{}, err
	}
	s.con.Infof("host %s: loading image %s (%s) from the local engine", h.name, s.cfg.Image, shortID(local.ID))
	rc, err := s.local.SaveImage(ctx, s.cfg.Image)
	if err != nil {
		return engine.ImageInfo{}, err
	}
	defer rc.Close()
	if err := h.eng.LoadImage(ctx, io.Reader(rc)); err != nil {
		return engine.ImageInfo{}, err
	}
	return h.eng.Image(ctx, s.cfg.Image, engine.PullNever, nil)
}

// localImage resolves the image on the master's own engine, once.
func (s *master) localImage(ctx context.Context) (engine.ImageInfo, error) {
	s.localMu.Lock()
	defer s.localMu.Unlock()
	if s.localImg.ID != "" {
		return s.localImg, nil
	}
	if s.local == nil {
		eng, err := docker.New(docker.Options{})
		if err != nil {
			return engine.ImageInfo{}, err
		}
		s.local = eng
	}
	img, err := s.local.Image(ctx, s.cfg.Image, s.cfg.Pull, nil)
	if err != nil {
		return engine.ImageInfo{}, fmt.Errorf("image_transfer: load: the local engine: %w", err)
	}
	s.localImg = img
	return img, nil
}

// prepareAll prepares every host concurrently. A host that fails is reported and
// left for its workers to retry; it is an error only when no host is ready.
func (s *master) prepareAll(ctx context.Context) error {
	errs := make([]error, len(s.hosts))
	var wg sync.WaitGroup
	for i, h := range s.hosts {
		wg.Go(func() { _, errs[i] = h.prepare(ctx, s) })
	}
	wg.Wait()
	var ready int
	for i, err := range errs {
		if err == nil {
			ready++
			continue
		}
		var inUse *runIDInUse
		if errors.As(err, &inUse) {
			return exit.WithCode(exit.Usage, err)
		}
		if len(s.hosts) > 1 {
			s.con.Warnf("host %s: %v; its workers keep trying", s.hosts[i].name, err)
		}
	}
	if ready > 0 {
		return nil
	}
	if ctx.Err() != nil {
		return context.Cause(ctx)
	}
	if len(s.hosts) == 1 {
		err := errs[0]
		switch {
		case errors.Is(err, engine.ErrImageNotFound):
			return exit.WithCode(exit.Usage, err)
		case s.cfg.Matrix == "":
			// The Docker client's own message names the socket and asks whether
			// the daemon runs; nothing to add.
			return exit.Infraf("%w", err)
		default:
			return exit.Infraf("no host of %s is usable: %w", s.cfg.Matrix, err)
		}
	}
	return exit.Infraf("no host of %s is usable (see the warnings above): %w", s.cfg.Matrix, errs[0])
}

// connectionLost tells the commands streaming over the host's lost connection to
// give up: their batches go back to the queue at once.
func (h *host) connectionLost() {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.lost != nil {
		close(h.lost)
		h.lost = make(chan struct{})
	}
}

// connection returns a context that ends with ctx or when the host's current
// SSH connection is lost (never, for the local engine).
func (h *host) connection(ctx context.Context) (context.Context, context.CancelFunc) {
	h.mu.Lock()
	lost := h.lost
	h.mu.Unlock()
	cctx, cancel := context.WithCancelCause(ctx)
	if lost == nil {
		return cctx, func() { cancel(nil) }
	}
	stop := make(chan struct{})
	go func() {
		select {
		case <-lost:
			cancel(fmt.Errorf("the ssh connection to %s was lost", h.name))
		case <-stop:
		case <-cctx.Done():
		}
	}()
	return cctx, func() { close(stop); cancel(nil) }
}
