package dockerpods

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"
	"time"

	"github.com/docker/docker/api/types"
	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/pkg/stdcopy"
	dto "github.com/prometheus/client_model/go"
	"github.com/virtual-kubelet/virtual-kubelet/errdefs"
	"github.com/virtual-kubelet/virtual-kubelet/node/api"
	corev1 "k8s.io/api/core/v1"
	statsv1alpha1 "k8s.io/kubelet/pkg/apis/stats/v1alpha1"
	utilexec "k8s.io/utils/exec"
)

// containerID finds the Docker container of a pod's container; name "" is the
// pod's first container, as kubectl defaults it.
func (p *Provider) containerID(namespace, pod, name string) (id string, tty bool, err error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	st, ok := p.pods[key(namespace, pod)]
	if !ok {
		return "", false, errdefs.NotFoundf("pod %s/%s is not on this node", namespace, pod)
	}
	if name == "" && len(st.pod.Spec.Containers) > 0 {
		name = st.pod.Spec.Containers[0].Name
	}
	for _, list := range [][]corev1.Container{st.pod.Spec.InitContainers, st.pod.Spec.Containers} {
		for _, c := range list {
			if c.Name == name {
				tty = c.TTY
			}
		}
	}
	id = st.ids[name]
	if id == "" {
		return "", false, errdefs.NotFoundf("container %s of pod %s/%s has not been created", name, namespace, pod)
	}
	return id, tty, nil
}

// RunInContainer runs cmd in the container through docker exec. A non-zero
// exit travels back as an exec.ExitError, which the remotecommand server
// reports to the client as the command's exit code.
func (p *Provider) RunInContainer(ctx context.Context, namespace, pod, name string, cmd []string, attach api.AttachIO) error {
	id, _, err := p.containerID(namespace, pod, name)
	if err != nil {
		return err
	}
	tty := attach.TTY()
	created, err := p.docker.ContainerExecCreate(ctx, id, container.ExecOptions{
		AttachStdin:  attach.Stdin() != nil,
		AttachStdout: attach.Stdout() != nil,
		AttachStderr: attach.Stderr() != nil,
		Tty:          tty,
		Cmd:          cmd,
	})
	if err != nil {
		return fmt.Errorf("docker exec %s in %s/%s: %w", name, namespace, pod, err)
	}
	hj, err := p.docker.ContainerExecAttach(ctx, created.ID, container.ExecAttachOptions{Tty: tty})
	if err != nil {
		return fmt.Errorf("docker exec attach %s/%s: %w", namespace, pod, err)
	}
	defer hj.Close()
	if tty {
		go p.resize(ctx, attach.Resize(), func(s api.TermSize) error {
			return p.docker.ContainerExecResize(ctx, created.ID, container.ResizeOptions{Width: uint(s.Width), Height: uint(s.Height)})
		})
	}
	if err := pump(hj, attach); err != nil {
		return err
	}
	// The stream closes a moment before Docker marks the exec ended.
	for i := 0; ; i++ {
		info, err := p.docker.ContainerExecInspect(context.WithoutCancel(ctx), created.ID)
		if err != nil {
			return fmt.Errorf("docker exec inspect: %w", err)
		}
		if !info.Running || i == 50 {
			if info.ExitCode != 0 {
				return utilexec.CodeExitError{Err: fmt.Errorf("command terminated with exit code %d", info.ExitCode), Code: info.ExitCode}
			}
			return nil
		}
		if !sleep(ctx, 20*time.Millisecond) {
			return ctx.Err()
		}
	}
}

// AttachToContainer attaches to the container's main process.
func (p *Provider) AttachToContainer(ctx context.Context, namespace, pod, name string, attach api.AttachIO) error {
	id, _, err := p.containerID(namespace, pod, name)
	if err != nil {
		return err
	}
	hj, err := p.docker.ContainerAttach(ctx, id, container.AttachOptions{
		Stream: true, Stdin: attach.Stdin() != nil, Stdout: attach.Stdout() != nil, Stderr: attach.Stderr() != nil,
	})
	if err != nil {
		return fmt.Errorf("docker attach %s/%s: %w", namespace, pod, err)
	}
	defer hj.Close()
	if attach.TTY() {
		go p.resize(ctx, attach.Resize(), func(s api.TermSize) error {
			return p.docker.ContainerResize(ctx, id, container.ResizeOptions{Width: uint(s.Width), Height: uint(s.Height)})
		})
	}
	return pump(hj, attach)
}

