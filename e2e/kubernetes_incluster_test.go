package e2e

import (
	"archive/tar"
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/yaml"
)

// The master itself in a pod, as on a Jenkins agent pod of the kubernetes
// plugin: no kubeconfig, only the service account's token that the
// ServiceAccount admission plugin mounts, the account bound in the workers'
// namespace to exactly the Role of docs/kubernetes.md. The example suite on 2
// pod workers gives the local run's verdicts, the console names the
// in-cluster credentials (and shows no token), and no worker pod is left.
func (k *kube) inCluster(t *testing.T) {
	ctx := context.Background()
	home, workers := k.namespace(t), k.namespace(t) // the Jenkins agent's, the workers'
	account := k.bindDocumentedRole(t, workers, home)

	example, err := os.ReadFile(filepath.Join(repoRoot, "examples/go-suite/paratest.yml"))
	if err != nil {
		t.Fatal(err)
	}
	suite := strings.Replace(string(example), "workers: 4\n", "", 1)
	suite = strings.Replace(suite, "image: paratest-example/go-suite:latest", "image: "+exampleImage, 1)
	image := fmt.Sprintf("paratest-e2e/in-cluster:%d", os.Getpid())
	importMaster(t, image, k.config(suite, workers, 2))

	localDir := t.TempDir()
	local := paratest(t, localDir, nil, "run", "--config", filepath.Join(repoRoot, "examples/go-suite/paratest.yml"),
		"--image", exampleImage, "--workers", "2", "--out", filepath.Join(localDir, "out"), "--run-id", kubeID("local"))
	if local.code != 0 {
		t.Fatalf("the local run exited %d", local.code)
	}

	out := t.TempDir() // the master's --out, a hostPath of its pod
	id := kubeID("in-cluster")
	uid, gid := int64(os.Getuid()), int64(os.Getgid()) // the files in out are the test's
	var zero, deadline int64 = 0, 600
	pod := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: "jenkins-agent", Namespace: home},
		Spec: corev1.PodSpec{
			ServiceAccountName:            account,
			RestartPolicy:                 corev1.RestartPolicyNever,
			TerminationGracePeriodSeconds: &zero,
			ActiveDeadlineSeconds:         &deadline,
			SecurityContext:               &corev1.PodSecurityContext{RunAsUser: &uid, RunAsGroup: &gid},
			Volumes:                       []corev1.Volume{{Name: "out", VolumeSource: corev1.VolumeSource{HostPath: &corev1.HostPathVolumeSource{Path: out}}}},
			Containers: []corev1.Container{{
				Name:            "master",
				Image:           image,
				ImagePullPolicy: corev1.PullNever,
				Args:            []string{"run", "--config", "/work/paratest.yml", "--run-id", id, "--out", "/out"},
				WorkingDir:      "/work",
				Env:             []corev1.EnvVar{{Name: "NO_COLOR", Value: "1"}},
				VolumeMounts:    []corev1.VolumeMount{{Name: "out", MountPath: "/out"}},
			}},
		},
	}
	created, err := k.cs.CoreV1().Pods(home).Create(ctx, pod, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if !hasTokenMount(created) {
		t.Fatalf("the admitted pod has no service-account token volume at %s: %+v", tokenDir, created.Spec.Volumes)
	}
	started := time.Now()
	code, log := k.waitMaster(t, home, pod.Name, 5*time.Minute)
	took := time.Since(started)
	t.Logf("the master pod's log:\n%s", log)
	if code != 0 {
		t.Fatalf("the master in its pod exited %d, want 0", code)
	}

	if want := "credentials: service account " + home + "/" + account + " (in-cluster)"; !strings.Contains(log, want) {
		t.Errorf("the master's console does not say %q", want)
	}
	if jwt := regexp.MustCompile(`eyJ[A-Za-z0-9_-]{8,}`).FindString(log); jwt != "" {
		t.Errorf("the master's console shows a token: %.20s…", jwt)
	}
	want, got := ourVerdicts(t, filepath.Join(localDir, "out")), ourVerdicts(t, out)
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("verdicts of the in-cluster run differ from the local run's (-local +in-cluster):\n%s", d)
	}
	if s := readSummary(t, out); s.Workers != 2 || s.Failed != 0 || s.Lost != 0 || s.Tests != len(want) {
		t.Errorf("summary %+v, want 2 workers, %d tests, none failed or lost", s, len(want))
	}
	if logs, _ := filepath.Glob(filepath.Join(out, "logs", "kubernetes_w*.log")); len(logs) != 2 {
		t.Errorf("%d worker logs kubernetes_w*.log, want 2", len(logs))
	}
	t.Logf("%d verdicts from a master in a pod on 2 pods in %s", len(got), took.Round(100*time.Millisecond))
	k.assertNoPods(t, workers, id)
}

const tokenDir = "/var/run/secrets/kubernetes.io/serviceaccount"

// hasTokenMount says whether the admission plugin gave pod's container the
// projected service-account token that in-cluster clients read.
func hasTokenMount(pod *corev1.Pod) bool {
	token := map[string]bool{}
	for _, v := range pod.Spec.Volumes {
		if v.Projected == nil {
			continue
		}
		for _, s := range v.Projected.Sources {
			if s.ServiceAccountToken != nil {
				token[v.Name] = true
			}
		}
	}
	for _, m := range pod.Spec.Containers[0].VolumeMounts {
		if token[m.Name] && m.MountPath == tokenDir {
			return true
		}
	}
	return false
}

