package e2e

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	authnv1 "k8s.io/api/authentication/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"

	k8sengine "github.com/jenkins-paratest/jenkins-paratest/internal/engine/kubernetes"
)

// The kubernetes: engine against a real API server: scripts/k8s-cluster.sh's
// (test/k8s: etcd, kube-apiserver, kube-controller-manager and a node whose
// pods are containers of the local Docker engine). The subtests share one
// cluster, each in a namespace of its own.
func TestKubernetes(t *testing.T) {
	need(t, true)
	kc := startCluster(t)
	cs := clientset(t, kc)
	agentImage := fmt.Sprintf("paratest-e2e/agent:%d", os.Getpid())
	importAgent(t, agentImage)
	k := &kube{kubeconfig: kc, cs: cs, agentImage: agentImage}

	t.Run("ExampleSuiteOn4Pods", k.exampleSuite)
	t.Run("DeletedPodLosesNoVerdict", k.deletedPod)
	t.Run("BrokenExecStreamPodAlive", k.brokenStream)
	t.Run("CheckNamesMissingVerb", k.missingVerb)
	t.Run("PendingPodsAreReported", k.pending)
	t.Run("SIGTERMLeavesNoPod", k.sigterm)
	t.Run("Clean", k.clean)
	t.Run("ServicesAsSidecars", k.services)
	t.Run("RunGoesOnWithThePodsThatStarted", k.partial)
	t.Run("InClusterServiceAccount", k.inCluster)
}

type kube struct {
	kubeconfig string
	cs         *kubernetes.Clientset
	agentImage string
}

// startCluster starts the test cluster, stopped when t ends, and returns its
// kubeconfig. A cluster that cannot start skips t (fails it in CI).
func startCluster(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	script := filepath.Join(repoRoot, "scripts/k8s-cluster.sh")
	cmd := exec.Command(script, "start", dir)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		reason := fmt.Sprintf("the test cluster did not start (%s start: %v): %s", script, err, stderr.String())
		if os.Getenv("PARATEST_REQUIRE_E2E") == "1" {
			t.Fatalf("PARATEST_REQUIRE_E2E=1 but %s", reason)
		}
		t.Skip(reason)
	}
	t.Cleanup(func() { exec.Command(script, "stop", dir).Run() })
	kc := strings.TrimSpace(string(out))
	if i := strings.LastIndexByte(kc, '\n'); i >= 0 {
		kc = kc[i+1:]
	}
	t.Logf("cluster: %s", strings.TrimSpace(stderr.String()))
	return kc
}

func clientset(t *testing.T, kubeconfig string) *kubernetes.Clientset {
	t.Helper()
	cfg, err := clientcmd.BuildConfigFromFlags("", kubeconfig)
	if err != nil {
		t.Fatal(err)
	}
	cs, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return cs
}

// importAgent makes the agent image as `make agent-image` does: the binary
// under test alone, at /jenkins-paratest.
func importAgent(t *testing.T, tag string) {
	t.Helper()
	cmd := exec.Command("sh", "-c", `tar -C "$1" --owner=0 --group=0 -cf - jenkins-paratest | docker import --change 'ENTRYPOINT ["/jenkins-paratest"]' - "$2"`, "sh", filepath.Dir(binary), tag)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("import the agent image: %v\n%s", err, out)
	}
	t.Cleanup(func() { exec.Command("docker", "rmi", "-f", tag).Run() })
}

// namespace makes a namespace for t, deleted with its pods when t ends.
func (k *kube) namespace(t *testing.T) string {
	t.Helper()
	name := fmt.Sprintf("e2e-%d", time.Now().UnixNano()%1e10)
	ctx := context.Background()
	if _, err := k.cs.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		var zero int64
		k.cs.CoreV1().Pods(name).DeleteCollection(ctx, metav1.DeleteOptions{GracePeriodSeconds: &zero}, metav1.ListOptions{})
		k.cs.CoreV1().Namespaces().Delete(ctx, name, metav1.DeleteOptions{})
	})
	return name
}

