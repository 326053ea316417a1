package config

import (
	"os"
	"path/filepath"
	"regexp"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
)

func TestKubernetes(t *testing.T) {
	t.Parallel()
	cfg := mustLoad(t, base+`kubernetes:
  namespace: ci
  workers: 4
  agent_image: registry.example/jenkins-paratest-agent:v1
  active_deadline: 2h
  pod_template:
    metadata: {labels: {team: ci}}
    spec:
      serviceAccountName: paratest
      nodeSelector: {pool: ci}
      imagePullSecrets: [{name: registry}]
      containers:
        - name: worker
          resources: {requests: {cpu: 500m, memory: 1Gi}}
`, nil, Flags{})
	k := cfg.Kubernetes
	if k == nil {
		t.Fatal("no kubernetes")
	}
	if k.Namespace != "ci" || k.Workers != 4 || cfg.Workers != 4 || k.AgentImage != "registry.example/jenkins-paratest-agent:v1" ||
		k.ActiveDeadline != 2*time.Hour || k.StartTimeout != DefaultStartTimeout || k.Where != cfg.File+":4" {
		t.Errorf("kubernetes = %+v, workers %d", k, cfg.Workers)
	}
	s := k.Template.Spec
	if k.Template.Labels["team"] != "ci" || s.ServiceAccountName != "paratest" || s.NodeSelector["pool"] != "ci" || s.ImagePullSecrets[0].Name != "registry" {
		t.Errorf("template %+v", k.Template)
	}
	if q := s.Containers[0].Resources.Requests[corev1.ResourceCPU]; q.MilliValue() != 500 {
		t.Errorf("cpu request %s, want 500m", q.String())
	}
}

// pod_template: may name a file of a Pod, relative to paratest.yml.
func TestKubernetesTemplateFile(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	pod := "apiVersion: v1\nkind: Pod\nmetadata:\n  name: ignored\nspec:\n  tolerations: [{key: ci, operator: Exists}]\n  containers: [{name: worker}]\n"
	if err := os.WriteFile(filepath.Join(dir, "pod.yaml"), []byte(pod), 0o644); err != nil {
		t.Fatal(err)
	}
	cfgFile := filepath.Join(dir, "paratest.yml")
	yml := base + "kubernetes:\n  workers: 2\n  agent_image: a:1\n  pod_template: pod.yaml\n"
	if err := os.WriteFile(cfgFile, []byte(yml), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg, err := Load(ForRun, Flags{Config: &cfgFile}, mapEnv(nil))
	if err != nil {
		t.Fatal(err)
	}
	if tl := cfg.Kubernetes.Template.Spec.Tolerations; len(tl) != 1 || tl[0].Key != "ci" {
		t.Errorf("tolerations %v", tl)
	}
	// A bad field of the file is named with the file.
	if err := os.WriteFile(filepath.Join(dir, "pod.yaml"), []byte("kind: Pod\nspec:\n  nodeSelecter: {a: b}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err = Load(ForRun, Flags{Config: &cfgFile}, mapEnv(nil))
	if want := regexp.MustCompile(`pod\.yaml:1: pod template: unknown field "spec\.nodeSelecter"`); err == nil || !want.MatchString(err.Error()) {
		t.Errorf("error %v, want %s", err, want)
	}
}

func TestKubernetesErrors(t *testing.T) {
	t.Parallel()
	type testCase struct{ name, yml, want string }
	fn := func(t *testing.T, tc testCase) {
		t.Parallel()
		_, err := load(t, base+tc.yml, nil, Flags{})
		if err == nil {
			t.Fatalf("no error, want %s", tc.want)
		}
		if !regexp.MustCompile(`^\S+paratest\.yml:\d+: ` + tc.want).MatchString(err.Error()) {
			t.Errorf("error %q, want paratest.yml:N: %s", err, tc.want)
		}
	}
	for _, tc := range []testCase{
		{"not a mapping", "kubernetes: yes\n", `kubernetes: want a mapping`},
		{"unknown key", "kubernetes:\n  workers: 2\n  agent_image: a\n  namespaces: ci\n", `kubernetes: unknown key "namespaces" \(did you mean "namespace"\?\)`},
		{"no workers", "kubernetes:\n  agent_image: a\n", `kubernetes: needs workers:`},
		{"bad workers", "kubernetes:\n  workers: many\n  agent_image: a\n", `kubernetes: workers: want a whole number`},
		{"no agent image", "kubernetes:\n  workers: 2\n", `kubernetes: needs agent_image:`},
		{"bad namespace", "kubernetes:\n  workers: 2\n  agent_image: a\n  namespace: CI_ns\n", `kubernetes: namespace: want a namespace name`},
		{"bad deadline", "kubernetes:\n  workers: 2\n  agent_image: a\n  active_deadline: 3600\n", `kubernetes: active_deadline: want a duration with a unit`},
		{"unknown template field", "kubernetes:\n  workers: 2\n  agent_image: a\n  pod_template:\n    spec: {nodeSelecter: {a: b}}\n", `kubernetes: pod_template: unknown field "spec.nodeSelecter"`},
		{"wrong kind", "kubernetes:\n  workers: 2\n  agent_image: a\n  pod_template: {kind: Deployment}\n", `kubernetes: pod_template: want kind Pod or PodTemplate`},
		{"with a matrix", "matrix: m.yml\nkubernetes:\n  workers: 2\n  agent_image: a\n", `matrix: kubernetes: \(\S+:5\) and a build matrix exclude each other`},
		{"with workers", "workers: 3\nkubernetes:\n  workers: 2\n  agent_image: a\n", `workers: kubernetes: sets the workers`},
	} {
		t.Run(tc.name, func(t *testing.T) { fn(t, tc) })
	}
}
