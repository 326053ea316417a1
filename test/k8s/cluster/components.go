package cluster

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"time"

	"k8s.io/component-base/cli"
	apiserverapp "k8s.io/kubernetes/cmd/kube-apiserver/app"
	kcmapp "k8s.io/kubernetes/cmd/kube-controller-manager/app"
)

// componentEnv names the component a re-executed copy of this binary runs.
const componentEnv = "PARATEST_K8S_COMPONENT"

// ComponentMain runs kube-apiserver or kube-controller-manager when this
// process is a component that Start launched, and returns its exit code with
// ok true; otherwise it returns ok false at once. Call it first thing in main
// and in TestMain of any test that calls Start:
//
//	if code, ok := cluster.ComponentMain(); ok {
//		os.Exit(code)
//	}
//
// The two components run in processes of their own because each keeps
// process-wide state (feature gates, metric registries, klog flags, a signal
// handler that may be set up only once) that the other would collide with.
func ComponentMain() (code int, ok bool) {
	switch os.Getenv(componentEnv) {
	case "kube-apiserver":
		cmd := apiserverapp.NewAPIServerCommand()
		cmd.SetArgs(os.Args[1:])
		return cli.Run(cmd), true
	case "kube-controller-manager":
		cmd := kcmapp.NewControllerManagerCommand()
		cmd.SetArgs(os.Args[1:])
		return cli.Run(cmd), true
	}
	return 0, false
}

// component is a child process running one Kubernetes component.
type component struct {
	name string
	log  string
	cmd  *exec.Cmd
	done chan struct{}
	err  error
}

// startComponent re-executes this binary as name with args, its output going
// to dir/name.log. The child is killed if this process dies.
func startComponent(dir, name string, args []string) (*component, error) {
	self, err := os.Executable()
	if err != nil {
		return nil, err
	}
	logPath := filepath.Join(dir, name+".log")
	f, err := os.Create(logPath)
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(self, args...)
	cmd.Env = append(os.Environ(), componentEnv+"="+name)
	cmd.Stdout, cmd.Stderr = f, f
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		f.Close()
		return nil, fmt.Errorf("start %s: %w", name, err)
	}
	c := &component{name: name, log: logPath, cmd: cmd, done: make(chan struct{})}
	go func() {
		c.err = cmd.Wait()
		f.Close()
		close(c.done)
	}()
	return c, nil
}

// exited returns an error naming the log if the component has stopped.
func (c *component) exited() error {
	select {
	case <-c.done:
		return fmt.Errorf("%s exited (%v): see %s", c.name, c.err, c.log)
	default:
		return nil
	}
}

// stop asks the component to end (SIGTERM) and kills it if it has not within grace.
func (c *component) stop(grace time.Duration) {
	if c == nil {
		return
	}
	if err := c.cmd.Process.Signal(syscall.SIGTERM); err != nil && !errors.Is(err, os.ErrProcessDone) {
		c.cmd.Process.Kill() //nolint:errcheck
	}
	select {
	case <-c.done:
	case <-time.After(grace):
		c.cmd.Process.Kill() //nolint:errcheck
		<-c.done
	}
}

// waitFor polls check every interval until it returns true, ctx ends, or a
// component exits.
func waitFor(ctx context.Context, what string, interval time.Duration, check func(context.Context) (bool, error), comps ...*component) error {
	var last error
	for {
		for _, c := range comps {
			if err := c.exited(); err != nil {
				return fmt.Errorf("wait for %s: %w", what, err)
			}
		}
		ok, err := check(ctx)
		if ok {
			return nil
		}
		if err != nil {
			last = err
		}
		select {
		case <-ctx.Done():
			if last != nil {
				return fmt.Errorf("wait for %s: %w (last: %v)", what, context.Cause(ctx), last)
			}
			return fmt.Errorf("wait for %s: %w", what, context.Cause(ctx))
		case <-time.After(interval):
		}
	}
}
