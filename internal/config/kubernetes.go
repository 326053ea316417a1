package config

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/validation"
	sigsjson "sigs.k8s.io/json"

	"github.com/jenkins-paratest/jenkins-paratest/internal/exit"
	"github.com/jenkins-paratest/jenkins-paratest/internal/matrix"
)

// Kubernetes is the kubernetes: key: the workers run as pods of a namespace
// instead of containers of Docker engines (docs/kubernetes.md).
type Kubernetes struct {
	Context   string // kubeconfig context; "" the current one
	Namespace string // "" the context's namespace, in a pod its own, else "default"
	Workers   int    // pods, one worker each
	// Template is the pod template the workers' pods are made from (its
	// container named "worker", or its first, gives the worker container's
	// resources, mounts and security; jenkins-paratest sets its image and
	// command); empty when none is given.
	Template       corev1.PodTemplateSpec
	AgentImage     string        // an image holding the static jenkins-paratest binary
	ActiveDeadline time.Duration // a pod's activeDeadlineSeconds
	StartTimeout   time.Duration // how long a pod may take to run before it is reported Pending
	Where          string        // "paratest.yml:12", for messages about it
}

// Defaults of kubernetes:.
const (
	DefaultActiveDeadline = 6 * time.Hour
	DefaultStartTimeout   = 3 * time.Minute
)

var kubernetesKeys = []string{"context", "namespace", "workers", "pod_template", "agent_image", "active_deadline", "start_timeout"}

// kubernetes parses kubernetes:, a mapping. Every error names file:line.
func kubernetes(s setting) (*Kubernetes, error) {
	n := s.node
	if n.Kind != yaml.MappingNode {
		return nil, s.errorf("want a mapping (namespace:, workers:, pod_template:, agent_image:), got %s", kindName(n))
	}
	fields, err := fieldsOf(s.file, "kubernetes", n, kubernetesKeys)
	if err != nil {
		return nil, err
	}
	k := &Kubernetes{Where: s.where, ActiveDeadline: DefaultActiveDeadline, StartTimeout: DefaultStartTimeout}
	for key, f := range fields {
		if key != "pod_template" && (f.node != nil || f.isList) {
			return nil, f.errorf("want a single value")
		}
	}
	if f, ok := fields["context"]; ok {
		k.Context = f.str
	}
	if f, ok := fields["namespace"]; ok {
		if errs := validation.IsDNS1123Label(f.str); len(errs) > 0 {
			return nil, f.errorf("want a namespace name, got %q: %s", f.str, errs[0])
		}
		k.Namespace = f.str
	}
	f, ok := fields["workers"]
	if !ok {
		return nil, exit.Usagef("%s: kubernetes: needs workers: (how many pods)", s.where)
	}
	if k.Workers, err = wholeNumber(f); err != nil {
		return nil, err
	}
	if k.Workers > matrix.MaxWorkers {
		return nil, f.errorf("at most %d, got %d", matrix.MaxWorkers, k.Workers)
	}
	if f, ok := fields["agent_image"]; ok {
		if k.AgentImage, err = imageRef(f); err != nil {
			return nil, err
		}
	}
	if k.AgentImage == "" {
		return nil, exit.Usagef("%s: kubernetes: needs agent_image: an image the nodes can pull holding the static jenkins-paratest binary at /jenkins-paratest (make agent-image builds jenkins-paratest-agent:VERSION; docs/kubernetes.md)", s.where)
	}
	for key, d := range map[string]*time.Duration{"active_deadline": &k.ActiveDeadline, "start_timeout": &k.StartTimeout} {
		if f, ok := fields[key]; ok {
			if *d, err = duration(f); err != nil {
				return nil, err
			}
			if *d < time.Second {
				return nil, f.errorf("want at least 1s, got %q", f.str)
			}
		}
	}
	if f, ok := fields["pod_template"]; ok {
		if k.Template, err = podTemplate(f); err != nil {
			return nil, err
		}
	}
	return k, nil
}

// podTemplate reads pod_template:, a file's path (relative to paratest.yml) or
// an inline mapping, holding a Pod, a PodTemplate or a PodTemplateSpec. Unknown
// fields are errors, as kubectl --validate=strict makes them.
func podTemplate(f setting) (corev1.PodTemplateSpec, error) {
	var doc any
	where, key := f.where, f.key
	if f.node != nil {
		if err := f.node.Decode(&doc); err != nil {
			return corev1.PodTemplateSpec{}, f.errorf("%v", err)
		}
	} else {
		path := f.str
		if !filepath.IsAbs(path) {
			path = filepath.Join(filepath.Dir(f.file), path)
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return corev1.PodTemplateSpec{}, f.errorf("%v", err)
		}
		var n yaml.Node
		if err := yaml.Unmarshal(data, &n); err != nil {
			return corev1.PodTemplateSpec{}, exit.Usagef("%s: %s", path, strings.Join(strings.Fields(err.Error()), " "))
		}
		if len(n.Content) == 0 {
			return corev1.PodTemplateSpec{}, exit.Usagef("%s: empty pod template", path)
		}
		if err := n.Content[0].Decode(&doc); err != nil {
			return corev1.PodTemplateSpec{}, exit.Usagef("%s:%d: %v", path, n.Content[0].Line, err)
		}
		where, key = path+":"+strconv.Itoa(n.Content[0].Line), "pod template"
	}
	m, ok := doc.(map[string]any)
	if !ok {
		return corev1.PodTemplateSpec{}, exit.Usagef("%s: %s: want a Pod, PodTemplate or PodTemplateSpec mapping", where, key)
	}
	switch m["kind"] {
	case "PodTemplate":
		t, _ := m["template"].(map[string]any)
		m = t
	case "Pod", nil:
		delete(m, "apiVersion")
		delete(m, "kind")
		delete(m, "status")
	default:
		return corev1.PodTemplateSpec{}, exit.Usagef("%s: %s: want kind Pod or PodTemplate, got %v", where, key, m["kind"])
	}
	data, err := json.Marshal(m)
	if err != nil {
		return corev1.PodTemplateSpec{}, exit.Usagef("%s: %s: %v", where, key, err)
	}
	var t corev1.PodTemplateSpec
	strict, err := sigsjson.UnmarshalStrict(data, &t)
	if err == nil && len(strict) > 0 {
		err = strict[0]
	}
	if err != nil {
		return corev1.PodTemplateSpec{}, exit.Usagef("%s: %s: %v", where, key, strings.TrimPrefix(err.Error(), "json: "))
	}
	return t, nil
}

// checkKubernetes validates what kubernetes: excludes: a matrix, and a
// workers: of its own.
func checkKubernetes(cfg *Config, set map[string]setting) error {
	if cfg.Kubernetes == nil {
		return nil
	}
	if s, ok := set[keyMatrix]; ok && cfg.Matrix != "" {
		return s.errorf("kubernetes: (%s) and a build matrix exclude each other; keep one", cfg.Kubernetes.Where)
	}
	if s, ok := set[keyWorkers]; ok {
		return s.errorf("kubernetes: sets the workers (%s); remove one", cfg.Kubernetes.Where)
	}
	cfg.Workers = cfg.Kubernetes.Workers
	return nil
}