func (p *Provider) resize(ctx context.Context, sizes <-chan api.TermSize, set func(api.TermSize) error) {
	for {
		select {
		case <-ctx.Done():
			return
		case s, ok := <-sizes:
			if !ok {
				return
			}
			if err := set(s); err != nil {
				p.log.Debug("resize", "err", err)
			}
		}
	}
}

// pump copies stdin into the hijacked connection and its output out, demuxed
// unless it is a TTY's raw stream. It returns when the output ends.
func pump(hj types.HijackedResponse, attach api.AttachIO) error {
	if in := attach.Stdin(); in != nil {
		go func() {
			io.Copy(hj.Conn, in) //nolint:errcheck // the client went; the output side reports
			hj.CloseWrite()      //nolint:errcheck
		}()
	}
	stdout, stderr := writerOrDiscard(attach.Stdout()), writerOrDiscard(attach.Stderr())
	var err error
	if attach.TTY() {
		_, err = io.Copy(stdout, hj.Reader)
	} else {
		_, err = stdcopy.StdCopy(stdout, stderr, hj.Reader)
	}
	if err != nil && !errors.Is(err, io.EOF) {
		return fmt.Errorf("copy container output: %w", err)
	}
	return nil
}

func writerOrDiscard(w io.Writer) io.Writer {
	if w == nil {
		return io.Discard
	}
	return w
}

// GetContainerLogs streams the container's log, stdout and stderr interleaved
// as the kubelet serves them.
func (p *Provider) GetContainerLogs(ctx context.Context, namespace, pod, name string, opts api.ContainerLogOpts) (io.ReadCloser, error) {
	id, tty, err := p.containerID(namespace, pod, name)
	if err != nil {
		return nil, err
	}
	lo := container.LogsOptions{ShowStdout: true, ShowStderr: true, Follow: opts.Follow, Timestamps: opts.Timestamps}
	if opts.Tail > 0 {
		lo.Tail = strconv.Itoa(opts.Tail)
	}
	switch {
	case !opts.SinceTime.IsZero():
		lo.Since = strconv.FormatInt(opts.SinceTime.Unix(), 10)
	case opts.SinceSeconds > 0:
		lo.Since = strconv.FormatInt(time.Now().Add(-time.Duration(opts.SinceSeconds)*time.Second).Unix(), 10)
	}
	rc, err := p.docker.ContainerLogs(ctx, id, lo)
	if err != nil {
		return nil, fmt.Errorf("docker logs %s/%s %s: %w", namespace, pod, name, err)
	}
	var r io.ReadCloser = rc
	if !tty {
		pr, pw := io.Pipe()
		go func() {
			_, err := stdcopy.StdCopy(pw, pw, rc)
			pw.CloseWithError(err)
			rc.Close()
		}()
		r = readCloser{Reader: pr, close: func() error { pr.Close(); return rc.Close() }}
	}
	if opts.LimitBytes > 0 {
		r = readCloser{Reader: io.LimitReader(r, int64(opts.LimitBytes)), close: r.Close}
	}
	return r, nil
}

type readCloser struct {
	io.Reader
	close func() error
}

func (r readCloser) Close() error { return r.close() }

// GetStatsSummary reports the node with no usage figures: nothing here reads them.
func (p *Provider) GetStatsSummary(ctx context.Context) (*statsv1alpha1.Summary, error) {
	return &statsv1alpha1.Summary{}, nil
}

// GetMetricsResource reports no metrics.
func (p *Provider) GetMetricsResource(ctx context.Context) ([]*dto.MetricFamily, error) {
	return nil, nil
}

// PortForward is not supported.
func (p *Provider) PortForward(ctx context.Context, namespace, pod string, port int32, stream io.ReadWriteCloser) error {
	return errdefs.InvalidInput("port-forward is not supported by paratest-k8s")
}
