package kubernetes

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/client-go/tools/remotecommand"
	utilexec "k8s.io/client-go/util/exec"

	"github.com/jenkins-paratest/jenkins-paratest/internal/agent"
	"github.com/jenkins-paratest/jenkins-paratest/internal/engine"
)

// container is a worker's pod, or one of its sidecars.
type container struct {
	e    *Engine
	name string // the pod's
	ctr  string // the container's in the pod: WorkerContainer or a sidecar's
}

// ID is the pod's name, which kubectl takes.
func (c *container) ID() string { return c.name }

// Sidecar is the sidecar name of the pod (ContainerSpec.Sidecars) as a
// Container: Exec, ReadFile and Logs reach it; Remove leaves it to its pod.
func (c *container) Sidecar(name string) engine.Container {
	return &container{e: c.e, name: c.name, ctr: name}
}

func (c *container) containerName() string {
	if c.ctr == "" {
		return WorkerContainer
	}
	return c.ctr
}

// Exec runs spec in the pod's worker container through the exec subresource.
// Exec carries no environment: with spec.Env the command runs under `agent env`.
func (c *container) Exec(ctx context.Context, spec engine.ExecSpec) (int, error) {
	argv := spec.Cmd
	if len(spec.Env) > 0 {
		argv = append(append(append([]string{agent.Path, "agent", "env"}, spec.Env...), "--"), spec.Cmd...)
	}
	ex, err := c.e.executor(c.e.client.ExecURL(c.name, &corev1.PodExecOptions{
		Container: c.containerName(),
		Command:   argv,
		Stdin:     spec.Stdin != nil,
		Stdout:    spec.Stdout != nil,
		Stderr:    spec.Stderr != nil,
	}))
	if err != nil {
		return 0, fmt.Errorf("exec in pod %s: %w", c.name, err)
	}
	err = ex.StreamWithContext(ctx, remotecommand.StreamOptions{Stdin: spec.Stdin, Stdout: spec.Stdout, Stderr: spec.Stderr})
	var exitErr utilexec.ExitError
	switch {
	case err == nil:
		return 0, nil
	case errors.As(err, &exitErr) && exitErr.Exited():
		return exitErr.ExitStatus(), nil
	case ctx.Err() != nil:
		return 0, context.Cause(ctx)
	}
	if gone, why := c.gone(ctx); gone {
		return 0, fmt.Errorf("exec in pod %s: %s: %w", c.name, why, engine.ErrContainerGone)
	}
	return 0, fmt.Errorf("exec in pod %s: %w", c.name, err)
}

// gone reports whether the pod's worker container no longer runs, and why.
func (c *container) gone(ctx context.Context) (bool, string) {
	pod, err := c.e.client.GetPod(ctx, c.name)
	switch {
	case apierrors.IsNotFound(err):
		return true, "the pod was deleted"
	case err != nil:
		return false, ""
	case pod.DeletionTimestamp != nil:
		return true, "the pod is being deleted"
	case !running(pod):
		reason, msg, _ := whyNotRunning(pod)
		if msg != "" {
			reason += ": " + msg
		}
		if pod.Status.Reason == "Evicted" {
			reason = "evicted: " + pod.Status.Message
		}
		return true, strings.TrimSpace(reason)
	}
	return false, ""
}

// ReadFile reads a file of the worker container with `agent cat`.
func (c *container) ReadFile(ctx context.Context, path string, max int64) ([]byte, error) {
	var out, stderr bytes.Buffer
	code, err := c.Exec(ctx, engine.ExecSpec{Cmd: []string{agent.Path, "agent", "cat", path, strconv.FormatInt(max, 10)}, Stdout: &out, Stderr: &stderr})
	switch {
	case err != nil:
		return nil, err
	case code == agent.ExitNotFound:
		return nil, fmt.Errorf("%s in pod %s: %w", path, c.name, engine.ErrNotExist)
	case code != 0:
		return nil, fmt.Errorf("read %s in pod %s: %s", path, c.name, strings.TrimSpace(stderr.String()))
	}
	return out.Bytes(), nil
}

// Logs follows the worker container's output. The kubelet keeps no apart
// stdout and stderr: all of it goes to stdout.
func (c *container) Logs(ctx context.Context, stdout, _ io.Writer) error {
	rc, err := c.e.client.PodLogs(ctx, c.name, &corev1.PodLogOptions{Container: c.containerName(), Follow: true})
	if err != nil {
		return fmt.Errorf("logs of pod %s: %w", c.name, err)
	}
	defer rc.Close()
	if _, err := io.Copy(stdout, rc); err != nil && ctx.Err() == nil {
		return fmt.Errorf("logs of pod %s: %w", c.name, err)
	}
	return nil
}

// Remove deletes the pod at once (grace period 0); a sidecar goes with it.
func (c *container) Remove(ctx context.Context) error {
	if c.ctr != "" {
		return nil
	}
	return c.e.deletePod(ctx, c.name)
}

func (e *Engine) deletePod(ctx context.Context, name string) error {
	err := e.client.DeletePod(ctx, name, 0)
	if err != nil && !apierrors.IsNotFound(err) {
		return fmt.Errorf("delete pod %s: %w", name, err)
	}
	return nil
}
