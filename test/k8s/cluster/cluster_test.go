package cluster_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/filters"
	"github.com/docker/docker/api/types/volume"
	"github.com/docker/docker/client"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	utilexec "k8s.io/client-go/util/exec"

	"github.com/jenkins-paratest/jenkins-paratest/test/k8s/cluster"
	"github.com/jenkins-paratest/jenkins-paratest/test/k8s/internal/dockerpods"
)

var (
	kc       *cluster.Cluster
	docker   *client.Client
	skipWhy  string
	startErr error
)

func TestMain(m *testing.M) {
	if code, ok := cluster.ComponentMain(); ok {
		os.Exit(code)
	}
	os.Exit(run(m))
}

func run(m *testing.M) int {
	var err error
	docker, err = client.NewClientWithOpts(client.FromEnv, client.WithAPIVersionNegotiation())
	if err == nil {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		_, err = docker.Ping(ctx)
		cancel()
	}
	if err != nil {
		skipWhy = fmt.Sprintf("no Docker engine: %v", err)
		return m.Run()
	}
	if _, err := os.Stat("/bin/busybox"); err != nil {
		skipWhy = "no /bin/busybox for the test image (apt-get install busybox-static)"
		return m.Run()
	}
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	start := time.Now()
	kc, startErr = cluster.Start(ctx, cluster.Options{})
	cancel()
	if startErr == nil {
		fmt.Fprintf(os.Stderr, "cluster up in %.1fs: %s\n", time.Since(start).Seconds(), kc.Kubeconfig)
	}
	code := m.Run()
	if kc != nil {
		if err := kc.Close(); err != nil {
			fmt.Fprintln(os.Stderr, "close:", err)
			code = 1
		}
	}
	return code
}

// need skips without an engine (fails in CI, where one must be there) and
// fails if the cluster did not start.
func need(t *testing.T) {
	t.Helper()
	if skipWhy != "" {
		if os.Getenv("PARATEST_REQUIRE_E2E") == "1" || os.Getenv("CI") == "true" {
			t.Fatal(skipWhy)
		}
		t.Skip(skipWhy)
	}
	if startErr != nil {
		t.Fatalf("start cluster: %v", startErr)
	}
}

// namespace makes a namespace for one test, deleted at its end.
func namespace(t *testing.T) string {
	t.Helper()
	ctx := context.Background()
	ns := strings.ToLower(strings.ReplaceAll(t.Name(), "/", "-"))
	_, err := kc.Client.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		kc.Client.CoreV1().Namespaces().Delete(context.Background(), ns, metav1.DeleteOptions{}) //nolint:errcheck
	})
	// Pods are admitted once the service-account controller has made "default".
	waitUntil(t, "default service account in "+ns, 30*time.Second, func() (bool, error) {
		_, err := kc.Client.CoreV1().ServiceAccounts(ns).Get(ctx, "default", metav1.GetOptions{})
		return err == nil, nil
	})
	return ns
}