// config is a paratest.yml of suite (no workers:) on workers pods of ns.
func (k *kube) config(suite, ns string, workers int) string {
	return suite + fmt.Sprintf(`kubernetes:
  namespace: %s
  workers: %d
  agent_image: %s
  start_timeout: 1m
  pod_template:
    spec:
      containers:
        - name: worker
          resources: {limits: {memory: 512Mi}}
`, ns, workers, k.agentImage)
}

// kubeID is a run id that is also a label value.
func kubeID(name string) string {
	return fmt.Sprintf("k8s-%s-%d", name, time.Now().UnixNano()%1e10)
}

// pods lists the pods of a run in ns, by phase.
func (k *kube) pods(t *testing.T, ns, id string) map[string]corev1.PodPhase {
	t.Helper()
	list, err := k.cs.CoreV1().Pods(ns).List(context.Background(), metav1.ListOptions{LabelSelector: "paratest.run=" + id})
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]corev1.PodPhase{}
	for _, p := range list.Items {
		out[p.Name] = p.Status.Phase
	}
	return out
}

func (k *kube) assertNoPods(t *testing.T, ns, id string) {
	t.Helper()
	if left := k.pods(t, ns, id); len(left) > 0 {
		t.Errorf("pods of run %s left in %s: %v", id, ns, left)
	}
}

// The example suite on 4 pod workers gives the verdicts of the same suite on
// 4 local containers, and leaves no pod.
func (k *kube) exampleSuite(t *testing.T) {
	ns := k.namespace(t)
	example, err := os.ReadFile(filepath.Join(repoRoot, "examples/go-suite/paratest.yml"))
	if err != nil {
		t.Fatal(err)
	}
	suite := strings.Replace(string(example), "workers: 4\n", "", 1)
	suite = strings.Replace(suite, "image: paratest-example/go-suite:latest", "image: "+exampleImage, 1)

	localDir := t.TempDir()
	local := paratest(t, localDir, nil, "run", "--config", filepath.Join(repoRoot, "examples/go-suite/paratest.yml"),
		"--image", exampleImage, "--workers", "4", "--out", filepath.Join(localDir, "out"), "--run-id", kubeID("local"))
	if local.code != 0 {
		t.Fatalf("the local run exited %d", local.code)
	}

	dir := writeConfig(t, k.config(suite, ns, 4))
	id := kubeID("example")
	started := time.Now()
	r := paratest(t, dir, []string{"KUBECONFIG=" + k.kubeconfig}, "run", "--run-id", id, "--out", filepath.Join(dir, "out"))
	took := time.Since(started)
	if r.code != 0 {
		t.Fatalf("the kubernetes run exited %d, want 0", r.code)
	}
	want, got := ourVerdicts(t, filepath.Join(localDir, "out")), ourVerdicts(t, filepath.Join(dir, "out"))
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("verdicts on kubernetes differ from the local run's (-local +kubernetes):\n%s", d)
	}
	s := readSummary(t, filepath.Join(dir, "out"))
	if s.Workers != 4 || s.Failed != 0 || s.Lost != 0 || s.Tests != len(want) {
		t.Errorf("summary %+v, want 4 workers, %d tests, none failed or lost", s, len(want))
	}
	logs, _ := filepath.Glob(filepath.Join(dir, "out", "logs", "kubernetes_w*.log"))
	if len(logs) != 4 {
		t.Errorf("%d worker logs kubernetes_w*.log, want 4", len(logs))
	}
	t.Logf("%d verdicts on 4 pods in %s", len(got), took.Round(100*time.Millisecond))
	k.assertNoPods(t, ns, id)
}

