package cluster_test

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"net"
	"strings"
	"testing"
	"time"

	authnv1 "k8s.io/api/authentication/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/jenkins-paratest/jenkins-paratest/test/k8s/cluster"
)

// TestServiceAccountToken: a pod gets what in-cluster clients read, as from a
// kubelet: the admission plugin's token volume (a token bound to the pod, the
// cluster's CA, the namespace) and KUBERNETES_SERVICE_HOST/PORT, where the
// apiserver answers it with a certificate valid for that address.
func TestServiceAccountToken(t *testing.T) {
	need(t)
	if kc.PodAPIServer == "" {
		t.Fatal("the cluster has no address for pods to reach the apiserver")
	}
	ns := namespace(t)
	createPod(t, sleeper(ns, "client"))
	waitPhase(t, ns, "client", time.Minute, corev1.PodRunning)
	sh := func(script string) string {
		t.Helper()
		var stdout, stderr bytes.Buffer
		err := cluster.Exec(context.Background(), kc.Config, cluster.ExecOptions{Namespace: ns, Pod: "client",
			Command: []string{"sh", "-c", script}, Stdout: &stdout, Stderr: &stderr})
		if err != nil {
			t.Fatalf("%s: %v: %s", script, err, stderr.String())
		}
		return stdout.String()
	}
	const dir = "/var/run/secrets/kubernetes.io/serviceaccount"
	if got := sh("cat " + dir + "/namespace"); got != ns {
		t.Errorf("namespace file %q, want %q", got, ns)
	}
	cm, err := kc.Client.CoreV1().ConfigMaps(ns).Get(context.Background(), "kube-root-ca.crt", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	ca := sh("cat " + dir + "/ca.crt")
	if ca != cm.Data["ca.crt"] || ca == "" {
		t.Errorf("ca.crt is not the kube-root-ca.crt config map's")
	}
	if got := sh(`echo "$KUBERNETES_SERVICE_HOST:$KUBERNETES_SERVICE_PORT"`); got != kc.PodAPIServer+"\n" {
		t.Errorf("KUBERNETES_SERVICE_HOST:PORT %q, want %s", got, kc.PodAPIServer)
	}
	if mode := sh("busybox stat -c %a " + dir + "/token"); mode != "644\n" {
		t.Errorf("token file mode %s, want the admission's defaultMode 644", mode)
	}

	// The token is the pod's service account's, bound to the pod.
	token := sh("cat " + dir + "/token")
	review := func() *authnv1.TokenReviewStatus {
		r, err := kc.Client.AuthenticationV1().TokenReviews().Create(context.Background(),
			&authnv1.TokenReview{Spec: authnv1.TokenReviewSpec{Token: token}}, metav1.CreateOptions{})
		if err != nil {
			t.Fatal(err)
		}
		return &r.Status
	}
	st := review()
	if want := "system:serviceaccount:" + ns + ":default"; !st.Authenticated || st.User.Username != want {
		t.Errorf("token review: authenticated %v as %q, want %s", st.Authenticated, st.User.Username, want)
	}
	if pod := st.User.Extra["authentication.kubernetes.io/pod-name"]; len(pod) != 1 || pod[0] != "client" {
		t.Errorf("the token is not bound to the pod: extra %v", st.User.Extra)
	}

	// The apiserver answers there, with a certificate for that address
	// signed by the CA in the volume.
	host, _, _ := net.SplitHostPort(kc.PodAPIServer)
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM([]byte(ca))
	conn, err := tls.DialWithDialer(&net.Dialer{Timeout: 5 * time.Second}, "tcp", kc.PodAPIServer, &tls.Config{RootCAs: pool, ServerName: host})
	if err != nil {
		t.Fatalf("TLS to the apiserver at the pods' address: %v", err)
	}
	conn.Close()
	// And the pod reaches it there (busybox's TLS cannot talk to Go's: plain
	// HTTP to the TLS port gets Go's answer to that).
	got := sh(`printf 'GET / HTTP/1.0\r\n\r\n' | busybox nc -w 5 "$KUBERNETES_SERVICE_HOST" "$KUBERNETES_SERVICE_PORT"; true`)
	if !strings.Contains(got, "Client sent an HTTP request to an HTTPS server") {
		t.Errorf("the apiserver does not answer the pod at %s: %q", kc.PodAPIServer, got)
	}

	// Deleted, the pod takes its token with it.
	var zero int64
	if err := kc.Client.CoreV1().Pods(ns).Delete(context.Background(), "client", metav1.DeleteOptions{GracePeriodSeconds: &zero}); err != nil {
		t.Fatal(err)
	}
	waitUntil(t, "the deleted pod's token to stop working", 30*time.Second, func() (bool, error) {
		return !review().Authenticated, nil
	})
}
