package kubernetes

import (
	"context"
	"encoding/json"
	"io"
	"net/url"

	authv1 "k8s.io/api/authorization/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/runtime/serializer"
	"k8s.io/client-go/rest"
)

// api is the part of the Kubernetes API the engine uses, in one namespace:
// REST calls on pods, their exec and log subresources, resource quotas and
// access reviews. restAPI is the real one; the tests' is client-go's fake
// clientset. client-go's own typed clients are not used: their scheme holds
// every API group and would triple the binary (13 MB to 42 MB), which is the
// agent copied to every host too.
type api interface {
	Version(ctx context.Context) (string, error)
	CreatePod(ctx context.Context, pod *corev1.Pod) (*corev1.Pod, error)
	GetPod(ctx context.Context, name string) (*corev1.Pod, error)
	ListPods(ctx context.Context, selector string) (*corev1.PodList, error)
	DeletePod(ctx context.Context, name string, grace int64) error
	PodLogs(ctx context.Context, name string, opts *corev1.PodLogOptions) (io.ReadCloser, error)
	ListQuotas(ctx context.Context) (*corev1.ResourceQuotaList, error)
	Review(ctx context.Context, r *authv1.SelfSubjectAccessReview) (*authv1.SelfSubjectAccessReview, error)
	ExecURL(name string, opts *corev1.PodExecOptions) *url.URL
}

// scheme holds the types of the groups used: core and authorization.
var scheme = func() *runtime.Scheme {
	s := runtime.NewScheme()
	if err := corev1.AddToScheme(s); err != nil {
		panic(err)
	}
	if err := authv1.AddToScheme(s); err != nil {
		panic(err)
	}
	metav1.AddToGroupVersion(s, schema.GroupVersion{Version: "v1"})
	return s
}()

var parameterCodec = runtime.NewParameterCodec(scheme)

// restAPI is api on a real API server.
type restAPI struct {
	namespace string
	core      *rest.RESTClient // /api/v1
	authz     *rest.RESTClient // /apis/authorization.k8s.io/v1
}

func newRESTAPI(cfg *rest.Config, namespace string) (*restAPI, error) {
	client := func(path string, gv schema.GroupVersion) (*rest.RESTClient, error) {
		c := rest.CopyConfig(cfg)
		c.APIPath, c.GroupVersion = path, &gv
		c.NegotiatedSerializer = serializer.NewCodecFactory(scheme).WithoutConversion()
		if c.UserAgent == "" {
			c.UserAgent = rest.DefaultKubernetesUserAgent()
		}
		return rest.RESTClientFor(c)
	}
	core, err := client("/api", corev1.SchemeGroupVersion)
	if err != nil {
		return nil, err
	}
	authz, err := client("/apis", authv1.SchemeGroupVersion)
	if err != nil {
		return nil, err
	}
	return &restAPI{namespace: namespace, core: core, authz: authz}, nil
}

func (a *restAPI) Version(ctx context.Context) (string, error) {
	body, err := a.core.Get().AbsPath("/version").Do(ctx).Raw()
	if err != nil {
		return "", err
	}
	var v struct {
		GitVersion string `json:"gitVersion"`
	}
	err = json.Unmarshal(body, &v)
	return v.GitVersion, err
}

func (a *restAPI) CreatePod(ctx context.Context, pod *corev1.Pod) (*corev1.Pod, error) {
	out := &corev1.Pod{}
	err := a.core.Post().Namespace(a.namespace).Resource("pods").Body(pod).Do(ctx).Into(out)
	return out, err
}

func (a *restAPI) GetPod(ctx context.Context, name string) (*corev1.Pod, error) {
	out := &corev1.Pod{}
	err := a.core.Get().Namespace(a.namespace).Resource("pods").Name(name).Do(ctx).Into(out)
	return out, err
}

func (a *restAPI) ListPods(ctx context.Context, selector string) (*corev1.PodList, error) {
	out := &corev1.PodList{}
	err := a.core.Get().Namespace(a.namespace).Resource("pods").
		VersionedParams(&metav1.ListOptions{LabelSelector: selector}, parameterCodec).Do(ctx).Into(out)
	return out, err
}

func (a *restAPI) DeletePod(ctx context.Context, name string, grace int64) error {
	return a.core.Delete().Namespace(a.namespace).Resource("pods").Name(name).
		Body(&metav1.DeleteOptions{GracePeriodSeconds: &grace}).Do(ctx).Error()
}

func (a *restAPI) PodLogs(ctx context.Context, name string, opts *corev1.PodLogOptions) (io.ReadCloser, error) {
	return a.core.Get().Namespace(a.namespace).Resource("pods").Name(name).SubResource("log").
		VersionedParams(opts, parameterCodec).Stream(ctx)
}

func (a *restAPI) ListQuotas(ctx context.Context) (*corev1.ResourceQuotaList, error) {
	out := &corev1.ResourceQuotaList{}
	err := a.core.Get().Namespace(a.namespace).Resource("resourcequotas").Do(ctx).Into(out)
	return out, err
}

func (a *restAPI) Review(ctx context.Context, r *authv1.SelfSubjectAccessReview) (*authv1.SelfSubjectAccessReview, error) {
	out := &authv1.SelfSubjectAccessReview{}
	err := a.authz.Post().Resource("selfsubjectaccessreviews").Body(r).Do(ctx).Into(out)
	return out, err
}

func (a *restAPI) ExecURL(name string, opts *corev1.PodExecOptions) *url.URL {
	return a.core.Post().Namespace(a.namespace).Resource("pods").Name(name).SubResource("exec").
		VersionedParams(opts, parameterCodec).URL()
}
