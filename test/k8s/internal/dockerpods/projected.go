package dockerpods

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"sort"
	"time"

	authnv1 "k8s.io/api/authentication/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// Projected, configMap, secret and downwardAPI volumes are files the provider
// writes once, when the pod starts, into a directory of VolumeDir that its
// containers bind-mount read-only: what the kubelet writes into a tmpfs. The
// one a pod needs most is the ServiceAccount admission plugin's
// kube-api-access-*: a token from the TokenRequest API for the pod's service
// account, bound to the pod, the kube-root-ca.crt config map's ca.crt, and the
// namespace. The token is not refreshed: the apiserver extends the
// admission's 3607-second tokens to a year.

// fileWait is how long a volume waits for its config map or secret to exist
// (a new namespace's kube-root-ca.crt comes a moment after the namespace)
// before the pod fails.
const fileWait = time.Minute

// podDir holds the files of pod's volumes.
func (p *Provider) podDir(pod *corev1.Pod) string {
	return filepath.Join(p.VolumeDir, pod.Namespace+"_"+pod.Name+"_"+string(pod.UID))
}

// fileVolume is v as a projected volume when the provider writes its files:
// a projected, configMap, secret or downwardAPI volume; nil for the others.
func fileVolume(v corev1.Volume) *corev1.ProjectedVolumeSource {
	switch {
	case v.Projected != nil:
		return v.Projected
	case v.ConfigMap != nil:
		c := v.ConfigMap
		return &corev1.ProjectedVolumeSource{DefaultMode: c.DefaultMode, Sources: []corev1.VolumeProjection{{
			ConfigMap: &corev1.ConfigMapProjection{LocalObjectReference: c.LocalObjectReference, Items: c.Items, Optional: c.Optional},
		}}}
	case v.Secret != nil:
		s := v.Secret
		return &corev1.ProjectedVolumeSource{DefaultMode: s.DefaultMode, Sources: []corev1.VolumeProjection{{
			Secret: &corev1.SecretProjection{LocalObjectReference: corev1.LocalObjectReference{Name: s.SecretName}, Items: s.Items, Optional: s.Optional},
		}}}
	case v.DownwardAPI != nil:
		d := v.DownwardAPI
		return &corev1.ProjectedVolumeSource{DefaultMode: d.DefaultMode, Sources: []corev1.VolumeProjection{{
			DownwardAPI: &corev1.DownwardAPIProjection{Items: d.Items},
		}}}
	}
	return nil
}

// writeFiles writes the files of pod's volume v (see fileVolume) into its
// directory of podDir.
func (p *Provider) writeFiles(ctx context.Context, pod *corev1.Pod, v corev1.Volume, src *corev1.ProjectedVolumeSource) error {
	if p.VolumeDir == "" || p.Client == nil {
		return fmt.Errorf("volume %s: the provider has no VolumeDir or API client for its files", v.Name)
	}
	mode := os.FileMode(0o644)
	if src.DefaultMode != nil {
		mode = os.FileMode(*src.DefaultMode)
	}
	files := map[string]file{} // by path in the volume
	for _, s := range src.Sources {
		var err error
		switch {
		case s.ServiceAccountToken != nil:
			var tok string
			if tok, err = p.token(ctx, pod, s.ServiceAccountToken); err == nil {
				files[s.ServiceAccountToken.Path] = file{[]byte(tok), mode}
			}
		case s.ConfigMap != nil:
			err = p.configMapFiles(ctx, pod.Namespace, s.ConfigMap, mode, files)
		case s.Secret != nil:
			err = p.secretFiles(ctx, pod.Namespace, s.Secret, mode, files)
		case s.DownwardAPI != nil:
			err = downwardFiles(pod, s.DownwardAPI, mode, files)
		default:
			err = errors.New("only serviceAccountToken, configMap, secret and downwardAPI sources are supported by paratest-k8s")
		}
		if err != nil {
			return fmt.Errorf("volume %s: %w", v.Name, err)
		}
	}
	dir := filepath.Join(p.podDir(pod), v.Name)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	paths := make([]string, 0, len(files))
	for path := range files {
		paths = append(paths, path)
	}
	sort.Strings(paths)
	for _, path := range paths {
		if !filepath.IsLocal(path) {
			return fmt.Errorf("volume %s: path %q leaves the volume", v.Name, path)
		}
		name := filepath.Join(dir, path)
		if err := os.MkdirAll(filepath.Dir(name), 0o755); err != nil {
			return err
		}
		f := files[path]
		if err := os.WriteFile(name, f.data, f.mode); err != nil {
			return err
		}
		if err := os.Chmod(name, f.mode); err != nil { // past the umask
			return err
		}
	}
	return nil
}

type file struct {
	data []byte
	mode os.FileMode
}

// token asks the TokenRequest API for a token of pod's service account,
// bound to the pod (it stops working when the pod is deleted), as the kubelet does.
func (p *Provider) token(ctx context.Context, pod *corev1.Pod, src *corev1.ServiceAccountTokenProjection) (string, error) {
	sa := pod.Spec.ServiceAccountName
	if sa == "" {
		sa = "default"
	}
	req := &authnv1.TokenRequest{Spec: authnv1.TokenRequestSpec{
		ExpirationSeconds: src.ExpirationSeconds,
		BoundObjectRef:    &authnv1.BoundObjectReference{Kind: "Pod", APIVersion: "v1", Name: pod.Name, UID: pod.UID},
	}}
	if src.Audience != "" {
		req.Spec.Audiences = []string{src.Audience}
	}
	tr, err := p.Client.CoreV1().ServiceAccounts(pod.Namespace).CreateToken(ctx, sa, req, metav1.CreateOptions{})
	if err != nil {
		return "", fmt.Errorf("token of service account %s/%s: %w", pod.Namespace, sa, err)
	}
	return tr.Status.Token, nil
}

