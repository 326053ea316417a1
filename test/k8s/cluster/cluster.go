// Package cluster starts a small but real Kubernetes cluster for tests: an
// embedded etcd, kube-apiserver and kube-controller-manager (each the real
// component, run from this binary), and one virtual-kubelet node whose pods
// are containers on the local Docker engine, so exec and logs go apiserver →
// kubelet API → docker exec like on a real node.
//
// A binary that calls Start must call ComponentMain first thing in main (or
// TestMain). One cluster per process: the in-process parts share klog and
// client-go's process-wide settings.
package cluster

import (
	"bytes"
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/docker/docker/client"
	"go.etcd.io/etcd/server/v3/embed"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/klog/v2"

	"github.com/jenkins-paratest/jenkins-paratest/test/k8s/internal/dockerpods"
)

// DefaultControllers are the kube-controller-manager controllers Start runs:
// service accounts and their tokens, namespace deletion, garbage collection
// (ownerReferences), resource quota usage, the kube-root-ca.crt config map,
// the aggregated admin/edit/view roles, and jobs.
var DefaultControllers = []string{
	"serviceaccount-token-controller",
	"serviceaccount-controller",
	"namespace-controller",
	"garbage-collector-controller",
	"resourcequota-controller",
	"root-ca-certificate-publisher-controller",
	"clusterrole-aggregation-controller",
	"job-controller",
	"ttl-after-finished-controller",
}

// Options configure Start. The zero value is usable.
type Options struct {
	// Dir holds etcd's data, the certificates and the components' logs.
	// Start clears the data of an earlier cluster there. Empty: a temporary
	// directory that Close removes.
	Dir string
	// Kubeconfig is where the admin kubeconfig goes; empty: Dir/admin.kubeconfig.
	Kubeconfig string
	// NodeName is the virtual-kubelet node's name; empty: paratest-docker.
	NodeName string
	// ProbeImage runs the pod that proves exec works before Start returns.
	// Empty: ProbeImageDefault, imported from /bin/busybox (Debian's
	// busybox-static) when missing.
	ProbeImage string
	// Controllers replaces DefaultControllers when not nil.
	Controllers []string
	// Log gets the cluster's own diagnostics; nil: discarded.
	Log *slog.Logger
}

// ProbeImageDefault is the image Start imports for its readiness probe when
// Options.ProbeImage is empty; tests may use it too (it has busybox's sh,
// sleep, echo, cat, …).
const ProbeImageDefault = "paratest-k8s/busybox:2" // bump when busyboxLayer changes

// Cluster is a running cluster. Close stops it and removes its containers.
type Cluster struct {
	Kubeconfig string       // admin (system:masters) kubeconfig
	Config     *rest.Config // the same credentials
	Client     kubernetes.Interface
	Dir        string
	NodeName   string
	ProbeImage string
	Server     string // https://127.0.0.1:port
	// PodAPIServer is host:port where a pod's containers reach the
	// apiserver (their KUBERNETES_SERVICE_HOST and _PORT): a forwarder on
	// Docker's bridge gateway. Empty when the engine has no bridge network.
	PodAPIServer string

	opts    Options
	log     *slog.Logger
	run     string
	tmpDir  bool
	docker  *client.Client
	etcd    *embed.Etcd
	api     *component
	kcm     *component
	cancel  context.CancelFunc // the node and binder
	nodeEnd <-chan struct{}
	prov    *dockerpods.Provider
	proxy   *apiProxy
}

