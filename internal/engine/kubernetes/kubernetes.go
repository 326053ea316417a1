// Package kubernetes implements engine.Engine on a Kubernetes namespace: each
// container is a pod, whose container "worker" runs the agent as its main
// process. The agent reaches the pod through an init container of the agent
// image (a FROM scratch image holding the static jenkins-paratest binary) that
// copies it into an emptyDir mounted at the agent's directory; commands run
// through the exec subresource (WebSocket, SPDY as the fallback); the API is
// reached with the kubeconfig (KUBECONFIG, ~/.kube/config) or, inside a pod,
// the service account's credentials.
//
// A pod carries the run's labels, restartPolicy Never and activeDeadlineSeconds:
// a master killed by SIGKILL leaves pods whose agent stops at its orphan TTL
// (the pod then Succeeded, using nothing), and that the kubelet ends at the
// deadline whatever happens. Only the verbs docs/kubernetes.md's Role lists
// are used: pods create, get, list, delete; pods/exec create, get; pods/log get;
// resourcequotas list (check only).
//
// An Engine is safe for concurrent use, as the engine package requires.
package kubernetes

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/url"
	"time"

	"github.com/go-logr/logr"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/httpstream"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
	"k8s.io/client-go/tools/remotecommand"
	"k8s.io/klog/v2"

	"github.com/jenkins-paratest/jenkins-paratest/internal/engine"
)

// Options configure an Engine.
type Options struct {
	Context   string // kubeconfig context; "" the current one
	Namespace string // "" the context's (or the service account's) namespace, else "default"
	// Template is the pod template; its container "worker" (or its first)
	// gives the worker container's resources, mounts and security context.
	Template       corev1.PodTemplateSpec
	AgentImage     string        // holds the static jenkins-paratest binary
	ActiveDeadline time.Duration // each pod's activeDeadlineSeconds; 0 none
	StartTimeout   time.Duration // how long a pod may take to run; 0 is DefaultStartTimeout
	// Unschedulable is how long a pod the scheduler cannot place (no node
	// has room) may wait before Start reports it; 0 is DefaultUnschedulable.
	Unschedulable time.Duration
	Pull          engine.PullPolicy // the pods' images' pull policy; "" is PullMissing
}

// Defaults of Options.
const (
	DefaultStartTimeout  = 3 * time.Minute
	DefaultUnschedulable = 20 * time.Second
)

// Engine is a namespace of a cluster.
type Engine struct {
	opts      Options
	namespace string
	server    string // the API server's URL
	auth      string // where the credentials come from (see credentials)
	client    api
	config    *rest.Config // nil with a fake client: no exec
	// poll is the interval between two looks at a starting pod.
	poll time.Duration
}

var _ engine.Engine = (*Engine)(nil)

// New loads the credentials (without dialling) and returns the Engine.
func New(opts Options) (*Engine, error) {
	// client-go reports what it cannot return through klog, on stderr: a
	// stream's copy ending when the command ended, or the pod was deleted.
	// Exec's error already says what matters; the rest is noise in a
	// Jenkins console.
	klog.SetLogger(logr.Discard())
	rules := clientcmd.NewDefaultClientConfigLoadingRules()
	cc := clientcmd.NewNonInteractiveDeferredLoadingClientConfig(rules, &clientcmd.ConfigOverrides{CurrentContext: opts.Context})
	cfg, err := cc.ClientConfig()
	if err != nil {
		return nil, fmt.Errorf("kubeconfig: %w (set KUBECONFIG, or run in a pod with a service account)", err)
	}
	ns := opts.Namespace
	if ns == "" {
		if ns, _, err = cc.Namespace(); err != nil {
			return nil, fmt.Errorf("kubeconfig: %w", err)
		}
	}
	cfg.UserAgent = "jenkins-paratest"
	// The workers' many small execs are not the API server's load worth
	// throttling: client-go's default of 5 a second would be the bottleneck.
	cfg.QPS, cfg.Burst = 200, 400
	client, err := newRESTAPI(cfg, ns)
	if err != nil {
		return nil, fmt.Errorf("kubernetes client: %w", err)
	}
	e := newEngine(client, ns, opts)
	e.config, e.server, e.auth = cfg, cfg.Host, credentials(cc, rules, opts.Context, cfg)
	return e, nil
}

