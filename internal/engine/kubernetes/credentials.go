package kubernetes

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"os"
	"strings"

	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
)

// credentials says where cfg's credentials come from, for check's table and
// the run's console: "kubeconfig PATH context NAME", or, in a pod,
// "service account NAMESPACE/NAME (in-cluster)", the name read from the
// token's subject claim (nothing of the token itself is shown).
func credentials(cc clientcmd.ClientConfig, rules *clientcmd.ClientConfigLoadingRules, context string, cfg *rest.Config) string {
	if raw, err := cc.RawConfig(); err == nil && len(raw.Contexts) > 0 {
		if context == "" {
			context = raw.CurrentContext
		}
		var files []string
		for _, f := range rules.GetLoadingPrecedence() {
			if _, err := os.Stat(f); err == nil {
				files = append(files, f)
			}
		}
		return fmt.Sprintf("kubeconfig %s context %s", strings.Join(files, string(os.PathListSeparator)), context)
	}
	return "service account " + serviceAccount(cfg.BearerTokenFile) + " (in-cluster)"
}

// serviceAccount is "NAMESPACE/NAME" of the service account whose token is in
// file (a JWT whose subject is system:serviceaccount:NAMESPACE:NAME), or the
// file's path when that cannot be read.
func serviceAccount(file string) string {
	tok, err := os.ReadFile(file)
	if err != nil {
		return file
	}
	parts := strings.Split(strings.TrimSpace(string(tok)), ".")
	if len(parts) != 3 {
		return file
	}
	payload, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		return file
	}
	var claims struct {
		Subject string `json:"sub"`
	}
	if json.Unmarshal(payload, &claims) != nil {
		return file
	}
	sa, ok := strings.CutPrefix(claims.Subject, "system:serviceaccount:")
	if !ok {
		return file
	}
	return strings.Replace(sa, ":", "/", 1)
}
