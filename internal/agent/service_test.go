package agent

import (
	"bytes"
	"context"
	"errors"
	"net"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// fastService is serviceOptions with short intervals and a lookup that
// succeeds while up is true.
func fastService(up *atomic.Bool) serviceOptions {
	return serviceOptions{
		Worker: "worker", TTL: 300 * time.Millisecond, Grace: 600 * time.Millisecond,
		Interval: 20 * time.Millisecond, Stop: 5 * time.Second,
		lookup: func(context.Context, string) error {
			if up.Load() {
				return nil
			}
			return errors.New("no such host")
		},
	}
}

func TestServiceExitsWithItsCommand(t *testing.T) {
	t.Parallel()
	var up atomic.Bool
	up.Store(true)
	var out bytes.Buffer
	if code := service(context.Background(), []string{"sh", "-c", "echo hi; exit 7"}, fastService(&up), &out, &out); code != 7 {
		t.Errorf("exit %d, want the command's 7", code)
	}
	if out.String() != "hi\n" {
		t.Errorf("output %q", out.String())
	}
}

// A worker that goes away takes its service with it after the TTL; one that
// never comes does after the grace.
func TestServiceStopsWithoutItsWorker(t *testing.T) {
	t.Parallel()
	type testCase struct {
		name    string
		upFor   time.Duration // the worker resolves this long; 0 never
		minLive time.Duration // the service lives at least this long
		want    string
	}
	fn := func(t *testing.T, tc testCase) {
		t.Parallel()
		var up atomic.Bool
		o := fastService(&up)
		if tc.upFor > 0 {
			up.Store(true)
			time.AfterFunc(tc.upFor, func() { up.Store(false) })
		}
		var errw bytes.Buffer
		begin := time.Now()
		code := service(context.Background(), []string{"sleep", "60"}, o, nil, &errw)
		if code != 128+15 {
			t.Errorf("exit %d, want 143 (the command stopped by SIGTERM)", code)
		}
		if took := time.Since(begin); took < tc.minLive || took > 30*time.Second {
			t.Errorf("the service lived %s, want at least %s", took, tc.minLive)
		}
		if !strings.Contains(errw.String(), tc.want) {
			t.Errorf("stderr %q, want %q", errw.String(), tc.want)
		}
	}
	for _, tc := range []testCase{
		{name: "worker gone", upFor: 900 * time.Millisecond, minLive: 900*time.Millisecond + 200*time.Millisecond, want: `its worker "worker" has been gone for 300ms; stopping the service`},
		{name: "worker never came", minLive: 600 * time.Millisecond, want: `its worker "worker" did not appear within 600ms`},
	} {
		t.Run(tc.name, func(t *testing.T) { fn(t, tc) })
	}
}

// A service whose worker lives keeps running.
func TestServiceLivesWithItsWorker(t *testing.T) {
	t.Parallel()
	var up atomic.Bool
	up.Store(true)
	ctx, cancel := context.WithTimeout(context.Background(), 1500*time.Millisecond)
	defer cancel()
	var errw bytes.Buffer
	begin := time.Now()
	service(ctx, []string{"sleep", "60"}, fastService(&up), nil, &errw)
	if took := time.Since(begin); took < 1400*time.Millisecond {
		t.Errorf("the service stopped after %s with its worker up (%s)", took, errw.String())
	}
	if !strings.Contains(errw.String(), "told to stop") {
		t.Errorf("stderr %q, want the stop said", errw.String())
	}
}

func TestParseService(t *testing.T) {
	t.Parallel()
	o, argv, err := parseService(strings.Fields("--worker worker --orphan-ttl 1m --grace 3m -- redis-server --save x"))
	if err != nil || o.Worker != "worker" || o.TTL != time.Minute || o.Grace != 3*time.Minute || strings.Join(argv, " ") != "redis-server --save x" {
		t.Errorf("parseService = %+v %q %v", o, argv, err)
	}
	for _, bad := range []string{"-- x", "--worker w --orphan-ttl 1m -- x", "--worker w --orphan-ttl x --grace 1m -- y", "--worker w --orphan-ttl 1m --grace 1m", "--bogus 1 -- x"} {
		if _, _, err := parseService(strings.Fields(bad)); err == nil {
			t.Errorf("parseService(%q): no error", bad)
		}
	}
}

func TestProbeTCP(t *testing.T) {
	t.Parallel()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	if err := probeTCP(addr); err != nil {
		t.Errorf("probe of a listening port: %v", err)
	}
	l.Close()
	if err := probeTCP("127.0.0.1:1"); err == nil { // tcpmux: nothing listens
		t.Error("probe of a closed port: no error")
	}
	if err := probeTCP("no-port"); err == nil {
		t.Error("probe without a port: no error")
	}
}