func waitUntil(t *testing.T, what string, d time.Duration, f func() (bool, error)) {
	t.Helper()
	deadline := time.Now().Add(d)
	var last error
	for time.Now().Before(deadline) {
		ok, err := f()
		if ok {
			return
		}
		last = err
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("%s: not after %v (last error: %v)", what, d, last)
}

func createPod(t *testing.T, pod *corev1.Pod) *corev1.Pod {
	t.Helper()
	if pod.Spec.RestartPolicy == "" {
		pod.Spec.RestartPolicy = corev1.RestartPolicyNever
	}
	for i := range pod.Spec.Containers {
		if pod.Spec.Containers[i].Image == "" {
			pod.Spec.Containers[i].Image = cluster.ProbeImageDefault
		}
	}
	for i := range pod.Spec.InitContainers {
		if pod.Spec.InitContainers[i].Image == "" {
			pod.Spec.InitContainers[i].Image = cluster.ProbeImageDefault
		}
	}
	p, err := kc.Client.CoreV1().Pods(pod.Namespace).Create(context.Background(), pod, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func waitPhase(t *testing.T, ns, name string, d time.Duration, phases ...corev1.PodPhase) *corev1.Pod {
	t.Helper()
	var pod *corev1.Pod
	waitUntil(t, fmt.Sprintf("pod %s/%s in %v", ns, name, phases), d, func() (bool, error) {
		var err error
		pod, err = kc.Client.CoreV1().Pods(ns).Get(context.Background(), name, metav1.GetOptions{})
		if err != nil {
			return false, err
		}
		for _, ph := range phases {
			if pod.Status.Phase == ph {
				return true, nil
			}
		}
		return false, fmt.Errorf("phase %s", pod.Status.Phase)
	})
	return pod
}

// dockerContainers are the pod's containers on the engine, its network
// sandbox left out.
func dockerContainers(t *testing.T, ns, pod string) []container.Summary {
	t.Helper()
	cs, err := docker.ContainerList(context.Background(), container.ListOptions{All: true,
		Filters: filters.NewArgs(filters.Arg("label", dockerpods.LabelPod+"="+ns+"/"+pod))})
	if err != nil {
		t.Fatal(err)
	}
	return slices.DeleteFunc(cs, func(c container.Summary) bool { return c.Labels[dockerpods.LabelContainer] == "sandbox" })
}

// TestPodNetwork: a pod's containers share one network namespace, as on a
// kubelet: one reaches the other at 127.0.0.1, and by a hostAlias.
func TestPodNetwork(t *testing.T) {
	need(t)
	ns := namespace(t)
	pod := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: "net", Namespace: ns},
		Spec: corev1.PodSpec{
			HostAliases: []corev1.HostAlias{{IP: "127.0.0.1", Hostnames: []string{"db"}}},
			Containers: []corev1.Container{
				{Name: "client", Command: []string{"sleep", "3600"}},
				{Name: "db", Command: []string{"sh", "-c", "busybox mkdir -p /www && echo pong > /www/ping && exec busybox httpd -f -p 8080 -h /www"}},
			},
		},
	}
	createPod(t, pod)
	if pod := waitPhase(t, ns, "net", time.Minute, corev1.PodRunning); pod.Status.PodIP == "" {
		t.Errorf("the pod has no IP")
	}
	for _, url := range []string{"http://127.0.0.1:8080/ping", "http://db:8080/ping"} {
		var out string
		waitUntil(t, "client gets "+url, 30*time.Second, func() (bool, error) {
			var stdout, stderr bytes.Buffer
			err := cluster.Exec(context.Background(), kc.Config, cluster.ExecOptions{Namespace: ns, Pod: "net", Container: "client",
				Command: []string{"busybox", "wget", "-qO-", url}, Stdout: &stdout, Stderr: &stderr})
			out = stdout.String()
			return err == nil && out == "pong\n", fmt.Errorf("%v: %s%s", err, out, stderr.String())
		})
	}
}

func sleeper(ns, name string) *corev1.Pod {
	return &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns},
		Spec: corev1.PodSpec{Containers: []corev1.Container{{
			Name: "main", Command: []string{"sleep", "3600"},
		}}},
	}
}