// bindDocumentedRole creates the Role and RoleBinding of docs/kubernetes.md,
// as written there, in ns, the binding's service account (created here) in
// home instead of the doc's namespace; it returns the account's name.
func (k *kube) bindDocumentedRole(t *testing.T, ns, home string) string {
	t.Helper()
	ctx := context.Background()
	doc, err := os.ReadFile(filepath.Join(repoRoot, "docs/kubernetes.md"))
	if err != nil {
		t.Fatal(err)
	}
	_, section, ok := strings.Cut(string(doc), "## Least-privilege Role\n")
	_, block, ok2 := strings.Cut(section, "```yaml\n")
	block, _, ok3 := strings.Cut(block, "```")
	if !ok || !ok2 || !ok3 {
		t.Fatal("docs/kubernetes.md has no yaml block under ## Least-privilege Role")
	}
	var role rbacv1.Role
	var binding rbacv1.RoleBinding
	dec := yaml.NewYAMLOrJSONDecoder(strings.NewReader(block), 4096)
	if err := dec.Decode(&role); err != nil {
		t.Fatalf("docs/kubernetes.md's Role: %v", err)
	}
	if err := dec.Decode(&binding); err != nil {
		t.Fatalf("docs/kubernetes.md's RoleBinding: %v", err)
	}
	if role.Kind != "Role" || binding.Kind != "RoleBinding" || len(binding.Subjects) != 1 || binding.Subjects[0].Kind != "ServiceAccount" {
		t.Fatalf("docs/kubernetes.md: want a Role, then a RoleBinding of one ServiceAccount; got %s, %s %+v", role.Kind, binding.Kind, binding.Subjects)
	}
	role.Namespace, binding.Namespace, binding.Subjects[0].Namespace = ns, ns, home
	account := binding.Subjects[0].Name
	if _, err := k.cs.CoreV1().ServiceAccounts(home).Create(ctx, &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Name: account}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := k.cs.RbacV1().Roles(ns).Create(ctx, &role, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := k.cs.RbacV1().RoleBindings(ns).Create(ctx, &binding, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	return account
}

// importMaster makes the master's image, as a Jenkins agent's would hold
// the tool and the checkout: the binary under test at /jenkins-paratest
// (the entrypoint), paratest.yml in /work, and /tmp.
func importMaster(t *testing.T, tag, config string) {
	t.Helper()
	bin, err := os.ReadFile(binary)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, d := range []struct {
		name string
		mode int64
	}{{"tmp/", 0o1777}, {"work/", 0o777}} {
		tw.WriteHeader(&tar.Header{Name: d.name, Typeflag: tar.TypeDir, Mode: d.mode})
	}
	for _, f := range []struct {
		name string
		mode int64
		data []byte
	}{{"jenkins-paratest", 0o755, bin}, {"work/paratest.yml", 0o644, []byte(config)}} {
		tw.WriteHeader(&tar.Header{Name: f.name, Typeflag: tar.TypeReg, Mode: f.mode, Size: int64(len(f.data))})
		tw.Write(f.data)
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("docker", "import", "--change", `ENTRYPOINT ["/jenkins-paratest"]`, "-", tag)
	cmd.Stdin = &buf
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("import the master's image: %v\n%s", err, out)
	}
	t.Cleanup(func() { exec.Command("docker", "rmi", "-f", tag).Run() })
}

// waitMaster waits for the master's pod to end and returns its exit code and
// log. A pod that cannot start (its image, a volume) fails t at once.
func (k *kube) waitMaster(t *testing.T, ns, name string, limit time.Duration) (int, string) {
	t.Helper()
	ctx := context.Background()
	logs := func() string {
		b, err := k.cs.CoreV1().Pods(ns).GetLogs(name, &corev1.PodLogOptions{}).DoRaw(ctx)
		if err != nil {
			return fmt.Sprintf("(no log: %v)", err)
		}
		return string(b)
	}
	deadline := time.Now().Add(limit)
	for {
		pod, err := k.cs.CoreV1().Pods(ns).Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		var st corev1.ContainerStatus
		if len(pod.Status.ContainerStatuses) > 0 {
			st = pod.Status.ContainerStatuses[0]
		}
		if term := st.State.Terminated; term != nil && (pod.Status.Phase == corev1.PodSucceeded || pod.Status.Phase == corev1.PodFailed) {
			return int(term.ExitCode), logs()
		}
		if w := st.State.Waiting; w != nil && (w.Reason == "ErrImageNeverPull" || w.Reason == "CreateContainerConfigError") {
			t.Fatalf("the master's pod cannot start: %s: %s", w.Reason, w.Message)
		}
		if pod.Status.Phase == corev1.PodFailed {
			t.Fatalf("the master's pod failed: %s: %s\n%s", pod.Status.Reason, pod.Status.Message, logs())
		}
		if time.Now().After(deadline) {
			t.Fatalf("the master's pod has not ended after %v (phase %s, %+v); its log:\n%s", limit, pod.Status.Phase, st.State, logs())
		}
		time.Sleep(500 * time.Millisecond)
	}
}
