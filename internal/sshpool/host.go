package sshpool

import (
	"errors"
	"net"
	"strconv"
)

// Host is a machine whose Docker engine is reached through SSH.
type Host struct {
	Name    string // for messages; defaults to Address
	Address string // host name or IP address
	Port    int    // default 22
	User    string // default: the local user, as ssh does
	Jump    *Jump  // reach Host through this bastion (like ssh -J)
}

// Jump is a bastion host the pool dials first, then reaches Host through.
type Jump struct {
	Address string
	Port    int    // default 22
	User    string // default: the local user
}

// target is a Host with its defaults filled in.
type target struct {
	Host
	addr string // host:port
	key  string // identifies the connection in the pool
	jump *target
}

func (p *Pool) target(h Host) (*target, error) {
	if h.Address == "" {
		return nil, errors.New("ssh host " + strconv.Quote(h.Name) + " has no address")
	}
	if h.Name == "" {
		h.Name = h.Address
	}
	if h.Port == 0 {
		h.Port = 22
	}
	if h.User == "" {
		h.User = p.localUser
	}
	t := &target{Host: h, addr: net.JoinHostPort(h.Address, strconv.Itoa(h.Port))}
	t.key = h.User + "@" + t.addr
	if h.Jump != nil {
		if h.Jump.Address == "" {
			return nil, errors.New("the jump host of ssh host " + strconv.Quote(h.Name) + " has no address")
		}
		j, err := p.target(Host{Name: "jump host " + h.Jump.Address, Address: h.Jump.Address, Port: h.Jump.Port, User: h.Jump.User})
		if err != nil {
			return nil, err
		}
		t.jump = j
		t.key += " via " + j.key
	}
	return t, nil
}

// dialError wraps err with where it happened.
func (t *target) dialError(err error) *DialError {
	e := &DialError{Host: t.Name, Addr: t.addr, Err: err}
	if t.jump != nil {
		e.Jump = t.jump.addr
	}
	return e
}
