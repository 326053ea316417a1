package kubernetes

import (
	"archive/tar"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"

	"github.com/jenkins-paratest/jenkins-paratest/internal/agent"
	"github.com/jenkins-paratest/jenkins-paratest/internal/engine"
)

// PendingError is a pod that did not run in time: the scheduler found no node
// with room for it, or its images cannot be pulled, or it waited past the start
// timeout. Reason and Message are the scheduler's or the kubelet's.
type PendingError struct {
	Pod, Reason, Message string
	Waited               time.Duration
}

func (e *PendingError) Error() string {
	msg := fmt.Sprintf("pod %s is Pending after %s: %s", e.Pod, e.Waited.Round(time.Second), e.Reason)
	if e.Message != "" {
		msg += ": " + e.Message
	}
	return msg
}

// Sidecars reports that a worker's services go into its pod.
func (e *Engine) Sidecars() bool { return true }

var (
	_ engine.SidecarEngine    = (*Engine)(nil)
	_ engine.SidecarContainer = (*container)(nil)
)

// Start creates the pod, waits until its worker container runs, then copies
// spec.Files in. A pod that does not run is deleted and reported as a
// PendingError naming why.
func (e *Engine) Start(ctx context.Context, spec engine.ContainerSpec) (engine.Container, error) {
	pod, err := e.podFor(spec, e.pullPolicy())
	if err != nil {
		return nil, err
	}
	created, err := e.client.CreatePod(ctx, pod)
	if err != nil {
		return nil, fmt.Errorf("create pod in %s: %w", e.namespace, err)
	}
	c := &container{e: e, name: created.Name}
	if err := e.awaitRunning(ctx, created.Name); err != nil {
		cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
		defer cancel()
		_ = c.Remove(cctx) // a Pending pod would take its place when room appears
		return nil, err
	}
	if files := files(spec.Files); len(files) > 0 {
		if err := c.copyIn(ctx, files); err != nil {
			return c, fmt.Errorf("copy files into pod %s: %w", c.name, err)
		}
	}
	return c, nil
}

// files are the files to copy in: all but the agent, which the init
// container installs.
func files(fs []engine.File) []engine.File {
	var out []engine.File
	for _, f := range fs {
		if f.Path != agent.Path {
			out = append(out, f)
		}
	}
	return out
}

// pullPolicy is the config's pull: as the kubelet takes it. The kubelet pulls
// each image when a pod needs it, so the policy holds per pod, not per run.
func (e *Engine) pullPolicy() corev1.PullPolicy {
	switch e.opts.Pull {
	case engine.PullAlways:
		return corev1.PullAlways
	case engine.PullNever:
		return corev1.PullNever
	}
	return corev1.PullIfNotPresent
}

// awaitRunning polls the pod until its worker container runs. It fails at
// once when an image cannot be pulled or a container ended, after
// Unschedulable when no node can take the pod, and after StartTimeout anyway.
func (e *Engine) awaitRunning(ctx context.Context, name string) error {
	start := time.Now()
	var unschedulableSince time.Time
	for {
		pod, err := e.client.GetPod(ctx, name)
		if err != nil {
			if apierrors.IsNotFound(err) {
				return fmt.Errorf("pod %s: deleted while starting: %w", name, engine.ErrContainerGone)
			}
			return fmt.Errorf("get pod %s: %w", name, err)
		}
		waited := time.Since(start)
		if running(pod) {
			return nil
		}
		reason, msg, fatal := whyNotRunning(pod)
		switch {
		case fatal:
			return &PendingError{Pod: name, Reason: reason, Message: msg, Waited: waited}
		case reason == corev1.PodReasonUnschedulable:
			if unschedulableSince.IsZero() {
				unschedulableSince = time.Now()
			}
			if time.Since(unschedulableSince) >= e.opts.Unschedulable {
				return &PendingError{Pod: name, Reason: reason, Message: msg, Waited: waited}
			}
		case waited >= e.opts.StartTimeout:
			switch {
			case reason != "":
			case pod.Spec.NodeName == "":
				reason = "no node took it within start_timeout " + e.opts.StartTimeout.String()
			default:
				reason = "not running on node " + pod.Spec.NodeName + " within start_timeout " + e.opts.StartTimeout.String()
			}
			return &PendingError{Pod: name, Reason: reason, Message: msg, Waited: waited}
		}
		select {
		case <-ctx.Done():
			if reason != "" { // what it was waiting for, for whoever gave up
				return fmt.Errorf("%w: pod %s not running after %s: %s", context.Cause(ctx), name, waited.Round(time.Second), joinReason(reason, msg))
			}
			return context.Cause(ctx)
		case <-time.After(e.poll):
		}
	}
}

