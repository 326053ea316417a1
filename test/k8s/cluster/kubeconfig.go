package cluster

import (
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
)

// writeKubeconfig writes a kubeconfig for server as the user of the client
// pair, with everything inline so the file works when copied elsewhere.
func writeKubeconfig(path, server string, caPEM []byte, user pair) error {
	cfg := clientcmdapi.NewConfig()
	cfg.Clusters["paratest-k8s"] = &clientcmdapi.Cluster{Server: server, CertificateAuthorityData: caPEM}
	cfg.AuthInfos["paratest-k8s"] = &clientcmdapi.AuthInfo{ClientCertificateData: user.CertPEM, ClientKeyData: user.KeyPEM}
	cfg.Contexts["paratest-k8s"] = &clientcmdapi.Context{Cluster: "paratest-k8s", AuthInfo: "paratest-k8s", Namespace: "default"}
	cfg.CurrentContext = "paratest-k8s"
	return clientcmd.WriteToFile(*cfg, path)
}

func restConfig(server string, caPEM []byte, user pair) *rest.Config {
	return &rest.Config{
		Host: server,
		TLSClientConfig: rest.TLSClientConfig{
			CAData:   caPEM,
			CertData: user.CertPEM,
			KeyData:  user.KeyPEM,
		},
		QPS:   100,
		Burst: 200,
	}
}
