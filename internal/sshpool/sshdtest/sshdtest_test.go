package sshdtest_test

import (
	"net"
	"os"
	"strconv"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/agent"

	"github.com/jenkins-paratest/jenkins-paratest/internal/sshpool/sshdtest"
)

// dial logs in to srv with key, checking srv's host key is want.
func dial(srv *sshdtest.Server, key string, want ssh.PublicKey) (*ssh.Client, error) {
	pem, err := os.ReadFile(key)
	if err != nil {
		return nil, err
	}
	signer, err := ssh.ParsePrivateKey(pem)
	if err != nil {
		return nil, err
	}
	return ssh.Dial("tcp", net.JoinHostPort(srv.Addr(), strconv.Itoa(srv.Port())), &ssh.ClientConfig{
		User:            "root",
		Auth:            []ssh.AuthMethod{ssh.PublicKeys(signer)},
		HostKeyCallback: ssh.FixedHostKey(want),
		Timeout:         30 * time.Second,
	})
}

func TestServerLifecycle(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("logs in as root")
	}
	srv := sshdtest.Start(t, sshdtest.Options{Addr: "127.0.0.2"})
	key, pub := sshdtest.NewKey(t, "")
	srv.AuthorizeKey(pub)
	hostKey, port := srv.HostKey(), srv.Port()

	c, err := dial(srv, key, hostKey)
	if err != nil {
		t.Fatal(err)
	}
	srv.KillSessions()
	ended := make(chan struct{})
	go func() {
		_ = c.Wait()
		close(ended)
	}()
	select {
	case <-ended:
	case <-time.After(time.Minute):
		t.Fatal("the connection survived KillSessions")
	}

	srv.Restart()
	if srv.Port() != port {
		t.Errorf("Restart moved sshd from port %d to %d", port, srv.Port())
	}
	c, err = dial(srv, key, hostKey)
	if err != nil {
		t.Fatalf("after Restart: %v", err)
	}
	c.Close()

	srv.Rekey()
	if _, err := dial(srv, key, hostKey); err == nil {
		t.Error("the old host key still works after Rekey")
	}
	c, err = dial(srv, key, srv.HostKey())
	if err != nil {
		t.Fatalf("after Rekey: %v", err)
	}
	c.Close()

	srv.Stop()
	if _, err := dial(srv, key, srv.HostKey()); err == nil {
		t.Error("a stopped sshd accepted a connection")
	}
}

func TestStartAgent(t *testing.T) {
	key, pub := sshdtest.NewKey(t, "")
	conn, err := net.Dial("unix", sshdtest.StartAgent(t, key))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	keys, err := agent.NewClient(conn).List()
	if err != nil {
		t.Fatal(err)
	}
	want, _, _, _, err := ssh.ParseAuthorizedKey([]byte(pub))
	if err != nil {
		t.Fatal(err)
	}
	if len(keys) != 1 || string(keys[0].Marshal()) != string(want.Marshal()) {
		t.Errorf("agent holds %v, want the one key %s", keys, pub)
	}
}