func TestNodeReady(t *testing.T) {
	need(t)
	n, err := kc.Client.CoreV1().Nodes().Get(context.Background(), kc.NodeName, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	ready := false
	for _, c := range n.Status.Conditions {
		if c.Type == corev1.NodeReady && c.Status == corev1.ConditionTrue {
			ready = true
		}
	}
	if !ready || n.Status.DaemonEndpoints.KubeletEndpoint.Port == 0 {
		t.Fatalf("node not ready or no kubelet port: %+v", n.Status)
	}
}

// TestExec runs commands through apiserver → kubelet API → docker exec over
// both client protocols: output, stdin, and exit codes.
func TestExec(t *testing.T) {
	need(t)
	ns := namespace(t)
	createPod(t, sleeper(ns, "exec"))
	waitPhase(t, ns, "exec", time.Minute, corev1.PodRunning)
	for _, proto := range []cluster.Protocol{cluster.SPDY, cluster.WebSocket} {
		t.Run(string(proto), func(t *testing.T) {
			ctx := context.Background()
			var out, errb bytes.Buffer
			err := cluster.Exec(ctx, kc.Config, cluster.ExecOptions{Namespace: ns, Pod: "exec", Command: []string{"echo", "hi"}, Stdout: &out, Stderr: &errb, Protocol: proto})
			if err != nil || out.String() != "hi\n" {
				t.Fatalf("echo hi: %v, stdout %q stderr %q", err, out.String(), errb.String())
			}

			out.Reset()
			err = cluster.Exec(ctx, kc.Config, cluster.ExecOptions{Namespace: ns, Pod: "exec", Command: []string{"cat"}, Stdin: strings.NewReader("from stdin"), Stdout: &out, Protocol: proto})
			if err != nil || out.String() != "from stdin" {
				t.Fatalf("cat: %v, stdout %q", err, out.String())
			}

			out.Reset()
			err = cluster.Exec(ctx, kc.Config, cluster.ExecOptions{Namespace: ns, Pod: "exec", Command: []string{"tty"}, Stdout: &out, TTY: true, Protocol: proto})
			if err != nil || !strings.HasPrefix(out.String(), "/dev/pts/") {
				t.Fatalf("tty: %v, stdout %q", err, out.String())
			}

			out.Reset()
			errb.Reset()
			err = cluster.Exec(ctx, kc.Config, cluster.ExecOptions{Namespace: ns, Pod: "exec", Command: []string{"sh", "-c", "echo out; echo err >&2; exit 7"}, Stdout: &out, Stderr: &errb, Protocol: proto})
			var exit utilexec.ExitError
			if !errors.As(err, &exit) || exit.ExitStatus() != 7 {
				t.Fatalf("exit 7: got %v (%T)", err, err)
			}
			if out.String() != "out\n" || errb.String() != "err\n" {
				t.Fatalf("stdout %q stderr %q", out.String(), errb.String())
			}
		})
	}
}

// TestPodLifecycle: logs, exit codes into the status, init containers and a
// shared emptyDir, env and args, and deletion removing the containers.
func TestPodLifecycle(t *testing.T) {
	need(t)
	ns := namespace(t)
	ctx := context.Background()
	pod := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: "life", Namespace: ns},
		Spec: corev1.PodSpec{
			Volumes: []corev1.Volume{{Name: "work", VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{}}}},
			InitContainers: []corev1.Container{{
				Name: "init", Command: []string{"sh", "-c", "echo from-init > /work/f"},
				VolumeMounts: []corev1.VolumeMount{{Name: "work", MountPath: "/work"}},
			}},
			Containers: []corev1.Container{{
				Name: "main", Command: []string{"sh", "-c"}, Args: []string{`cat /work/f; echo "$GREETING $(WHO)"; exit 3`},
				Env:          []corev1.EnvVar{{Name: "GREETING", Value: "hello"}, {Name: "WHO", Value: "world"}},
				VolumeMounts: []corev1.VolumeMount{{Name: "work", MountPath: "/work"}},
				Resources: corev1.ResourceRequirements{Limits: corev1.ResourceList{
					corev1.ResourceMemory: resource.MustParse("64Mi"), corev1.ResourceCPU: resource.MustParse("500m"),
				}},
			}},
		},
	}
	createPod(t, pod)
	got := waitPhase(t, ns, "life", time.Minute, corev1.PodFailed, corev1.PodSucceeded)
	if got.Status.Phase != corev1.PodFailed {
		t.Fatalf("phase %s, want Failed", got.Status.Phase)
	}
	if s := got.Status.ContainerStatuses; len(s) != 1 || s[0].State.Terminated == nil || s[0].State.Terminated.ExitCode != 3 {
		t.Fatalf("container status: %+v", s)
	}
	if s := got.Status.InitContainerStatuses; len(s) != 1 || s[0].State.Terminated == nil || s[0].State.Terminated.ExitCode != 0 {
		t.Fatalf("init container status: %+v", s)
	}
	logs, err := kc.Client.CoreV1().Pods(ns).GetLogs("life", &corev1.PodLogOptions{Container: "main"}).DoRaw(ctx)
	if err != nil || string(logs) != "from-init\nhello world\n" {
		t.Fatalf("logs: %v %q", err, logs)
	}
	if cs := dockerContainers(t, ns, "life"); len(cs) != 2 {
		t.Fatalf("docker containers of the pod: %d, want 2 (init, main)", len(cs))
	}

	if err := kc.Client.CoreV1().Pods(ns).Delete(ctx, "life", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	waitUntil(t, "pod object gone", time.Minute, func() (bool, error) {
		_, err := kc.Client.CoreV1().Pods(ns).Get(ctx, "life", metav1.GetOptions{})
		return apierrors.IsNotFound(err), err
	})
	// A terminal pod's object goes at once; its containers follow.
	waitUntil(t, "the pod's Docker containers removed", 30*time.Second, func() (bool, error) {
		return len(dockerContainers(t, ns, "life")) == 0, nil
	})
}

