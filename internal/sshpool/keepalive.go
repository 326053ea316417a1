package sshpool

import (
	"fmt"

	"golang.org/x/crypto/ssh"
)

// watch owns the liveness of c, the current client of hc: it runs the keepalive
// and, when c.Wait returns (the host closed the connection, the network broke, or
// the keepalive gave up), makes the pool forget c so the next use redials.
func (p *Pool) watch(hc *hostConn, c *ssh.Client) {
	defer p.wg.Done()
	gone := make(chan struct{})
	dead := make(chan error, 1)
	p.wg.Add(1)
	go func() {
		defer p.wg.Done()
		err := p.keepalive(c, gone)
		if err != nil {
			c.Close() // so that Wait returns
		}
		dead <- err
	}()
	err := c.Wait()
	close(gone)
	if kaErr := <-dead; kaErr != nil {
		err = kaErr
	}
	p.forget(hc, c, err)
}

// keepalive sends keepalive@openssh.com every KeepaliveInterval and returns an
// error when the host has not answered anything for KeepaliveTimeout. SendRequest
// blocks until the answer comes, forever on a link that silently died, so it runs
// in its own goroutine and a watchdog decides. It returns nil once gone is closed.
func (p *Pool) keepalive(c *ssh.Client, gone <-chan struct{}) error {
	interval, timeout := p.opts.KeepaliveInterval, p.opts.KeepaliveTimeout
	deadline := p.opts.After(timeout) // counted from the last sign of life
	tick := p.opts.After(interval)
	var reply chan error // non-nil while a keepalive is in flight
	for {
		select {
		case <-gone:
			return nil
		case <-tick:
			tick = nil // re-armed by the reply: one keepalive in flight at a time
			reply = make(chan error, 1)
			p.wg.Add(1)
			go func(reply chan<- error) {
				defer p.wg.Done()
				// Any answer, even "request failed", proves the host alive.
				_, _, err := c.SendRequest("keepalive@openssh.com", true, nil)
				reply <- err
			}(reply)
		case err := <-reply:
			reply = nil
			if err != nil {
				return nil // the connection is going; Wait says why
			}
			deadline = p.opts.After(timeout)
			tick = p.opts.After(interval)
		case <-deadline:
			return fmt.Errorf("no answer to keepalive for %s", timeout)
		}
	}
}
