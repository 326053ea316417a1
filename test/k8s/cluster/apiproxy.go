package cluster

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"sync"

	"github.com/docker/docker/api/types/network"
	"github.com/docker/docker/client"
)

// bridgeGateway is the address of the host on Docker's default bridge, which
// the pods' network sandboxes are on: where a pod's container reaches this
// process. It is this host's address in the bridge's subnet (Docker reports
// the gateway only when it was configured), so the engine must be local.
func bridgeGateway(ctx context.Context, docker *client.Client) (string, error) {
	n, err := docker.NetworkInspect(ctx, "bridge", network.InspectOptions{})
	if err != nil {
		return "", fmt.Errorf("docker network inspect bridge: %w", err)
	}
	addrs, err := net.InterfaceAddrs()
	if err != nil {
		return "", err
	}
	for _, c := range n.IPAM.Config {
		_, subnet, err := net.ParseCIDR(c.Subnet)
		if err != nil || subnet.IP.To4() == nil {
			continue
		}
		for _, a := range addrs {
			if ipn, ok := a.(*net.IPNet); ok && subnet.Contains(ipn.IP) {
				return ipn.IP.String(), nil
			}
		}
	}
	return "", errors.New("no address of this host is in the subnet of docker's bridge network (a remote engine?)")
}

// apiProxy forwards TCP connections from the bridge gateway to the
// apiserver, which listens on loopback only: pods reach it (in-cluster
// clients, with KUBERNETES_SERVICE_HOST/PORT) without the apiserver being
// exposed on every interface. TLS passes through untouched; the serving
// certificate names the gateway's address.
type apiProxy struct {
	ln     net.Listener
	target string
	log    *slog.Logger

	mu    sync.Mutex
	conns map[net.Conn]struct{}
	done  bool
	wg    sync.WaitGroup
}

// listenAPIProxy listens on host (an IP, any port) and forwards to target.
func listenAPIProxy(host, target string, log *slog.Logger) (*apiProxy, error) {
	ln, err := net.Listen("tcp", net.JoinHostPort(host, "0"))
	if err != nil {
		return nil, fmt.Errorf("listen on the docker bridge for the pods' API access: %w", err)
	}
	p := &apiProxy{ln: ln, target: target, log: log, conns: map[net.Conn]struct{}{}}
	p.wg.Add(1)
	go p.serve()
	return p, nil
}

// addr is the host:port pods dial.
func (p *apiProxy) addr() string { return p.ln.Addr().String() }

func (p *apiProxy) serve() {
	defer p.wg.Done()
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return // closed
		}
		if !p.track(c) {
			c.Close()
			return
		}
		p.wg.Add(1)
		go func() {
			defer p.wg.Done()
			defer p.untrack(c)
			p.forward(c)
		}()
	}
}

func (p *apiProxy) forward(c net.Conn) {
	up, err := net.Dial("tcp", p.target)
	if err != nil {
		p.log.Warn("api proxy: dial apiserver", "err", err)
		return
	}
	if !p.track(up) {
		up.Close()
		return
	}
	defer p.untrack(up)
	// A side that ends cleanly half-closes the other (the rest may still
	// flow back); one that breaks ends both.
	done := make(chan error, 2)
	pipe := func(dst, src net.Conn) {
		_, err := io.Copy(dst, src)
		if tc, ok := dst.(*net.TCPConn); ok && err == nil {
			tc.CloseWrite() //nolint:errcheck
		}
		done <- err
	}
	go pipe(up, c)
	go pipe(c, up)
	if err := <-done; err != nil {
		c.Close()
		up.Close()
	}
	<-done
}

// track records c for close, or says false once the proxy is closed.
func (p *apiProxy) track(c net.Conn) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.done {
		return false
	}
	p.conns[c] = struct{}{}
	return true
}

func (p *apiProxy) untrack(c net.Conn) {
	p.mu.Lock()
	delete(p.conns, c)
	p.mu.Unlock()
	c.Close()
}

// close stops listening and ends every forwarded connection.
func (p *apiProxy) close() {
	if p == nil {
		return
	}
	p.ln.Close()
	p.mu.Lock()
	p.done = true
	for c := range p.conns {
		c.Close()
	}
	p.mu.Unlock()
	p.wg.Wait()
}
