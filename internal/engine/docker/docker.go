// Package docker implements engine.Engine on top of the Docker Engine API. It is the
// only package that imports the Docker client: it owns the client's construction
// (local socket, DOCKER_HOST, or a caller's dialer such as an SSH tunnel), API version
// negotiation, image presence and pulls, the container lifecycle, exec streams, and
// the translation of Docker errors into engine errors with the host named in them.
package docker

import (
	"context"
	"errors"
	"fmt"
	"net"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/docker/docker/client"

	"github.com/jenkins-paratest/jenkins-paratest/internal/engine"
)

// DefaultSocket is the engine's socket path on its host, used with Options.DialContext.
const DefaultSocket = "/var/run/docker.sock"

// Options configure New.
type Options struct {
	// Name names the engine in messages: "local" (the default) or a host name.
	Name string
	// DialContext, when set, opens every connection to the engine, hijacked exec
	// streams included, and is always asked for ("unix", Socket). It is called at
	// each dial, so a dialer that looks up its transport's current connection
	// survives reconnects. Nil means client.FromEnv, which honours DOCKER_HOST and
	// the DOCKER_TLS_* variables.
	DialContext func(ctx context.Context, network, addr string) (net.Conn, error)
	// Socket is the engine's socket path on its host when DialContext is set; it is
	// what DialContext is asked to reach. Default DefaultSocket.
	Socket string
}

// Engine is an engine.Engine backed by one Docker client. It is safe for concurrent
// use; see package engine for the lifecycle.
type Engine struct {
	host string
	cli  *client.Client
}

var (
	_ engine.Engine    = (*Engine)(nil)
	_ engine.Container = (*container)(nil)
)

// New returns an Engine without touching the network; Info is the first call that does.
func New(opts Options) (*Engine, error) {
	host := opts.Name
	if host == "" {
		host = "local"
	}
	ops := []client.Opt{client.WithAPIVersionNegotiation()}
	if opts.DialContext != nil {
		socket := opts.Socket
		if socket == "" {
			socket = DefaultSocket
		}
		// The client's HTTP transport dials ("tcp", "<socket>:80") and only its
		// hijacked streams dial ("unix", socket): give the caller one meaning.
		dial := opts.DialContext
		dialSocket := func(ctx context.Context, _, _ string) (net.Conn, error) {
			return dial(ctx, "unix", socket)
		}
		// WithHost reconfigures the transport, dialer included, so it must come
		// first or it would silently replace ours.
		ops = append(ops, client.WithHost("unix://"+socket), client.WithDialContext(dialSocket))
	} else {
		ops = append(ops, client.FromEnv)
	}
	cli, err := client.NewClientWithOpts(ops...)
	if err != nil {
		return nil, fmt.Errorf("configure docker client for %s: %w", host, err)
	}
	return &Engine{host: host, cli: cli}, nil
}

// Host names the engine in messages.
func (e *Engine) Host() string { return e.host }

// Info pings the engine, negotiates the API version and describes the engine.
func (e *Engine) Info(ctx context.Context) (engine.Info, error) {
	ping, err := e.cli.Ping(ctx)
	if err != nil {
		return engine.Info{}, fmt.Errorf("ping docker engine on %s: %w", e.host, err)
	}
	// Ping alone does not negotiate; do it now so ClientVersion reports what every
	// later request will use.
	e.cli.NegotiateAPIVersionPing(ping)
	info, err := e.cli.Info(ctx)
	if err != nil {
		return engine.Info{}, fmt.Errorf("query docker engine on %s: %w", e.host, err)
	}
	return engine.Info{
		Host:          e.host,
		ID:            info.ID,
		ServerVersion: info.ServerVersion,
		APIVersion:    e.cli.ClientVersion(),
		CPUs:          info.NCPU,
		MemoryBytes:   info.MemTotal,
	}, nil
}

// Close releases the client's idle connections. Containers must not be used after.
func (e *Engine) Close() error {
	if err := e.cli.Close(); err != nil {
		return fmt.Errorf("close docker client for %s: %w", e.host, err)
	}
	return nil
}

// isNotFound reports whether the engine answered that the object does not exist.
func isNotFound(err error) bool { return cerrdefs.IsNotFound(err) }

func isConflict(err error) bool { return cerrdefs.IsConflict(err) }

// shortID is the 12-character form of a container id used in messages.
func shortID(id string) string {
	if len(id) > 12 {
		return id[:12]
	}
	return id
}

// ctxErr prefers why ctx ended over err when it has: the transport's error for an
// aborted request ("use of closed network connection") says less, and callers test
// for context.Canceled or their own cause with errors.Is.
func ctxErr(ctx context.Context, err error) error {
	cause := ctxCause(ctx)
	switch {
	case cause == nil || errors.Is(err, cause):
		return err
	case err == nil:
		return cause
	}
	return fmt.Errorf("%w (%v)", cause, err)
}

// ctxCause is nil while ctx is live, else an error matching both ctx.Err() and
// context.Cause(ctx).
func ctxCause(ctx context.Context) error {
	err, cause := ctx.Err(), context.Cause(ctx)
	if err == nil || errors.Is(cause, err) {
		return cause
	}
	return fmt.Errorf("%w: %w", err, cause)
}
