package runner

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/jenkins-paratest/jenkins-paratest/internal/engine"
	"github.com/jenkins-paratest/jenkins-paratest/internal/engine/kubernetes"
)

// keepFor is how long a container --keep-failed keeps stays up for someone to
// step in: its agent acts as if the master beat on for that long, then stops
// it at its orphan TTL; `clean --run` removes it before.
const keepFor = time.Hour

// keep picks up to cfg.KeepFailed workers whose last batch failed, in worker
// order, holds their containers (and so their services) up for keepFor, and
// prints how to get a shell in each. It returns the kept workers' numbers,
// which the clean-up leaves. Nothing is kept after a signal.
func (p *pool) keep(ctx context.Context) map[int]bool {
	s := p.s
	if s.cfg.KeepFailed == 0 || ctx.Err() != nil {
		return nil
	}
	kept := map[int]bool{}
	for _, w := range p.workers {
		if len(kept) == s.cfg.KeepFailed {
			break
		}
		if !w.lastFailed || w.c == nil || w.broken || w.retired {
			continue
		}
		hctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		code, err := w.c.Exec(hctx, engine.ExecSpec{Cmd: []string{agentPath, "agent", "beat", "--hold", keepFor.String()}})
		cancel()
		if err != nil || code != 0 {
			s.con.Warnf("worker %s: cannot keep its container (agent beat: exit %d, %v); it goes with the others", w.tag(), code, err)
			continue
		}
		kept[w.n] = true
		s.con.Infof("kept worker %s, whose last batch failed, for %s: %s", w.tag(), keepFor, shellLine(w.h, w.c, "worker"))
		if set := w.services; set != nil {
			for _, svc := range set.list {
				s.con.Infof("  its service %s: %s", svc.cfg.Name, shellLine(w.h, svc.c, svc.cfg.Name))
			}
		}
	}
	if len(kept) > 0 {
		s.con.Infof("kept %s; they stop by themselves after %s, or: jenkins-paratest clean --run %s", plural(len(kept), "worker"), keepFor, s.cfg.RunID)
	}
	return kept
}

// shellLine is the command that opens a shell in c on h: docker exec, or on
// Kubernetes kubectl exec into the pod's container of that name.
func shellLine(h *host, c engine.Container, container string) string {
	if k, ok := h.eng.(*kubernetes.Engine); ok { // a pod's, or its sidecar's: the pod's name
		return fmt.Sprintf("kubectl exec -it -n %s %s -c %s -- sh", k.Namespace(), c.ID(), container)
	}
	return fmt.Sprintf("docker %sexec -it %s sh", dockerHostFlag(h), shortContainer(c.ID()))
}

// dockerHostFlag is the docker CLI's -H for h ("" for the local engine).
func dockerHostFlag(h *host) string {
	if h.ssh == nil {
		return ""
	}
	user := h.ssh.User
	if user != "" {
		user += "@"
	}
	port := ""
	if h.ssh.Port != 0 && h.ssh.Port != 22 {
		port = ":" + strconv.Itoa(h.ssh.Port)
	}
	return fmt.Sprintf("-H ssh://%s%s%s ", user, h.ssh.Address, port)
}

// shortContainer is a container id as docker ps shows it.
func shortContainer(id string) string {
	if len(id) > 12 {
		return id[:12]
	}
	return id
}
