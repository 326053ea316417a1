package cluster

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/docker/docker/client"
	"github.com/virtual-kubelet/virtual-kubelet/node"
	"github.com/virtual-kubelet/virtual-kubelet/node/nodeutil"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/cache"

	"github.com/jenkins-paratest/jenkins-paratest/test/k8s/internal/dockerpods"
)

// nodeConfig is what startNode needs.
type nodeConfig struct {
	name          string
	port          int                  // the kubelet API's
	client        kubernetes.Interface // the node's credentials
	docker        *client.Client
	run           string // dockerpods' LabelRun
	serving       pair   // the kubelet API's certificate
	caFile        string
	dockerVersion string
	sandboxImage  string
	apiServer     string // host:port where pods reach the apiserver; "" none
	volumeDir     string // the pods' projected volumes' files
}

// startNode runs the virtual-kubelet node whose pods are Docker containers,
// its kubelet API (exec, attach, logs) on 127.0.0.1:port over TLS, accepting
// only clients with a certificate from the cluster CA (the apiserver's
// kubelet-client one).
func startNode(ctx context.Context, nc nodeConfig, log *slog.Logger) (*nodeutil.Node, *dockerpods.Provider, error) {
	name, port, cs, serving, caFile, dockerVersion := nc.name, nc.port, nc.client, nc.serving, nc.caFile, nc.dockerVersion
	prov := dockerpods.New(nc.docker, nc.run, log.With("node", name))
	prov.SandboxImage = nc.sandboxImage
	prov.Client, prov.APIServer, prov.VolumeDir = cs, nc.apiServer, nc.volumeDir
	mux := http.NewServeMux()
	newProvider := func(cfg nodeutil.ProviderConfig) (nodeutil.Provider, node.NodeProvider, error) {
		describeNode(cfg.Node, port, dockerVersion)
		return prov, nil, nil
	}
	listen := func(cfg *nodeutil.NodeConfig) error {
		cfg.HTTPListenAddr = "127.0.0.1:" + strconv.Itoa(port)
		cfg.Handler = mux
		cfg.NumWorkers = 4
		cfg.InformerResyncPeriod = 30 * time.Second
		cfg.StreamIdleTimeout = 4 * time.Hour
		cfg.StreamCreationTimeout = 30 * time.Second
		return nil
	}
	n, err := nodeutil.NewNode(name, newProvider,
		nodeutil.WithClient(cs),
		listen,
		nodeutil.AttachProviderRoutes(mux),
		nodeutil.WithTLSConfig(nodeutil.WithKeyPairFromPath(serving.CertFile, serving.KeyFile), nodeutil.WithCAFromPath(caFile)),
	)
	if err != nil {
		return nil, nil, fmt.Errorf("virtual-kubelet node %s: %w", name, err)
	}
	go n.Run(ctx) //nolint:errcheck // n.Err() reports it
	if err := n.WaitReady(ctx, 2*time.Minute); err != nil {
		return nil, nil, fmt.Errorf("virtual-kubelet node %s: %w", name, err)
	}
	return n, prov, nil
}

// describeNode fills in what the apiserver and the product read from a node:
// where its kubelet API is, and what it has.
func describeNode(n *corev1.Node, port int, dockerVersion string) {
	n.Status.Addresses = []corev1.NodeAddress{
		{Type: corev1.NodeInternalIP, Address: "127.0.0.1"},
		{Type: corev1.NodeHostName, Address: n.Name},
	}
	n.Status.DaemonEndpoints = corev1.NodeDaemonEndpoints{KubeletEndpoint: corev1.DaemonEndpoint{Port: int32(port)}}
	res := corev1.ResourceList{
		corev1.ResourceCPU:              *resource.NewQuantity(int64(runtime.NumCPU()), resource.DecimalSI),
		corev1.ResourceMemory:           *resource.NewQuantity(memTotal(), resource.BinarySI),
		corev1.ResourcePods:             resource.MustParse("110"),
		corev1.ResourceEphemeralStorage: resource.MustParse("100Gi"),
	}
	n.Status.Capacity, n.Status.Allocatable = res, res.DeepCopy()
	n.Status.NodeInfo = corev1.NodeSystemInfo{
		OperatingSystem:         "linux",
		Architecture:            runtime.GOARCH,
		KubeletVersion:          "v1.37.2-paratest-k8s",
		ContainerRuntimeVersion: "docker://" + dockerVersion,
	}
	n.Labels["kubernetes.io/os"] = "linux"
	n.Labels["kubernetes.io/arch"] = runtime.GOARCH
	n.Labels["paratest-k8s/docker"] = "true"
}

