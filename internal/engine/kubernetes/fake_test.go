package kubernetes

import (
	"context"
	"io"
	"net/url"
	"strings"

	authv1 "k8s.io/api/authorization/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/kubernetes/fake"
	k8stesting "k8s.io/client-go/testing"
)

// fakeAPI is api on client-go's fake clientset.
type fakeAPI struct {
	ns string
	cs *fake.Clientset
}

func newFake(ns string, objects ...runtime.Object) *fakeAPI {
	return &fakeAPI{ns: ns, cs: fake.NewClientset(objects...)}
}

func (f *fakeAPI) Version(context.Context) (string, error) {
	v, err := f.cs.Discovery().ServerVersion()
	if err != nil {
		return "", err
	}
	return v.GitVersion, nil
}

func (f *fakeAPI) CreatePod(ctx context.Context, pod *corev1.Pod) (*corev1.Pod, error) {
	return f.cs.CoreV1().Pods(f.ns).Create(ctx, pod, metav1.CreateOptions{})
}

func (f *fakeAPI) GetPod(ctx context.Context, name string) (*corev1.Pod, error) {
	return f.cs.CoreV1().Pods(f.ns).Get(ctx, name, metav1.GetOptions{})
}

func (f *fakeAPI) ListPods(ctx context.Context, selector string) (*corev1.PodList, error) {
	return f.cs.CoreV1().Pods(f.ns).List(ctx, metav1.ListOptions{LabelSelector: selector})
}

func (f *fakeAPI) DeletePod(ctx context.Context, name string, grace int64) error {
	return f.cs.CoreV1().Pods(f.ns).Delete(ctx, name, metav1.DeleteOptions{GracePeriodSeconds: &grace})
}

func (f *fakeAPI) PodLogs(ctx context.Context, name string, opts *corev1.PodLogOptions) (io.ReadCloser, error) {
	return io.NopCloser(strings.NewReader("")), nil
}

func (f *fakeAPI) ListQuotas(ctx context.Context) (*corev1.ResourceQuotaList, error) {
	return f.cs.CoreV1().ResourceQuotas(f.ns).List(ctx, metav1.ListOptions{})
}

func (f *fakeAPI) Review(ctx context.Context, r *authv1.SelfSubjectAccessReview) (*authv1.SelfSubjectAccessReview, error) {
	return f.cs.AuthorizationV1().SelfSubjectAccessReviews().Create(ctx, r, metav1.CreateOptions{})
}

func (f *fakeAPI) ExecURL(name string, _ *corev1.PodExecOptions) *url.URL {
	return &url.URL{Path: "/api/v1/namespaces/" + f.ns + "/pods/" + name + "/exec"}
}

// onCreatePod makes every created pod's status what status says: the
// scheduler's and the kubelet's part, which the fake clientset has not.
func (f *fakeAPI) onCreatePod(status func(*corev1.Pod)) {
	f.cs.PrependReactor("create", "pods", func(a k8stesting.Action) (bool, runtime.Object, error) {
		pod := a.(k8stesting.CreateAction).GetObject().(*corev1.Pod)
		status(pod)
		return false, nil, nil // the tracker stores it, status and all
	})
}

func runningStatus(pod *corev1.Pod) {
	pod.Status = corev1.PodStatus{Phase: corev1.PodRunning, ContainerStatuses: []corev1.ContainerStatus{
		{Name: WorkerContainer, State: corev1.ContainerState{Running: &corev1.ContainerStateRunning{}}},
	}}
}
