package sshpool

import (
	"context"
	"net"
)

// SetDialTCP replaces how p opens TCP connections, for tests that must see which
// addresses the pool dials itself. Call it before the first dial.
func SetDialTCP(p *Pool, dial func(ctx context.Context, addr string) (net.Conn, error)) {
	p.dialTCP = dial
}

// ReadKey is readKey, for the tests of key files.
var ReadKey = readKey
