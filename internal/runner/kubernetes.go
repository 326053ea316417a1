package runner

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/jenkins-paratest/jenkins-paratest/internal/config"
	"github.com/jenkins-paratest/jenkins-paratest/internal/engine"
	"github.com/jenkins-paratest/jenkins-paratest/internal/engine/kubernetes"
	"github.com/jenkins-paratest/jenkins-paratest/internal/exit"
)

// kubernetesHost is the one host of a run on kubernetes: (docs/kubernetes.md),
// the namespace, with all the workers, each in a pod of its own.
func kubernetesHost(cfg *config.Config, opts Options) (*host, error) {
	eng := opts.Engine
	if eng == nil {
		k := cfg.Kubernetes
		var err error
		eng, err = kubernetes.New(kubernetes.Options{
			Context:        k.Context,
			Namespace:      k.Namespace,
			Template:       k.Template,
			AgentImage:     k.AgentImage,
			ActiveDeadline: k.ActiveDeadline,
			StartTimeout:   k.StartTimeout,
			Pull:           cfg.Pull,
		})
		if err != nil {
			return nil, exit.Infraf("%w", err)
		}
	}
	return &host{name: eng.Host(), eng: eng, workers: cfg.Workers}, nil
}

// checkKubernetes is check's row for the namespace: the API server answers,
// the credentials may do what a run does (named verb by verb when not), the
// namespace's quotas take the workers, and a pod of the image with the agent
// runs.
func (s *master) checkKubernetes(ctx context.Context, h *host, k *kubernetes.Engine) HostCheck {
	row := HostCheck{Host: h.name, Address: k.Server() + " namespace " + k.Namespace(), Workers: h.workers,
		SSH: "-", Auth: k.Auth(), HostKey: "-", Image: "-"}
	info, err := k.Info(ctx)
	if err != nil {
		row.Engine = err.Error()
		return row
	}
	var problems []string
	missing, err := k.MissingPermissions(ctx)
	switch {
	case err != nil:
		problems = append(problems, err.Error())
	case len(missing) > 0:
		problems = append(problems, k.MissingMessage(missing))
	}
	// A worker's pod as far as the quota sees it (check has no suite).
	spec := engine.ContainerSpec{Image: s.cfg.Image, Name: "paratest-check", Labels: s.labels(), Limits: engineLimits(s.cfg.Limits)}
	if quota, err := k.QuotaProblems(ctx, spec, h.workers); err != nil {
		if len(missing) == 0 {
			problems = append(problems, err.Error())
		}
	} else {
		problems = append(problems, quota...)
	}
	row.Engine = "kubernetes " + info.ServerVersion
	if len(problems) > 0 {
		row.Engine += ": " + strings.Join(problems, "; ")
	}
	row.OK = len(problems) == 0
	if s.cfg.Image == "" || !row.OK {
		return row
	}
	labels := s.labels()
	labels[LabelRun] = "paratest-check"
	labels[LabelRole] = "check"
	cctx, cancel := context.WithTimeout(ctx, 3*time.Minute)
	defer cancel()
	took, err := k.TryImage(cctx, s.cfg.Image, labels)
	if err != nil {
		row.Image, row.OK = err.Error(), false
		return row
	}
	row.Image = fmt.Sprintf("a pod of it ran with the agent in %s", took.Round(100*time.Millisecond))
	return row
}

// kubernetes reports whether h is a Kubernetes namespace rather than a Docker
// engine.
func (h *host) kubernetes() bool {
	_, ok := h.eng.(*kubernetes.Engine)
	return ok
}