// Start brings a cluster up and returns once the node is Ready and a pod on it
// has been exec'd into through the apiserver. ctx bounds the start only.
func Start(ctx context.Context, opts Options) (c *Cluster, err error) {
	c = &Cluster{opts: opts, log: opts.Log, run: strconv.Itoa(os.Getpid()), NodeName: opts.NodeName, ProbeImage: opts.ProbeImage}
	if c.log == nil {
		c.log = slog.New(slog.DiscardHandler)
	}
	if c.NodeName == "" {
		c.NodeName = "paratest-docker"
	}
	if c.ProbeImage == "" {
		c.ProbeImage = ProbeImageDefault
	}
	defer func() {
		if err != nil {
			c.Close()
			c = nil
		}
	}()
	c.Dir = opts.Dir
	if c.Dir == "" {
		if c.Dir, err = os.MkdirTemp("", "paratest-k8s-"); err != nil {
			return nil, err
		}
		c.tmpDir = true
	} else if err := os.MkdirAll(c.Dir, 0o700); err != nil {
		return nil, err
	}
	// Every start is a new cluster: pods of an earlier one in its etcd data
	// would otherwise come back.
	for _, d := range []string{"etcd", "pki", "apiserver-certs", "pods"} {
		if err := os.RemoveAll(filepath.Join(c.Dir, d)); err != nil {
			return nil, err
		}
	}
	// client-go and virtual-kubelet log through klog in this process: to a
	// file, so a test's output stays readable.
	if f, err := os.Create(filepath.Join(c.Dir, "node.log")); err == nil {
		klog.LogToStderr(false)
		klog.SetOutput(f)
	}
	c.Kubeconfig = opts.Kubeconfig
	if c.Kubeconfig == "" {
		c.Kubeconfig = filepath.Join(c.Dir, "admin.kubeconfig")
	}

	c.docker, err = client.NewClientWithOpts(client.FromEnv, client.WithAPIVersionNegotiation())
	if err != nil {
		return nil, fmt.Errorf("docker client: %w", err)
	}
	ver, err := c.docker.ServerVersion(ctx)
	if err != nil {
		return nil, fmt.Errorf("docker engine (DOCKER_HOST=%q): %w", os.Getenv("DOCKER_HOST"), err)
	}
	if n, err := dockerpods.RemoveLeftovers(ctx, c.docker, c.run, false); err != nil {
		c.log.Warn("remove leftovers of earlier runs", "err", err)
	} else if n > 0 {
		c.log.Info("removed leftovers of earlier runs", "objects", n)
	}
	if err := ensureProbeImage(ctx, c.docker, c.ProbeImage, opts.ProbeImage == ""); err != nil {
		return nil, err
	}

	// In-cluster clients in pods dial the apiserver here, and verify its
	// certificate for this address.
	gateway, err := bridgeGateway(ctx, c.docker)
	if err != nil {
		c.log.Warn("pods get no in-cluster API access", "err", err)
	}
	p, err := newPKI(filepath.Join(c.Dir, "pki"))
	if err != nil {
		return nil, fmt.Errorf("certificates: %w", err)
	}
	sans := []string{"127.0.0.1", "localhost", "10.0.0.1", "kubernetes", "kubernetes.default", "kubernetes.default.svc", "kubernetes.default.svc.cluster.local"}
	if gateway != "" {
		sans = append(sans, gateway)
	}
	serving, err := p.issue("apiserver", "kube-apiserver", nil, sans, x509.ExtKeyUsageServerAuth)
	if err != nil {
		return nil, err
	}
	admin, err := p.issue("admin", "paratest-admin", []string{"system:masters"}, nil, x509.ExtKeyUsageClientAuth)
	if err != nil {
		return nil, err
	}
	kubeletClient, err := p.issue("apiserver-kubelet-client", "kube-apiserver-kubelet-client", []string{"system:masters"}, nil, x509.ExtKeyUsageClientAuth)
	if err != nil {
		return nil, err
	}
	kcmUser, err := p.issue("controller-manager", "system:kube-controller-manager", []string{"system:masters"}, nil, x509.ExtKeyUsageClientAuth)
	if err != nil {
		return nil, err
	}
	// The node is a node to the Node authorizer, and a master so that
	// virtual-kubelet's cluster-wide secret and config-map informers may list.
	nodeUser, err := p.issue("node-client", "system:node:"+c.NodeName, []string{"system:nodes", "system:masters"}, nil, x509.ExtKeyUsageClientAuth)
	if err != nil {
		return nil, err
	}
	nodeServing, err := p.issue("node-serving", "system:node:"+c.NodeName, nil, []string{"127.0.0.1", "localhost", c.NodeName}, x509.ExtKeyUsageServerAuth)
	if err != nil {
		return nil, err
	}
	saKey, saPub, err := p.serviceAccountKey()
	if err != nil {
		return nil, err
	}

	var etcdURL string
	if c.etcd, etcdURL, err = startEtcd(c.Dir); err != nil {
		return nil, err
	}

	apiPort, err := freePort()
	if err != nil {
		return nil, err
	}
	c.Server = fmt.Sprintf("https://127.0.0.1:%d", apiPort)
	c.api, err = startComponent(c.Dir, "kube-apiserver", []string{
		"--etcd-servers=" + etcdURL,
		"--bind-address=127.0.0.1",
		"--advertise-address=127.0.0.1",
		"--secure-port=" + strconv.Itoa(apiPort),
		"--cert-dir=" + filepath.Join(c.Dir, "apiserver-certs"),
		"--tls-cert-file=" + serving.CertFile,
		"--tls-private-key-file=" + serving.KeyFile,
		"--client-ca-file=" + p.caFile(),
		"--service-account-issuer=https://kubernetes.default.svc.cluster.local",
		"--service-account-key-file=" + saPub,
		"--service-account-signing-key-file=" + saKey,
		"--service-cluster-ip-range=10.0.0.0/24",
		"--authorization-mode=Node,RBAC",
		"--enable-admission-plugins=NamespaceLifecycle,LimitRanger,ServiceAccount,DefaultTolerationSeconds,ResourceQuota,Priority",
		"--kubelet-client-certificate=" + kubeletClient.CertFile,
		"--kubelet-client-key=" + kubeletClient.KeyFile,
		"--kubelet-certificate-authority=" + p.caFile(),
		"--kubelet-preferred-address-types=InternalIP",
		"--endpoint-reconciler-type=none",
		"--allow-privileged=true",
		"--profiling=false",
		"--v=1",
	})
	if err != nil {
		return nil, err
	}
	c.Config = restConfig(c.Server, p.caPEM, admin)
	if c.Client, err = kubernetes.NewForConfig(c.Config); err != nil {
		return nil, err
	}
	startCtx, cancelStart := context.WithTimeout(ctx, 3*time.Minute)
	defer cancelStart()
	err = waitFor(startCtx, "kube-apiserver /readyz", 200*time.Millisecond, func(ctx context.Context) (bool, error) {
		var code int
		res := c.Client.CoreV1().RESTClient().Get().AbsPath("/readyz").Do(ctx).StatusCode(&code)
		return code == http.StatusOK, res.Error()
	}, c.api)
	if err != nil {
		return nil, err
	}
	if err := writeKubeconfig(c.Kubeconfig, c.Server, p.caPEM, admin); err != nil {
		return nil, fmt.Errorf("write kubeconfig %s: %w", c.Kubeconfig, err)
	}
	if gateway != "" {
		if c.proxy, err = listenAPIProxy(gateway, fmt.Sprintf("127.0.0.1:%d", apiPort), c.log); err != nil {
			return nil, err
		}
		c.PodAPIServer = c.proxy.addr()
	}

	kcmKubeconfig := filepath.Join(c.Dir, "controller-manager.kubeconfig")
	if err := writeKubeconfig(kcmKubeconfig, c.Server, p.caPEM, kcmUser); err != nil {
		return nil, err
	}
	controllers := DefaultControllers
	if opts.Controllers != nil {
		controllers = opts.Controllers
	}
	c.kcm, err = startComponent(c.Dir, "kube-controller-manager", []string{
		"--kubeconfig=" + kcmKubeconfig,
		"--authentication-kubeconfig=" + kcmKubeconfig,
		"--authorization-kubeconfig=" + kcmKubeconfig,
		"--controllers=" + strings.Join(controllers, ","),
		"--service-account-private-key-file=" + saKey,
		"--root-ca-file=" + p.caFile(),
		"--leader-elect=false",
		"--secure-port=0",
		"--use-service-account-credentials=false",
		"--v=1",
	})
	if err != nil {
		return nil, err
	}

	nodeCS, err := kubernetes.NewForConfig(restConfig(c.Server, p.caPEM, nodeUser))
	if err != nil {
		return nil, err
	}
	kubeletPort, err := freePort()
	if err != nil {
		return nil, err
	}
	runCtx, cancel := context.WithCancel(context.Background())
	c.cancel = cancel
	n, prov, err := startNode(runCtx, nodeConfig{
		name: c.NodeName, port: kubeletPort, client: nodeCS, docker: c.docker, run: c.run,
		serving: nodeServing, caFile: p.caFile(), dockerVersion: ver.Version, sandboxImage: c.ProbeImage,
		apiServer: c.PodAPIServer, volumeDir: filepath.Join(c.Dir, "pods"),
	}, c.log)
	if err != nil {
		return nil, err
	}
	c.nodeEnd, c.prov = n.Done(), prov
	nodeObj, err := c.Client.CoreV1().Nodes().Get(startCtx, c.NodeName, metav1.GetOptions{})
	if err != nil {
		return nil, fmt.Errorf("get node %s: %w", c.NodeName, err)
	}
	runBinder(runCtx, c.Client, c.NodeName, nodeObj.Labels, c.log)

	if err := c.probe(startCtx); err != nil {
		return nil, err
	}
	return c, nil
}

