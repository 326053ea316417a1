package cluster

import (
	"archive/tar"
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/docker/docker/api/types/image"
	"github.com/docker/docker/client"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// ensureProbeImage makes sure ref is on the engine. The default image is
// imported when missing: a scratch image with /bin/busybox and its applets,
// the way e2e/harness_test.go builds its shell image.
func ensureProbeImage(ctx context.Context, docker *client.Client, ref string, mayImport bool) error {
	_, err := docker.ImageInspect(ctx, ref)
	if err == nil {
		return nil
	}
	if !cerrdefs.IsNotFound(err) {
		return fmt.Errorf("docker image inspect %s: %w", ref, err)
	}
	if !mayImport {
		return fmt.Errorf("probe image %s is not on the Docker engine (paratest-k8s never pulls): load it first", ref)
	}
	layer, err := busyboxLayer()
	if err != nil {
		return fmt.Errorf("probe image %s: %w (apt-get install busybox-static, or pass an image that has sh)", ref, err)
	}
	rc, err := docker.ImageImport(ctx, image.ImportSource{Source: bytes.NewReader(layer), SourceName: "-"}, ref,
		image.ImportOptions{Changes: []string{`CMD ["/bin/sh"]`}})
	if err != nil {
		return fmt.Errorf("docker import %s: %w", ref, err)
	}
	defer rc.Close()
	if _, err := io.Copy(io.Discard, rc); err != nil {
		return fmt.Errorf("docker import %s: %w", ref, err)
	}
	return nil
}

func busyboxLayer() ([]byte, error) {
	bb, err := os.ReadFile("/bin/busybox")
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, d := range []struct {
		name string
		mode int64
	}{{"bin/", 0o755}, {"etc/", 0o755}, {"tmp/", 0o1777}} {
		if err := tw.WriteHeader(&tar.Header{Name: d.name, Typeflag: tar.TypeDir, Mode: d.mode}); err != nil {
			return nil, err
		}
	}
	if err := tw.WriteHeader(&tar.Header{Name: "bin/busybox", Typeflag: tar.TypeReg, Mode: 0o755, Size: int64(len(bb))}); err != nil {
		return nil, err
	}
	if _, err := tw.Write(bb); err != nil {
		return nil, err
	}
	for _, a := range strings.Fields("sh sleep cat echo printf touch test true false rm mkdir ls kill ps yes head seq wc dd grep env id hostname sed tr tty stty date sort uname") {
		if err := tw.WriteHeader(&tar.Header{Name: "bin/" + a, Typeflag: tar.TypeSymlink, Linkname: "busybox", Mode: 0o777}); err != nil {
			return nil, err
		}
	}
	passwd := "root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n"
	if err := tw.WriteHeader(&tar.Header{Name: "etc/passwd", Typeflag: tar.TypeReg, Mode: 0o644, Size: int64(len(passwd))}); err != nil {
		return nil, err
	}
	if _, err := tw.Write([]byte(passwd)); err != nil {
		return nil, err
	}
	if err := tw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// probe proves the whole path: a pod is admitted (the namespace's default
// service account exists, so the controller manager runs), bound, started on
// Docker, and exec'd into through the apiserver and the kubelet API.
func (c *Cluster) probe(ctx context.Context) error {
	const ns, name = "default", "paratest-k8s-probe"
	never, grace := false, int64(0)
	pod := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns},
		Spec: corev1.PodSpec{
			AutomountServiceAccountToken:  &never,
			TerminationGracePeriodSeconds: &grace,
			RestartPolicy:                 corev1.RestartPolicyNever,
			Containers: []corev1.Container{{
				Name: "probe", Image: c.ProbeImage, Command: []string{"sleep", "3600"},
			}},
		},
	}
	err := waitFor(ctx, "the probe pod to be admitted", 200*time.Millisecond, func(ctx context.Context) (bool, error) {
		_, err := c.Client.CoreV1().Pods(ns).Create(ctx, pod, metav1.CreateOptions{})
		return err == nil || apierrors.IsAlreadyExists(err), err
	}, c.api, c.kcm)
	if err != nil {
		return err
	}
	err = waitFor(ctx, "the probe pod to run", 100*time.Millisecond, func(ctx context.Context) (bool, error) {
		p, err := c.Client.CoreV1().Pods(ns).Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			return false, err
		}
		if p.Status.Phase == corev1.PodFailed || p.Status.Phase == corev1.PodSucceeded {
			return false, fmt.Errorf("probe pod ended: %s %s", p.Status.Phase, p.Status.Message)
		}
		return p.Status.Phase == corev1.PodRunning, nil
	}, c.api, c.kcm)
	if err != nil {
		return err
	}
	var out bytes.Buffer
	err = waitFor(ctx, "exec in the probe pod", 200*time.Millisecond, func(ctx context.Context) (bool, error) {
		out.Reset()
		err := Exec(ctx, c.Config, ExecOptions{Namespace: ns, Pod: name, Command: []string{"echo", "ok"}, Stdout: &out, Stderr: io.Discard})
		return err == nil && out.String() == "ok\n", err
	}, c.api)
	if err != nil {
		return err
	}
	if err := c.Client.CoreV1().Pods(ns).Delete(ctx, name, metav1.DeleteOptions{GracePeriodSeconds: &grace}); err != nil && !apierrors.IsNotFound(err) {
		return fmt.Errorf("delete probe pod: %w", err)
	}
	return nil
}