// getObject calls get until the object exists, fileWait passes or ctx ends;
// found is false for a missing optional one.
func getObject(ctx context.Context, what string, optional *bool, get func() error) (found bool, err error) {
	deadline := time.Now().Add(fileWait)
	for {
		err := get()
		switch {
		case err == nil:
			return true, nil
		case !apierrors.IsNotFound(err):
			return false, fmt.Errorf("%s: %w", what, err)
		case optional != nil && *optional:
			return false, nil
		case time.Now().After(deadline):
			return false, fmt.Errorf("%s: not found after %v", what, fileWait)
		}
		if !sleep(ctx, 500*time.Millisecond) {
			return false, ctx.Err()
		}
	}
}

func (p *Provider) configMapFiles(ctx context.Context, ns string, src *corev1.ConfigMapProjection, mode os.FileMode, files map[string]file) error {
	var cm *corev1.ConfigMap
	found, err := getObject(ctx, "config map "+ns+"/"+src.Name, src.Optional, func() (err error) {
		cm, err = p.Client.CoreV1().ConfigMaps(ns).Get(ctx, src.Name, metav1.GetOptions{})
		return err
	})
	if err != nil || !found {
		return err
	}
	data := map[string][]byte{}
	for k, v := range cm.Data {
		data[k] = []byte(v)
	}
	for k, v := range cm.BinaryData {
		data[k] = v
	}
	return keyFiles("config map "+src.Name, data, src.Items, src.Optional, mode, files)
}

func (p *Provider) secretFiles(ctx context.Context, ns string, src *corev1.SecretProjection, mode os.FileMode, files map[string]file) error {
	var s *corev1.Secret
	found, err := getObject(ctx, "secret "+ns+"/"+src.Name, src.Optional, func() (err error) {
		s, err = p.Client.CoreV1().Secrets(ns).Get(ctx, src.Name, metav1.GetOptions{})
		return err
	})
	if err != nil || !found {
		return err
	}
	return keyFiles("secret "+src.Name, s.Data, src.Items, src.Optional, mode, files)
}

// keyFiles adds data's keys as files: those items name, at their paths, or
// every key at its own name.
func keyFiles(what string, data map[string][]byte, items []corev1.KeyToPath, optional *bool, mode os.FileMode, files map[string]file) error {
	if len(items) == 0 {
		for k, v := range data {
			files[k] = file{v, mode}
		}
		return nil
	}
	for _, it := range items {
		v, ok := data[it.Key]
		if !ok {
			if optional != nil && *optional {
				continue
			}
			return fmt.Errorf("%s has no key %q", what, it.Key)
		}
		m := mode
		if it.Mode != nil {
			m = os.FileMode(*it.Mode)
		}
		files[it.Path] = file{v, m}
	}
	return nil
}

// downwardFiles adds the pod's fields that items name.
func downwardFiles(pod *corev1.Pod, src *corev1.DownwardAPIProjection, mode os.FileMode, files map[string]file) error {
	for _, it := range src.Items {
		if it.FieldRef == nil {
			return fmt.Errorf("downwardAPI %s: only fieldRef is supported by paratest-k8s", it.Path)
		}
		var v string
		switch it.FieldRef.FieldPath {
		case "metadata.name":
			v = pod.Name
		case "metadata.namespace":
			v = pod.Namespace
		case "metadata.uid":
			v = string(pod.UID)
		case "spec.nodeName":
			v = pod.Spec.NodeName
		case "spec.serviceAccountName":
			v = pod.Spec.ServiceAccountName
		default:
			return fmt.Errorf("downwardAPI %s: field %s is not supported by paratest-k8s (metadata.name, metadata.namespace, metadata.uid, spec.nodeName, spec.serviceAccountName are)",
				it.Path, it.FieldRef.FieldPath)
		}
		m := mode
		if it.Mode != nil {
			m = os.FileMode(*it.Mode)
		}
		files[it.Path] = file{[]byte(v), m}
	}
	return nil
}

// apiEnv is what the kubelet tells every container about the apiserver
// (the default namespace's kubernetes service, port 443, as variables), at
// the address where pods reach it here; nil without one.
func (p *Provider) apiEnv() map[string]string {
	host, port, err := net.SplitHostPort(p.APIServer)
	if err != nil {
		return nil
	}
	return map[string]string{
		"KUBERNETES_SERVICE_HOST":       host,
		"KUBERNETES_SERVICE_PORT":       port,
		"KUBERNETES_SERVICE_PORT_HTTPS": port,
		"KUBERNETES_PORT":               "tcp://" + p.APIServer,
		"KUBERNETES_PORT_443_TCP":       "tcp://" + p.APIServer,
		"KUBERNETES_PORT_443_TCP_PROTO": "tcp",
		"KUBERNETES_PORT_443_TCP_PORT":  port,
		"KUBERNETES_PORT_443_TCP_ADDR":  host,
	}
}