// TestDeleteRunning: deleting a running pod stops and removes its containers
// and volumes, and the object goes once they have.
func TestDeleteRunning(t *testing.T) {
	need(t)
	ns := namespace(t)
	ctx := context.Background()
	pod := sleeper(ns, "del")
	pod.Spec.Volumes = []corev1.Volume{{Name: "scratch", VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{}}}}
	pod.Spec.Containers[0].VolumeMounts = []corev1.VolumeMount{{Name: "scratch", MountPath: "/scratch"}}
	createPod(t, pod)
	waitPhase(t, ns, "del", time.Minute, corev1.PodRunning)
	if cs := dockerContainers(t, ns, "del"); len(cs) != 1 || cs[0].State != "running" {
		t.Fatalf("docker containers: %+v", cs)
	}
	grace := int64(1)
	if err := kc.Client.CoreV1().Pods(ns).Delete(ctx, "del", metav1.DeleteOptions{GracePeriodSeconds: &grace}); err != nil {
		t.Fatal(err)
	}
	waitUntil(t, "pod object gone", time.Minute, func() (bool, error) {
		_, err := kc.Client.CoreV1().Pods(ns).Get(ctx, "del", metav1.GetOptions{})
		return apierrors.IsNotFound(err), err
	})
	waitUntil(t, "containers and volumes removed", 30*time.Second, func() (bool, error) {
		vs, err := docker.VolumeList(ctx, volume.ListOptions{Filters: filters.NewArgs(filters.Arg("label", dockerpods.LabelPod+"="+ns+"/del"))})
		return err == nil && len(vs.Volumes) == 0 && len(dockerContainers(t, ns, "del")) == 0, err
	})
}

// TestFollowLogs reads a running container's log as it is written.
func TestFollowLogs(t *testing.T) {
	need(t)
	ns := namespace(t)
	createPod(t, &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: "follow", Namespace: ns},
		Spec: corev1.PodSpec{Containers: []corev1.Container{{
			Name: "main", Command: []string{"sh", "-c", "echo one; sleep 1; echo two; sleep 3600"},
		}}},
	})
	waitPhase(t, ns, "follow", time.Minute, corev1.PodRunning)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	rc, err := kc.Client.CoreV1().Pods(ns).GetLogs("follow", &corev1.PodLogOptions{Follow: true}).Stream(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	buf := make([]byte, 0, 64)
	for !bytes.Contains(buf, []byte("two\n")) {
		b := make([]byte, 64)
		n, err := rc.Read(b)
		buf = append(buf, b[:n]...)
		if err != nil {
			if err == io.EOF {
				break
			}
			t.Fatalf("read after %q: %v", buf, err)
		}
	}
	if string(buf) != "one\ntwo\n" {
		t.Fatalf("followed %q", buf)
	}
}

// TestActiveDeadline: a pod past activeDeadlineSeconds is failed and its
// containers stop.
func TestActiveDeadline(t *testing.T) {
	need(t)
	ns := namespace(t)
	pod := sleeper(ns, "deadline")
	d, grace := int64(2), int64(1)
	pod.Spec.ActiveDeadlineSeconds = &d
	// sleep as PID 1 ignores SIGTERM: it is killed after the grace period.
	pod.Spec.TerminationGracePeriodSeconds = &grace
	createPod(t, pod)
	got := waitPhase(t, ns, "deadline", time.Minute, corev1.PodFailed, corev1.PodSucceeded)
	if got.Status.Phase != corev1.PodFailed || got.Status.Reason != "DeadlineExceeded" {
		t.Fatalf("phase %s reason %q, want Failed DeadlineExceeded", got.Status.Phase, got.Status.Reason)
	}
	if s := got.Status.ContainerStatuses; len(s) != 1 || s[0].State.Terminated == nil {
		t.Fatalf("container not terminated: %+v", s)
	}
	for _, c := range dockerContainers(t, ns, "deadline") {
		if c.State == "running" {
			t.Fatalf("container %s still running", c.Names)
		}
	}
}

// TestMissingImage: no pulls; the container waits with a reason that says so.
func TestMissingImage(t *testing.T) {
	need(t)
	ns := namespace(t)
	pod := sleeper(ns, "noimage")
	pod.Spec.Containers[0].Image = "paratest-k8s/not-there:v0"
	createPod(t, pod)
	waitUntil(t, "ErrImageNeverPull", 30*time.Second, func() (bool, error) {
		p, err := kc.Client.CoreV1().Pods(ns).Get(context.Background(), "noimage", metav1.GetOptions{})
		if err != nil || len(p.Status.ContainerStatuses) != 1 {
			return false, err
		}
		w := p.Status.ContainerStatuses[0].State.Waiting
		return w != nil && w.Reason == "ErrImageNeverPull" && p.Status.Phase == corev1.PodPending, nil
	})
}
