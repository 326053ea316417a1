// Package netsvc is a tiny HTTP service with a health endpoint, an echo
// endpoint and a token-bucket rate limiter.
package netsvc

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"sync"
	"time"
)

// FixedAddr is the address the service binds to by default. Tests that use
// it cannot run concurrently on one host.
const FixedAddr = "127.0.0.1:47001"

// NewMux returns the service's HTTP handler.
func NewMux(name string) *http.ServeMux {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		fmt.Fprintf(w, "ok %s\n", name)
	})
	mux.HandleFunc("POST /echo", func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		w.Header().Set("Content-Type", r.Header.Get("Content-Type"))
		_, _ = w.Write(body)
	})
	return mux
}

// Server wraps an http.Server bound to a listener.
type Server struct {
	ln  net.Listener
	srv *http.Server
	wg  sync.WaitGroup
}

// Listen binds addr and starts serving h in the background.
func Listen(addr string, h http.Handler) (*Server, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, err
	}
	s := &Server{ln: ln, srv: &http.Server{Handler: h, ReadHeaderTimeout: 5 * time.Second}}
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		_ = s.srv.Serve(ln)
	}()
	return s, nil
}

// Addr returns the bound address.
func (s *Server) Addr() string { return s.ln.Addr().String() }

// Shutdown stops the server, waiting for in-flight requests.
func (s *Server) Shutdown(ctx context.Context) error {
	err := s.srv.Shutdown(ctx)
	s.wg.Wait()
	return err
}

// Backoff returns the delay before retry attempt n (0-based): base doubled
// per attempt, capped at max.
func Backoff(n int, base, max time.Duration) time.Duration {
	d := base
	for i := 0; i < n && d < max; i++ {
		d *= 2
	}
	return min(d, max)
}

// SplitHostPort parses "host:port" and validates the port range.
func SplitHostPort(addr string) (string, int, error) {
	host, p, err := net.SplitHostPort(addr)
	if err != nil {
		return "", 0, err
	}
	port, err := strconv.Atoi(p)
	if err != nil || port < 1 || port > 65535 {
		return "", 0, fmt.Errorf("netsvc: invalid port %q", p)
	}
	return host, port, nil
}

// ErrLimited is returned by Limiter.Take when no token is available.
var ErrLimited = errors.New("netsvc: rate limited")

// Limiter is a token bucket refilled at a fixed rate.
type Limiter struct {
	mu     sync.Mutex
	tokens float64
	burst  float64
	rate   float64 // tokens per second
	last   time.Time
}

// NewLimiter returns a full bucket.
func NewLimiter(ratePerSec float64, burst int) *Limiter {
	return &Limiter{tokens: float64(burst), burst: float64(burst), rate: ratePerSec, last: time.Now()}
}

// Take consumes one token or returns ErrLimited.
func (l *Limiter) Take() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := time.Now()
	l.tokens = min(l.burst, l.tokens+now.Sub(l.last).Seconds()*l.rate)
	l.last = now
	if l.tokens < 1 {
		return ErrLimited
	}
	l.tokens--
	return nil
}