// newEngine is an Engine on client (a fake one in tests).
func newEngine(client api, namespace string, opts Options) *Engine {
	if opts.StartTimeout == 0 {
		opts.StartTimeout = DefaultStartTimeout
	}
	if opts.Unschedulable == 0 {
		opts.Unschedulable = DefaultUnschedulable
	}
	if namespace == "" {
		namespace = "default"
	}
	return &Engine{opts: opts, namespace: namespace, client: client, poll: 250 * time.Millisecond}
}

// Server is the API server's URL.
func (e *Engine) Server() string { return e.server }

// Auth says where the credentials come from: the kubeconfig's file and
// context, or the pod's service account.
func (e *Engine) Auth() string { return e.auth }

// Namespace is the namespace the Engine works in.
func (e *Engine) Namespace() string { return e.namespace }

// Host names the engine in messages and log file names.
func (e *Engine) Host() string { return "kubernetes" }

// Info asks the API server's version: it is reachable and the credentials work.
func (e *Engine) Info(ctx context.Context) (engine.Info, error) {
	v, err := e.client.Version(ctx)
	if err != nil {
		return engine.Info{}, fmt.Errorf("kubernetes API %s: %w", e.server, err)
	}
	return engine.Info{Host: e.Host(), ID: e.server + "/" + e.namespace, ServerVersion: v, APIVersion: "v1"}, nil
}

// Image checks nothing: the kubelet pulls the image when a pod starts, with
// the pod's imagePullSecrets, and Start reports a pull that fails. `check`
// tries a pull with a short-lived pod (CheckImage).
func (e *Engine) Image(_ context.Context, ref string, _ engine.PullPolicy, _ io.Writer) (engine.ImageInfo, error) {
	return engine.ImageInfo{Ref: ref}, nil
}

// ErrNotSupported is what the Docker-only operations return.
var ErrNotSupported = errors.New("not supported on kubernetes")

// SaveImage is not supported: the cluster's nodes pull from a registry.
func (e *Engine) SaveImage(context.Context, string) (io.ReadCloser, error) {
	return nil, fmt.Errorf("image_transfer: %w: push the image to a registry the nodes can pull from", ErrNotSupported)
}

// LoadImage is not supported, as SaveImage.
func (e *Engine) LoadImage(context.Context, io.Reader) error {
	return fmt.Errorf("image_transfer: %w: push the image to a registry the nodes can pull from", ErrNotSupported)
}

// Volume does nothing: the agent reaches each pod through its init container.
func (e *Engine) Volume(context.Context, string, string, map[string]string, map[string]string, []engine.File) error {
	return nil
}

// RemoveVolumes removes nothing: the pods' emptyDirs go with them.
func (e *Engine) RemoveVolumes(context.Context, map[string]string) ([]string, error) {
	return nil, nil
}

// Network does nothing: a pod is its own network; a worker's services are
// containers of its pod (ContainerSpec.Sidecars).
func (e *Engine) Network(context.Context, string, map[string]string) error { return nil }

// RemoveNetworks removes nothing, as Network makes nothing.
func (e *Engine) RemoveNetworks(context.Context, map[string]string) ([]string, error) {
	return nil, nil
}

// Close releases nothing: client-go's connections are pooled by its transport.
func (e *Engine) Close() error { return nil }

// executor runs one exec request, WebSocket first, SPDY when the server (or
// a proxy on the way) refuses the WebSocket upgrade.
func (e *Engine) executor(u *url.URL) (remotecommand.Executor, error) {
	if e.config == nil {
		return nil, errors.New("exec needs a real API server")
	}
	ws, err := remotecommand.NewWebSocketExecutor(e.config, "GET", u.String())
	if err != nil {
		return nil, err
	}
	spdy, err := remotecommand.NewSPDYExecutor(e.config, "POST", u)
	if err != nil {
		return nil, err
	}
	return remotecommand.NewFallbackExecutor(ws, spdy, func(err error) bool {
		return httpstream.IsUpgradeFailure(err) || httpstream.IsHTTPSProxyError(err)
	})
}
