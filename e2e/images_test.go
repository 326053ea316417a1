package e2e

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// startRegistry starts Debian's docker-registry (the real distribution registry)
// on a free loopback port and returns its host:port. The engine treats 127.0.0.0/8
// registries as insecure (plain HTTP) by default.
func startRegistry(t *testing.T) string {
	t.Helper()
	bin, err := exec.LookPath("docker-registry")
	if err != nil {
		requireOrSkip(t, "no docker-registry (apt-get install docker-registry)")
	}
	port := freePort(t)
	dir := t.TempDir()
	addr := "127.0.0.1:" + strconv.Itoa(port)
	cfg := fmt.Sprintf("version: 0.1\nlog: {level: warn}\nstorage: {filesystem: {rootdirectory: %s}}\nhttp: {addr: %s}\n", dir, addr)
	writeFile(t, filepath.Join(dir, "config.yml"), cfg)
	cmd := exec.Command(bin, "serve", filepath.Join(dir, "config.yml"))
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	waitListening(t, addr)
	return addr
}

// startEngine starts a second, empty Docker engine (its own data root, vfs
// storage, no networking) and returns its socket: a "host" that lacks every image.
func startEngine(t *testing.T) string {
	t.Helper()
	if _, err := exec.LookPath("dockerd"); err != nil {
		requireOrSkip(t, "no dockerd to start a second engine")
	}
	dir, err := os.MkdirTemp("", "pt-engine") // short: a unix socket path is limited
	if err != nil {
		t.Fatal(err)
	}
	sock := filepath.Join(dir, "docker.sock")
	writeFile(t, filepath.Join(dir, "daemon.json"), "{}")
	ns := fmt.Sprintf("paratest-e2e-%d", os.Getpid())
	// Its own bridge: with --bridge none dockerd deletes docker0, the bridge of the
	// machine's real engine.
	bridge := fmt.Sprintf("ptbr%d", os.Getpid()%100000)
	for _, args := range [][]string{
		{"link", "add", bridge, "type", "bridge"},
		{"addr", "add", "10.213.0.1/24", "dev", bridge},
		{"link", "set", bridge, "up"},
	} {
		if out, err := exec.Command("ip", args...).CombinedOutput(); err != nil {
			requireOrSkip(t, fmt.Sprintf("cannot make a bridge for a second engine: ip %v: %v: %s", args, err, out))
		}
	}
	t.Cleanup(func() { exec.Command("ip", "link", "del", bridge).Run() })
	cmd := exec.Command("dockerd", "--config-file", filepath.Join(dir, "daemon.json"),
		"--data-root", filepath.Join(dir, "data"), "--exec-root", filepath.Join(dir, "exec"),
		"--pidfile", filepath.Join(dir, "pid"), "-H", "unix://"+sock, "--storage-driver", "vfs",
		"--bridge", bridge, "--iptables=false", "--ip-masq=false",
		"--containerd-namespace", ns, "--containerd-plugins-namespace", ns+"-plugins")
	logf, _ := os.Create(filepath.Join(dir, "log"))
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Signal(os.Interrupt)
		done := make(chan struct{})
		go func() { cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(20 * time.Second):
			cmd.Process.Kill()
			<-done
		}
		if t.Failed() {
			data, _ := os.ReadFile(filepath.Join(dir, "log"))
			t.Logf("second dockerd log:\n%s", data)
		}
		os.RemoveAll(dir)
	})
	for range 120 {
		if exec.Command("docker", "-H", "unix://"+sock, "info").Run() == nil {
			return sock
		}
		time.Sleep(250 * time.Millisecond)
	}
	t.Fatalf("second dockerd did not answer on %s", sock)
	return ""
}

func requireOrSkip(t *testing.T, reason string) {
	t.Helper()
	if os.Getenv("PARATEST_REQUIRE_E2E") == "1" {
		t.Fatalf("PARATEST_REQUIRE_E2E=1 but %s", reason)
	}
	t.Skip(reason)
}

func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

func waitListening(t *testing.T, addr string) {
	t.Helper()
	for range 200 {
		if c, err := net.Dial("tcp", addr); err == nil {
			c.Close()
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("nothing listens on %s", addr)
}

// pull: always fetches the image from a real registry on every host.
func TestPullAlwaysFromARegistry(t *testing.T) {
	need(t, true)
	reg := startRegistry(t)
	ref := fmt.Sprintf("%s/paratest-e2e/busybox:%d", reg, os.Getpid())
	for _, args := range [][]string{{"tag", shellImage, ref}, {"push", ref}, {"rmi", ref}} {
		if out, err := exec.Command("docker", args...).CombinedOutput(); err != nil {
			t.Fatalf("docker %v: %v\n%s", args, err, out)
		}
	}
	t.Cleanup(func() { exec.Command("docker", "rmi", "-f", ref).Run() })
	hosts := startHosts(t, 2, 1, "")
	dir := writeConfig(t, `
image: `+ref+`
pull: always
list: 'echo a; echo b'
command: 'true'
`)
	id := runID(t)
	r := paratest(t, dir, nil, append([]string{"run", "--run-id", id}, hosts.flags()...)...)
	if r.code != 0 {
		t.Fatalf("exit %d, want 0", r.code)
	}
	for _, h := range []string{"h1", "h2"} {
		if !strings.Contains(r.stdout, "pull "+ref+" on "+h) {
			t.Errorf("console shows no pull on %s", h)
		}
	}
	assertNoContainers(t, id)
}

// image_transfer: load streams the image from the local engine to a host whose
// engine lacks it, then runs there.
func TestImageTransferLoad(t *testing.T) {
	need(t, true)
	sock := startEngine(t)
	hosts := startHosts(t, 1, 2, "", sock)
	dir := writeConfig(t, `
image: `+shellImage+`
pull: never
image_transfer: load
list: 'echo a; echo b; echo c'
command: 'test -x /bin/busybox'
`)
	id := runID(t)
	r := paratest(t, dir, nil, append([]string{"run", "--run-id", id}, hosts.flags()...)...)
	if r.code != 0 {
		t.Fatalf("exit %d, want 0", r.code)
	}
	if !strings.Contains(r.stdout, "loading image") {
		t.Errorf("console does not say the image was loaded")
	}
	if err := exec.Command("docker", "-H", "unix://"+sock, "image", "inspect", shellImage).Run(); err != nil {
		t.Errorf("the image is not on the second engine: %v", err)
	}
	out, _ := exec.Command("docker", "-H", "unix://"+sock, "ps", "-aq", "--filter", "label=paratest.run="+id).Output()
	if len(strings.Fields(string(out))) != 0 {
		t.Errorf("containers left on the second engine: %s", out)
	}
}
