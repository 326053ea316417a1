package runner

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sync"

	"github.com/jenkins-paratest/jenkins-paratest/internal/config"
	"github.com/jenkins-paratest/jenkins-paratest/internal/console"
	"github.com/jenkins-paratest/jenkins-paratest/internal/engine"
	"github.com/jenkins-paratest/jenkins-paratest/internal/engine/kubernetes"
)

// HostCheck is one row of `jenkins-paratest check`: what was found on one host.
type HostCheck struct {
	Host        string // matrix name, or "local"
	Address     string // host:port, "" for the local engine
	SSH         string // "ok", "-" for the local engine, or the error
	Auth        string // auth method used: "agent", "key FILE", …
	HostKey     string // "verified SHA256:…", "unknown SHA256:…", "CHANGED SHA256:…", "ignored (insecure)"
	Engine      string // "28.2.2 (API 1.41)", or the error
	Image       string // "present sha256:…", "missing", "-" when no image is configured, or the error
	CPUs        int
	MemoryBytes int64
	Workers     int
	OK          bool // the host can run workers
}

// Check connects to every host of the run (the matrix, or the local engine) and
// reports what it finds, without starting anything. Hosts are checked in
// parallel and reported in matrix order.
func Check(ctx context.Context, cfg *config.Config, opts Options) ([]HostCheck, error) {
	con := console.New(warnings(opts), console.Options{})
	hosts, pool, err := hostsOf(cfg, opts, con)
	if err != nil {
		return nil, err
	}
	s := &master{cfg: cfg, opts: opts, con: con, hosts: hosts, pool: pool}
	defer s.close()
	rows := make([]HostCheck, len(hosts))
	var wg sync.WaitGroup
	for i, h := range hosts {
		wg.Go(func() { rows[i] = s.check(ctx, h) })
	}
	wg.Wait()
	return rows, nil
}

func (s *master) check(ctx context.Context, h *host) HostCheck {
	if k, ok := h.eng.(*kubernetes.Engine); ok { // kubernetes.go
		return s.checkKubernetes(ctx, h, k)
	}
	row := HostCheck{Host: h.name, Address: h.address, Workers: h.workers, SSH: "-", Auth: "-", HostKey: "-", Image: "-"}
	if h.ssh != nil {
		_, err := s.pool.Client(ctx, *h.ssh)
		fp, status := s.pool.HostKey(*h.ssh)
		if status != "" {
			row.HostKey = status + " " + fp
		}
		if err != nil {
			row.SSH, row.Engine = err.Error(), "-"
			return row
		}
		row.SSH, row.Auth = "ok", s.pool.AuthMethod(*h.ssh)
	}
	info, err := h.eng.Info(ctx)
	if err != nil {
		row.Engine = err.Error()
		return row
	}
	row.Engine = fmt.Sprintf("%s (API %s)", info.ServerVersion, info.APIVersion)
	row.CPUs, row.MemoryBytes = info.CPUs, info.MemoryBytes
	row.OK = true
	if s.cfg.Image == "" {
		return row
	}
	img, err := h.eng.Image(ctx, s.cfg.Image, engine.PullNever, nil)
	switch {
	case err == nil:
		row.Image = "present " + shortID(img.ID)
	case errors.Is(err, engine.ErrImageNotFound):
		row.Image = "missing"
		// A missing image is fine when the run would pull or transfer it.
		row.OK = s.cfg.Pull != engine.PullNever || (s.cfg.ImageTransfer == "load" && h.address != "")
		if !row.OK {
			row.Image = "missing (pull: never)"
		}
	default:
		row.Image, row.OK = err.Error(), false
	}
	return row
}

// Removed is what `jenkins-paratest clean` removed on one host.
type Removed struct {
	Host       string
	Containers []string // short ids
	Live       int      // running containers of live runs it left
	Volumes    []string // agent volumes no container uses
	Networks   []string // the workers' networks (services:) no container uses
	Err        error
}

// Clean removes the paratest-labelled containers on every host: those of one
// run when runID is not ""; else those that no longer run (their master died,
// and they stopped at their orphan TTL), or every one with all. The workers'
// networks (services:) go with their containers, and the agent volumes that no
// container uses any more go too (a run's own clean-up leaves one that a
// container kept by --keep-failed still mounts).
func Clean(ctx context.Context, cfg *config.Config, opts Options, runID string, all bool) ([]Removed, error) {
	con := console.New(warnings(opts), console.Options{})
	hosts, pool, err := hostsOf(cfg, opts, con)
	if err != nil {
		return nil, err
	}
	s := &master{cfg: cfg, opts: opts, con: con, hosts: hosts, pool: pool}
	defer s.close()
	out := make([]Removed, len(hosts))
	var wg sync.WaitGroup
	for i, h := range hosts {
		wg.Go(func() {
			if h.ssh != nil {
				// The Docker client reports any failed dial as "cannot connect
				// to the Docker daemon" at the host's socket path; the SSH
				// connection's own error says what is wrong.
				if _, err := pool.Client(ctx, *h.ssh); err != nil {
					out[i] = Removed{Host: h.name, Err: err}
					return
				}
			}
			labels := map[string]string{LabelRun: runID}
			var ids []string
			var live int
			var err error
			if runID != "" || all {
				ids, err = h.eng.RemoveAll(ctx, labels)
			} else {
				ids, live, err = h.eng.RemoveStale(ctx, labels)
			}
			out[i] = Removed{Host: h.name, Containers: ids, Live: live, Err: err}
			if err == nil { // the networks of live runs are in use: they stay
				out[i].Networks, out[i].Err = h.eng.RemoveNetworks(ctx, map[string]string{LabelRun: runID, LabelRole: roleNetwork})
			}
			if out[i].Err == nil { // what no container uses any more; a run that needs one makes it anew
				out[i].Volumes, out[i].Err = h.eng.RemoveVolumes(ctx, map[string]string{LabelAgent: ""})
			}
		})
	}
	wg.Wait()
	return out, nil
}

// warnings is where check and clean print the pool's warnings.
func warnings(opts Options) io.Writer {
	if opts.Stdout != nil {
		return opts.Stdout
	}
	return io.Discard
}
