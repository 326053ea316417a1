package cluster

import (
	"context"
	"fmt"
	"io"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/remotecommand"
)

// Protocol is the streaming protocol between an exec's client and the
// apiserver. The apiserver speaks SPDY to the kubelet either way.
type Protocol string

const (
	SPDY      Protocol = "spdy"
	WebSocket Protocol = "websocket"
)

// ExecOptions says what Exec runs and where its streams go.
type ExecOptions struct {
	Namespace, Pod, Container string
	Command                   []string
	Stdin                     io.Reader
	Stdout, Stderr            io.Writer
	TTY                       bool
	Protocol                  Protocol // SPDY when empty
}

// Exec runs a command in a pod's container through the apiserver, as kubectl
// exec does. A non-zero exit is an error that errors.As matches with
// k8s.io/client-go/util/exec.ExitError, carrying the code.
func Exec(ctx context.Context, cfg *rest.Config, o ExecOptions) error {
	cs, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		return err
	}
	req := cs.CoreV1().RESTClient().Post().Resource("pods").Namespace(o.Namespace).Name(o.Pod).SubResource("exec").
		VersionedParams(&corev1.PodExecOptions{
			Container: o.Container,
			Command:   o.Command,
			Stdin:     o.Stdin != nil,
			Stdout:    o.Stdout != nil,
			Stderr:    o.Stderr != nil && !o.TTY,
			TTY:       o.TTY,
		}, scheme.ParameterCodec)
	var ex remotecommand.Executor
	switch o.Protocol {
	case WebSocket:
		ex, err = remotecommand.NewWebSocketExecutor(cfg, "GET", req.URL().String())
	case SPDY, "":
		ex, err = remotecommand.NewSPDYExecutor(cfg, "POST", req.URL())
	default:
		return fmt.Errorf("exec: unknown protocol %q", o.Protocol)
	}
	if err != nil {
		return err
	}
	return ex.StreamWithContext(ctx, remotecommand.StreamOptions{Stdin: o.Stdin, Stdout: o.Stdout, Stderr: o.Stderr, Tty: o.TTY})
}