// A worker's pod deleted mid-run loses its batch to the queue; the worker
// comes back in a new pod, and every test gets its one verdict.
func (k *kube) deletedPod(t *testing.T) {
	ns := k.namespace(t)
	const n = 12
	dir := writeConfig(t, k.config(slowSuite(n, "2"), ns, 3))
	id := kubeID("deleted")
	b := startRun(t, dir, []string{"KUBECONFIG=" + k.kubeconfig}, "run", "--run-id", id)
	if !b.waitFor(t, " PASS ") {
		t.Fatalf("the run ended before a test passed:\n%s", strings.Join(b.seen, "\n"))
	}
	var victim string
	for name, phase := range k.pods(t, ns, id) {
		if phase == corev1.PodRunning {
			victim = name
			break
		}
	}
	if victim == "" {
		t.Fatal("no running pod to delete")
	}
	var zero int64
	if err := k.cs.CoreV1().Pods(ns).Delete(context.Background(), victim, metav1.DeleteOptions{GracePeriodSeconds: &zero}); err != nil {
		t.Fatal(err)
	}
	t.Logf("deleted pod %s", victim)
	if code := b.wait(t); code != 0 {
		t.Fatalf("exit %d, want 0", code)
	}
	out := filepath.Join(dir, "paratest-out")
	cases := exactlyOnce(t, out, n)
	for _, c := range cases {
		if c.Failure != nil || c.Error != nil {
			t.Errorf("%s did not pass", c.Name)
		}
	}
	// The pod's worker (worker1 in its name is w1 on the console) noticed.
	w := victim[strings.LastIndex(victim, "-worker")+len("-worker"):]
	w = "kubernetes/w" + w[:strings.IndexByte(w, '-')]
	if console := strings.Join(b.seen, "\n"); !strings.Contains(console, "warning: worker "+w+": ") {
		t.Errorf("the console has no warning of worker %s, whose pod was deleted", w)
	}
	k.assertNoPods(t, ns, id)
}

