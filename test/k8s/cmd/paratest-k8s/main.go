// Command paratest-k8s runs a test Kubernetes cluster whose pods are
// containers on the local Docker engine, until it gets SIGINT or SIGTERM.
//
//	paratest-k8s --kubeconfig /tmp/kc [--dir DIR] [--node-name paratest-docker]
//
// Once the cluster answers, it prints one line to stdout:
//
//	ready kubeconfig=PATH server=https://127.0.0.1:PORT node=NAME dir=DIR seconds=S
//
// Everything else goes to stderr. On exit it removes every container and
// volume its pods had; at start, those a killed earlier run left.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/jenkins-paratest/jenkins-paratest/test/k8s/cluster"
)

func main() {
	if code, ok := cluster.ComponentMain(); ok {
		os.Exit(code)
	}
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("paratest-k8s", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var opts cluster.Options
	var controllers string
	verbose := fs.Bool("v", false, "log the cluster's own diagnostics at debug level")
	fs.StringVar(&opts.Kubeconfig, "kubeconfig", "", "write the admin kubeconfig here (default DIR/admin.kubeconfig)")
	fs.StringVar(&opts.Dir, "dir", "", "state directory: etcd data, certificates, component logs (default: a temporary one, removed on exit)")
	fs.StringVar(&opts.NodeName, "node-name", "", "the node's name (default paratest-docker)")
	fs.StringVar(&opts.ProbeImage, "probe-image", "", "an image with sleep and echo for the readiness pod (default "+cluster.ProbeImageDefault+", imported from /bin/busybox)")
	fs.StringVar(&controllers, "controllers", strings.Join(cluster.DefaultControllers, ","), "kube-controller-manager controllers to run")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	opts.Controllers = strings.Split(controllers, ",")
	level := slog.LevelInfo
	if *verbose {
		level = slog.LevelDebug
	}
	opts.Log = slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level}))

	// First signal: stop and clean up. Second: leave at once.
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()

	start := time.Now()
	c, err := cluster.Start(ctx, opts)
	if err != nil {
		fmt.Fprintf(stderr, "paratest-k8s: %v\n", err)
		return 1
	}
	fmt.Fprintf(stdout, "ready kubeconfig=%s server=%s node=%s dir=%s seconds=%.1f\n", c.Kubeconfig, c.Server, c.NodeName, c.Dir, time.Since(start).Seconds())
	<-ctx.Done()
	stop()

	hard := make(chan os.Signal, 1)
	signal.Notify(hard, syscall.SIGINT, syscall.SIGTERM)
	done := make(chan error, 1)
	go func() { done <- c.Close() }()
	select {
	case err := <-done:
		if err != nil {
			fmt.Fprintf(stderr, "paratest-k8s: clean up: %v\n", err)
			return 1
		}
		return 0
	case s := <-hard:
		fmt.Fprintf(stderr, "paratest-k8s: %v again: leaving without cleaning up\n", s)
		return 128 + int(s.(syscall.Signal))
	}
}