// joinReason is "Reason: message", or whichever of them there is.
func joinReason(reason, msg string) string {
	if msg == "" {
		return reason
	}
	return reason + ": " + msg
}

// running reports whether the pod's worker container runs.
func running(pod *corev1.Pod) bool {
	if pod.Status.Phase != corev1.PodRunning {
		return false
	}
	for _, cs := range pod.Status.ContainerStatuses {
		if cs.Name == WorkerContainer {
			return cs.State.Running != nil
		}
	}
	return false
}

// fatalWaiting are the waiting reasons no wait cures.
var fatalWaiting = map[string]bool{
	"ErrImagePull": true, "ImagePullBackOff": true, "InvalidImageName": true,
	"ErrImageNeverPull": true, "CreateContainerConfigError": true, "CreateContainerError": true,
}

// whyNotRunning says why a pod does not run: the scheduler's condition, a
// container's waiting or terminated state, or the pod's phase; fatal when it
// never will.
func whyNotRunning(pod *corev1.Pod) (reason, msg string, fatal bool) {
	switch pod.Status.Phase {
	case corev1.PodSucceeded, corev1.PodFailed:
		reason, msg = string(pod.Status.Phase), pod.Status.Message
		if pod.Status.Reason != "" {
			reason += " (" + pod.Status.Reason + ")"
		}
		fatal = true
	}
	for _, c := range pod.Status.Conditions {
		if c.Type == corev1.PodScheduled && c.Status == corev1.ConditionFalse && c.Reason != "" {
			return c.Reason, c.Message, fatal
		}
	}
	statuses := append(append([]corev1.ContainerStatus(nil), pod.Status.InitContainerStatuses...), pod.Status.ContainerStatuses...)
	for _, cs := range statuses {
		switch {
		case cs.State.Waiting != nil && cs.State.Waiting.Reason != "" && cs.State.Waiting.Reason != "PodInitializing" && cs.State.Waiting.Reason != "ContainerCreating":
			return cs.Name + ": " + cs.State.Waiting.Reason, cs.State.Waiting.Message, fatal || fatalWaiting[cs.State.Waiting.Reason]
		case cs.State.Terminated != nil && (cs.Name == WorkerContainer || cs.State.Terminated.ExitCode != 0):
			t := cs.State.Terminated
			return fmt.Sprintf("%s: %s (exit code %d)", cs.Name, t.Reason, t.ExitCode), strings.TrimSpace(t.Message), true
		}
	}
	return reason, msg, fatal
}

// copyIn writes files into the pod's worker container with `agent untar`.
func (c *container) copyIn(ctx context.Context, files []engine.File) error {
	pr, pw := io.Pipe() // streamed: the agent binary among them is not held in memory
	go func() {
		tw := tar.NewWriter(pw)
		for _, f := range files {
			data, size := f.Content()
			if err := tw.WriteHeader(&tar.Header{Name: strings.TrimPrefix(f.Path, "/"), Mode: f.Mode, Size: size, Typeflag: tar.TypeReg}); err != nil {
				pw.CloseWithError(err)
				return
			}
			if _, err := io.Copy(tw, data); err != nil {
				pw.CloseWithError(err)
				return
			}
		}
		pw.CloseWithError(tw.Close())
	}()
	defer pr.Close()
	var stderr bytes.Buffer
	code, err := c.Exec(ctx, engine.ExecSpec{Cmd: []string{agent.Path, "agent", "untar"}, Stdin: pr, Stderr: &stderr})
	if err == nil && code != 0 {
		err = errors.New(strings.TrimSpace(stderr.String()))
	}
	return err
}