// A Role without create on pods/exec: check fails and names the verb and
// the resource.
func (k *kube) missingVerb(t *testing.T) {
	ns := k.namespace(t)
	ctx := context.Background()
	var rules []rbacv1.PolicyRule
	for _, p := range k8sengine.Permissions {
		if p.Resource == "pods/exec" {
			continue
		}
		rules = append(rules, rbacv1.PolicyRule{APIGroups: []string{""}, Resources: []string{p.Resource}, Verbs: []string{p.Verb}})
	}
	if _, err := k.cs.CoreV1().ServiceAccounts(ns).Create(ctx, &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Name: "limited"}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := k.cs.RbacV1().Roles(ns).Create(ctx, &rbacv1.Role{ObjectMeta: metav1.ObjectMeta{Name: "paratest"}, Rules: rules}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := k.cs.RbacV1().RoleBindings(ns).Create(ctx, &rbacv1.RoleBinding{
		ObjectMeta: metav1.ObjectMeta{Name: "paratest"},
		RoleRef:    rbacv1.RoleRef{APIGroup: "rbac.authorization.k8s.io", Kind: "Role", Name: "paratest"},
		Subjects:   []rbacv1.Subject{{Kind: "ServiceAccount", Name: "limited", Namespace: ns}},
	}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	exp := int64(3600)
	tok, err := k.cs.CoreV1().ServiceAccounts(ns).CreateToken(ctx, "limited", &authnv1.TokenRequest{Spec: authnv1.TokenRequestSpec{ExpirationSeconds: &exp}}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	limited := k.tokenKubeconfig(t, ns, tok.Status.Token)
	dir := writeConfig(t, k.config("image: "+shellImage+"\npull: never\n", ns, 2))

	r := paratest(t, dir, []string{"KUBECONFIG=" + limited}, "check")
	if r.code == 0 {
		t.Fatal("check passed with a Role that lacks pods/exec")
	}
	if want := "denies create pods/exec, get pods/exec:"; !strings.Contains(r.stdout, want) {
		t.Errorf("check's table does not say %q", want)
	}
	// With the whole Role, check passes: the message above is about the verb.
	full := append(rules, rbacv1.PolicyRule{APIGroups: []string{""}, Resources: []string{"pods/exec"}, Verbs: []string{"create", "get"}})
	if _, err := k.cs.RbacV1().Roles(ns).Update(ctx, &rbacv1.Role{ObjectMeta: metav1.ObjectMeta{Name: "paratest"}, Rules: full}, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	if r := paratest(t, dir, []string{"KUBECONFIG=" + limited}, "check"); r.code != 0 {
		t.Errorf("check with the documented Role exited %d", r.code)
	}
}

// tokenKubeconfig is the cluster's kubeconfig with a service account's token
// as its only user.
func (k *kube) tokenKubeconfig(t *testing.T, ns, token string) string {
	t.Helper()
	admin, err := clientcmd.LoadFromFile(k.kubeconfig)
	if err != nil {
		t.Fatal(err)
	}
	cur := admin.Contexts[admin.CurrentContext]
	cfg := clientcmdapi.NewConfig()
	cfg.Clusters["test"] = admin.Clusters[cur.Cluster]
	cfg.AuthInfos["limited"] = &clientcmdapi.AuthInfo{Token: token}
	cfg.Contexts["limited"] = &clientcmdapi.Context{Cluster: "test", AuthInfo: "limited", Namespace: ns}
	cfg.CurrentContext = "limited"
	path := filepath.Join(t.TempDir(), "kubeconfig")
	if err := clientcmd.WriteToFile(*cfg, path); err != nil {
		t.Fatal(err)
	}
	return path
}

// SIGTERM mid-run (a Jenkins abort): the master deletes its pods before it
// exits.
func (k *kube) sigterm(t *testing.T) {
	ns := k.namespace(t)
	dir := writeConfig(t, k.config(slowSuite(30, "5"), ns, 3))
	id := kubeID("sigterm")
	b := startRun(t, dir, []string{"KUBECONFIG=" + k.kubeconfig}, "run", "--run-id", id)
	if !b.waitFor(t, "==> paratest: running") {
		t.Fatalf("the run ended before it ran tests:\n%s", strings.Join(b.seen, "\n"))
	}
	deadline := time.Now().Add(time.Minute)
	for running := 0; running < 3; {
		if time.Now().After(deadline) {
			t.Fatalf("3 pods not running within a minute: %v", k.pods(t, ns, id))
		}
		running = 0
		for _, phase := range k.pods(t, ns, id) {
			if phase == corev1.PodRunning {
				running++
			}
		}
		time.Sleep(200 * time.Millisecond)
	}
	sent := time.Now()
	if err := b.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	kill := time.AfterFunc(jenkinsKillAfter, func() { b.cmd.Process.Kill() })
	defer kill.Stop()
	code := b.wait(t)
	t.Logf("exit %d %s after SIGTERM", code, time.Since(sent).Round(10*time.Millisecond))
	if ws := b.cmd.ProcessState.Sys().(syscall.WaitStatus); ws.Signaled() {
		t.Errorf("the master was killed %s after SIGTERM, not out by itself", jenkinsKillAfter)
	}
	k.assertNoPods(t, ns, id)
}

// clean removes the pods a SIGKILLed master left: the stale ones by
// default, every one of the run with --run.
func (k *kube) clean(t *testing.T) {
	ns := k.namespace(t)
	dir := writeConfig(t, k.config(slowSuite(30, "5"), ns, 2))
	id := kubeID("clean")
	b := startRun(t, dir, []string{"KUBECONFIG=" + k.kubeconfig}, "run", "--run-id", id)
	if !b.waitFor(t, " PASS ") {
		t.Fatalf("the run ended before a test passed:\n%s", strings.Join(b.seen, "\n"))
	}
	b.cmd.Process.Kill()
	b.wait(t)
	if len(k.pods(t, ns, id)) == 0 {
		t.Fatal("the killed master left no pod to clean")
	}
	env := []string{"KUBECONFIG=" + k.kubeconfig}
	if r := paratest(t, dir, env, "clean"); r.code != 0 {
		t.Fatalf("clean exited %d", r.code)
	}
	if len(k.pods(t, ns, id)) == 0 {
		t.Error("clean without --run removed the running pods (of a live run, for all it knows)")
	}
	if r := paratest(t, dir, env, "clean", "--run", id); r.code != 0 {
		t.Fatalf("clean --run exited %d", r.code)
	}
	k.assertNoPods(t, ns, id)
}

// Pods no node takes are reported with why, deleted, and tried again; with no
// worker at all the run gives up (exit 3) rather than wait for ever.
func (k *kube) pending(t *testing.T) {
	ns := k.namespace(t)
	yml := slowSuite(4, "1") + fmt.Sprintf(`kubernetes:
  namespace: %s
  workers: 2
  agent_image: %s
  start_timeout: 2s
  pod_template:
    spec:
      nodeSelector: {pool: none-has-it}
`, ns, k.agentImage)
	dir := writeConfig(t, yml)
	id := kubeID("pending")
	r := paratest(t, dir, []string{"KUBECONFIG=" + k.kubeconfig}, "run", "--run-id", id)
	if r.code != 3 {
		t.Errorf("exit %d, want 3 (no worker could start)", r.code)
	}
	if want := "is Pending after 2s: no node took it within start_timeout 2s"; !strings.Contains(r.stdout+r.stderr, want) {
		t.Errorf("the console does not say %q", want)
	}
	k.assertNoPods(t, ns, id)
}

// services: on kubernetes are sidecars of the worker's pod: each worker's tests
// reach their own redis at redis:6379 (setup writes the worker's number into
// it, and every test checks it), waited for before setup.
func (k *kube) services(t *testing.T) {
	img := runnerImage(t)
	ns := k.namespace(t)
	suite := `
image: ` + img + `
pull: never
list: 'seq 1 6 | sed s/^/t/'
setup: redis-cli -h redis SET owner "$PARATEST_WORKER"
command: '[ "$(redis-cli -h redis GET owner)" = "$PARATEST_WORKER" ]'
services:
  - name: redis
    image: ` + img + `
    command: [redis-server, --protected-mode, "no", --save, ""]
    ready: {tcp: 6379}
`
	dir := writeConfig(t, k.config(suite, ns, 2))
	id := kubeID("services")
	r := paratest(t, dir, []string{"KUBECONFIG=" + k.kubeconfig}, "run", "--run-id", id, "--out", filepath.Join(dir, "out"))
	if r.code != 0 {
		t.Fatalf("exit %d, want 0", r.code)
	}
	for _, c := range exactlyOnce(t, filepath.Join(dir, "out"), 6) {
		if c.Failure != nil || c.Error != nil {
			t.Errorf("%s did not pass: %s", c.Name, c.SystemOut)
		}
	}
	log := readLogs(t, filepath.Join(dir, "out"))
	if !strings.Contains(log, "=== paratest: service redis ready after") || !strings.Contains(log, "[redis] ") {
		t.Errorf("the worker logs do not show the sidecar's readiness and output")
	}
	k.assertNoPods(t, ns, id)
}

// A namespace with room for 2 pods and a run of 4 workers: the 2 pods the
// scheduler cannot place are reported with its reason, the run finishes on the
// 2 that started, every test passed once, and the Pending ones are called off
// when the queue is done rather than holding the run up.
func (k *kube) partial(t *testing.T) {
	ns := k.namespace(t)
	ctx := context.Background()
	n, err := k.cs.CoreV1().Namespaces().Get(ctx, ns, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	n.Annotations = map[string]string{"paratest-k8s/max-pods": "2"} // the test cluster's binder keeps the rest Pending
	if _, err := k.cs.CoreV1().Namespaces().Update(ctx, n, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	yml := slowSuite(12, "1") + fmt.Sprintf(`kubernetes:
  namespace: %s
  workers: 4
  agent_image: %s
  start_timeout: 30s
`, ns, k.agentImage)
	dir := writeConfig(t, yml)
	id := kubeID("partial")
	r := paratest(t, dir, []string{"KUBECONFIG=" + k.kubeconfig}, "run", "--run-id", id)
	if r.code != 0 {
		t.Fatalf("exit %d, want 0: two workers are enough", r.code)
	}
	// Reported when the queue is done first, or at the engine's grace for
	// Unschedulable pods: either way with the scheduler's reason.
	if want := "Unschedulable: 0/1 nodes are available: namespace " + ns + " may run 2 pods at once"; !strings.Contains(r.stdout, want) {
		t.Errorf("the console does not report the pods left Pending with the scheduler's reason %q", want)
	}
	for _, c := range exactlyOnce(t, filepath.Join(dir, "paratest-out"), 12) {
		if c.Failure != nil || c.Error != nil {
			t.Errorf("%s did not pass", c.Name)
		}
	}
	ran := map[string]bool{} // the workers of the console's "[w1] PASS t3" lines
	for _, l := range strings.Split(r.stdout, "\n") {
		if tag, rest, ok := strings.Cut(l, "] PASS "); ok && strings.HasPrefix(tag, "[") && rest != "" {
			ran[tag[1:]] = true
		}
	}
	if len(ran) == 0 || len(ran) > 2 {
		t.Errorf("tests ran on workers %v, more than the 2 pods that had room", ran)
	}
	k.assertNoPods(t, ns, id)
}