// Close stops the node (removing every container and volume it made), the
// components and etcd, and removes a temporary Dir. It may be called more than once.
func (c *Cluster) Close() error {
	if c == nil {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	var errs []error
	if c.cancel != nil {
		c.cancel()
		c.cancel = nil
		if c.nodeEnd != nil {
			select {
			case <-c.nodeEnd:
			case <-time.After(10 * time.Second):
			}
		}
	}
	if c.prov != nil {
		c.prov.Close()
		c.prov = nil
	}
	c.proxy.close()
	c.proxy = nil
	if c.docker != nil {
		if _, err := dockerpods.RemoveLeftovers(ctx, c.docker, c.run, true); err != nil {
			errs = append(errs, err)
		}
		c.docker.Close()
		c.docker = nil
	}
	c.kcm.stop(10 * time.Second)
	c.kcm = nil
	c.api.stop(15 * time.Second)
	c.api = nil
	if c.etcd != nil {
		c.etcd.Close()
		c.etcd = nil
	}
	if c.tmpDir {
		if err := os.RemoveAll(c.Dir); err != nil {
			errs = append(errs, err)
		}
		c.tmpDir = false
	}
	return errors.Join(errs...)
}

// Logs returns the tail of a component's log (kube-apiserver,
// kube-controller-manager, etcd, node: this process's klog), for a failing test to print.
func (c *Cluster) Logs(component string, maxBytes int) string {
	b, err := os.ReadFile(filepath.Join(c.Dir, component+".log"))
	if err != nil {
		return err.Error()
	}
	if len(b) > maxBytes {
		b = b[len(b)-maxBytes:]
		if i := bytes.IndexByte(b, '\n'); i >= 0 {
			b = b[i+1:]
		}
	}
	return string(b)
}