func memTotal() int64 {
	b, err := os.ReadFile("/proc/meminfo")
	if err == nil {
		for _, line := range strings.Split(string(b), "\n") {
			if f := strings.Fields(line); len(f) >= 2 && f[0] == "MemTotal:" {
				if kb, err := strconv.ParseInt(f[1], 10, 64); err == nil {
					return kb * 1024
				}
			}
		}
	}
	return 8 << 30
}

// runBinder stands in for kube-scheduler: it binds every unscheduled pod whose
// nodeSelector the node's labels satisfy to the node. Pods that ask for more
// than the node has are bound all the same, but a namespace annotated
// MaxPodsAnnotation gets no more running pods than it says: the others stay
// Pending, Unschedulable, as pods a full cluster cannot place. Resync retries
// failed binds (and places pods once room is made).
func runBinder(ctx context.Context, cs kubernetes.Interface, nodeName string, nodeLabels map[string]string, log *slog.Logger) {
	f := informers.NewSharedInformerFactoryWithOptions(cs, 5*time.Second,
		informers.WithTweakListOptions(func(o *metav1.ListOptions) {
			o.FieldSelector = fields.OneTermEqualSelector("spec.nodeName", "").String()
		}))
	bind := func(obj any) {
		pod, ok := obj.(*corev1.Pod)
		if !ok || pod.Spec.NodeName != "" || pod.DeletionTimestamp != nil {
			return
		}
		for k, v := range pod.Spec.NodeSelector {
			if nodeLabels[k] != v {
				return
			}
		}
		if full, why := namespaceFull(ctx, cs, pod.Namespace); full {
			unschedulable(ctx, cs, pod, why, log)
			return
		}
		err := cs.CoreV1().Pods(pod.Namespace).Bind(ctx, &corev1.Binding{
			ObjectMeta: metav1.ObjectMeta{Name: pod.Name, Namespace: pod.Namespace, UID: pod.UID},
			Target:     corev1.ObjectReference{Kind: "Node", Name: nodeName},
		}, metav1.CreateOptions{})
		if err != nil && ctx.Err() == nil {
			log.Debug("bind", "pod", pod.Namespace+"/"+pod.Name, "err", err)
		}
	}
	inf := f.Core().V1().Pods().Informer()
	inf.AddEventHandler(cache.ResourceEventHandlerFuncs{ //nolint:errcheck
		AddFunc:    bind,
		UpdateFunc: func(_, obj any) { bind(obj) },
	})
	f.Start(ctx.Done())
}

// MaxPodsAnnotation on a namespace caps how many of its pods the binder keeps
// bound and not finished at once: a cluster without room, for tests.
const MaxPodsAnnotation = "paratest-k8s/max-pods"

// namespaceFull reports whether ns has as many unfinished bound pods as its
// MaxPodsAnnotation allows.
func namespaceFull(ctx context.Context, cs kubernetes.Interface, ns string) (bool, string) {
	n, err := cs.CoreV1().Namespaces().Get(ctx, ns, metav1.GetOptions{})
	if err != nil {
		return false, ""
	}
	max, err := strconv.Atoi(n.Annotations[MaxPodsAnnotation])
	if err != nil {
		return false, ""
	}
	pods, err := cs.CoreV1().Pods(ns).List(ctx, metav1.ListOptions{})
	if err != nil {
		return false, ""
	}
	bound := 0
	for _, p := range pods.Items {
		if p.Spec.NodeName != "" && p.DeletionTimestamp == nil && p.Status.Phase != corev1.PodSucceeded && p.Status.Phase != corev1.PodFailed {
			bound++
		}
	}
	return bound >= max, fmt.Sprintf("0/1 nodes are available: namespace %s may run %d pods at once (%s)", ns, max, MaxPodsAnnotation)
}

// unschedulable marks pod PodScheduled=False, Unschedulable, as kube-scheduler
// does for a pod it cannot place, once.
func unschedulable(ctx context.Context, cs kubernetes.Interface, pod *corev1.Pod, why string, log *slog.Logger) {
	for _, c := range pod.Status.Conditions {
		if c.Type == corev1.PodScheduled && c.Status == corev1.ConditionFalse {
			return
		}
	}
	p := pod.DeepCopy()
	p.Status.Conditions = append(p.Status.Conditions, corev1.PodCondition{
		Type: corev1.PodScheduled, Status: corev1.ConditionFalse, Reason: corev1.PodReasonUnschedulable,
		Message: why, LastTransitionTime: metav1.Now(),
	})
	if _, err := cs.CoreV1().Pods(p.Namespace).UpdateStatus(ctx, p, metav1.UpdateOptions{}); err != nil && ctx.Err() == nil {
		log.Debug("unschedulable", "pod", p.Namespace+"/"+p.Name, "err", err)
	}
}
