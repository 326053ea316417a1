package netsvc

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func TestHealthHandler(t *testing.T) {
	rec := httptest.NewRecorder()
	NewMux("unit").ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/healthz", nil))
	if rec.Code != http.StatusOK {
		t.Fatalf("status = %d, want 200", rec.Code)
	}
	if got := rec.Body.String(); got != "ok unit\n" {
		t.Fatalf("body = %q, want %q", got, "ok unit\n")
	}
	time.Sleep(20 * time.Millisecond)
}

func TestMethodNotAllowed(t *testing.T) {
	rec := httptest.NewRecorder()
	NewMux("unit").ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/echo", nil))
	if rec.Code != http.StatusMethodNotAllowed {
		t.Fatalf("GET /echo status = %d, want 405", rec.Code)
	}
	time.Sleep(15 * time.Millisecond)
}

func TestEchoRoundTrip(t *testing.T) {
	srv, err := Listen("127.0.0.1:0", NewMux("echo"))
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Shutdown(context.Background())

	for _, payload := range []string{"", "hello", strings.Repeat("x", 64<<10)} {
		resp, err := http.Post("http://"+srv.Addr()+"/echo", "text/plain", strings.NewReader(payload))
		if err != nil {
			t.Fatalf("POST /echo: %v", err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if string(body) != payload {
			t.Errorf("echo returned %d bytes, want %d", len(body), len(payload))
		}
	}
	time.Sleep(80 * time.Millisecond)
}

func TestClientTimeout(t *testing.T) {
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-time.After(2 * time.Second):
		case <-r.Context().Done():
		}
	}))
	defer slow.Close()

	client := &http.Client{Timeout: 250 * time.Millisecond}
	start := time.Now()
	_, err := client.Get(slow.URL)
	var nerr net.Error
	if !errors.As(err, &nerr) || !nerr.Timeout() {
		t.Fatalf("GET slow server: err = %v, want a timeout", err)
	}
	if elapsed := time.Since(start); elapsed > time.Second {
		t.Fatalf("timeout took %v, want ~250ms", elapsed)
	}
}

// TestServeFixedPort binds the service's well-known port 127.0.0.1:47001 and
// keeps it for ~500 ms. Two processes doing this at once on one host collide;
// in separate containers (one per paratest worker) they never do.
func TestServeFixedPort(t *testing.T) {
	srv, err := Listen(FixedAddr, NewMux("fixed"))
	if err != nil {
		t.Fatalf("listen %s: %v (another process is using the port)", FixedAddr, err)
	}
	defer func() {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		if err := srv.Shutdown(ctx); err != nil {
			t.Errorf("shutdown: %v", err)
		}
	}()

	client := &http.Client{Timeout: 2 * time.Second}
	deadline := time.Now().Add(500 * time.Millisecond)
	for n := 0; n == 0 || time.Now().Before(deadline); n++ {
		resp, err := client.Get("http://" + FixedAddr + "/healthz")
		if err != nil {
			t.Fatalf("GET /healthz: %v", err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK || string(body) != "ok fixed\n" {
			t.Fatalf("GET /healthz = %d %q, want 200 %q", resp.StatusCode, body, "ok fixed\n")
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func TestBackoff(t *testing.T) {
	base, max := 100*time.Millisecond, 2*time.Second
	tests := []struct {
		attempt int
		want    time.Duration
	}{
		{0, 100 * time.Millisecond},
		{1, 200 * time.Millisecond},
		{3, 800 * time.Millisecond},
		{5, 2 * time.Second},
		{50, 2 * time.Second},
	}
	for _, tc := range tests {
		if got := Backoff(tc.attempt, base, max); got != tc.want {
			t.Errorf("Backoff(%d) = %v, want %v", tc.attempt, got, tc.want)
		}
	}
	time.Sleep(30 * time.Millisecond)
}

func TestSplitHostPort(t *testing.T) {
	tests := []struct {
		in      string
		host    string
		port    int
		wantErr bool
	}{
		{in: "127.0.0.1:47001", host: "127.0.0.1", port: 47001},
		{in: "[::1]:8080", host: "::1", port: 8080},
		{in: "localhost:0", wantErr: true},
		{in: "localhost:http", wantErr: true},
		{in: "no-port", wantErr: true},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			host, port, err := SplitHostPort(tc.in)
			if tc.wantErr {
				if err == nil {
					t.Fatalf("SplitHostPort(%q): expected error", tc.in)
				}
				return
			}
			if err != nil || host != tc.host || port != tc.port {
				t.Fatalf("SplitHostPort(%q) = %q, %d, %v; want %q, %d", tc.in, host, port, err, tc.host, tc.port)
			}
		})
	}
	time.Sleep(10 * time.Millisecond)
}

// TestRateLimiterRefill is one of the suite's slow tests (~1.5 s).
func TestRateLimiterRefill(t *testing.T) {
	l := NewLimiter(4, 2) // 4 tokens/s, burst 2
	for i := range 2 {
		if err := l.Take(); err != nil {
			t.Fatalf("take %d from full bucket: %v", i, err)
		}
	}
	if err := l.Take(); !errors.Is(err, ErrLimited) {
		t.Fatalf("take from empty bucket: err = %v, want ErrLimited", err)
	}
	granted := 0
	deadline := time.Now().Add(1500 * time.Millisecond)
	for time.Now().Before(deadline) {
		if l.Take() == nil {
			granted++
		}
		time.Sleep(10 * time.Millisecond)
	}
	if granted < 4 || granted > 8 {
		t.Fatalf("granted %d tokens in 1.5s at 4/s, want 4..8", granted)
	}
}

func TestTLSHandshake(t *testing.T) {
	t.Skip("TLS fixtures (testdata/server.pem) are not bundled with this example")
}
