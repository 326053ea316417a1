package runner

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/jenkins-paratest/jenkins-paratest/internal/config"
	"github.com/jenkins-paratest/jenkins-paratest/internal/console"
	"github.com/jenkins-paratest/jenkins-paratest/internal/engine"
	"github.com/jenkins-paratest/jenkins-paratest/internal/engine/kubernetes"
)

const testKubeconfig = `apiVersion: v1
kind: Config
clusters: [{name: c, cluster: {server: "https://127.0.0.1:1"}}]
users: [{name: u, user: {token: t}}]
contexts: [{name: ci, context: {cluster: c, user: u, namespace: from-context}}]
current-context: ci
`

// kubernetes: makes one host, the namespace, with all the workers.
func TestHostsOfKubernetes(t *testing.T) {
	kc := filepath.Join(t.TempDir(), "kubeconfig")
	if err := os.WriteFile(kc, []byte(testKubeconfig), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("KUBECONFIG", kc)
	cfg := &config.Config{Workers: 6, Kubernetes: &config.Kubernetes{Workers: 6, AgentImage: "a:1"}}
	hosts, pool, err := hostsOf(cfg, Options{}, console.New(nil, console.Options{}))
	if err != nil {
		t.Fatal(err)
	}
	if len(hosts) != 1 || pool != nil || hosts[0].workers != 6 || hosts[0].name != "kubernetes" {
		t.Fatalf("hosts %+v, pool %v: want one host kubernetes with 6 workers, no SSH pool", hosts, pool)
	}
	k, ok := hosts[0].eng.(*kubernetes.Engine)
	if !ok || k.Namespace() != "from-context" || k.Auth() != "kubeconfig "+kc+" context ci" {
		t.Errorf("engine %T: namespace %q, auth %q; want the context's", hosts[0].eng, k.Namespace(), k.Auth())
	}
	// Its services are the pods' sidecars.
	if se, ok := hosts[0].eng.(engine.SidecarEngine); !ok || !se.Sidecars() {
		t.Errorf("the kubernetes engine does not take services as sidecars")
	}
}
