package matrix

import (
	"errors"
	"fmt"
	"net/netip"
	"strconv"
	"strings"
)

// The checks below return errors without a place; the caller adds FILE:LINE and
// the host, so each check reads the same in both forms of the file.

// parseAddress checks a host's DNS name or IP address. Brackets around an IPv6
// address are dropped. It refuses what the file's other settings say, with a
// hint: "ci@build-01" (user:) and "build-01:2222" (port:).
func parseAddress(s string) (string, error) {
	s = strings.TrimSpace(s)
	if strings.ContainsFunc(s, func(r rune) bool { return r <= ' ' || r >= 0x7f }) {
		return "", fmt.Errorf("want a DNS name or an IP address, got %q", s)
	}
	if strings.HasPrefix(s, "[") && strings.HasSuffix(s, "]") {
		if a, err := netip.ParseAddr(s[1 : len(s)-1]); err == nil && a.Is6() {
			return s[1 : len(s)-1], nil
		}
		return "", fmt.Errorf("want an IPv6 address in the brackets, got %q", s)
	}
	if _, err := netip.ParseAddr(s); err == nil {
		return s, nil
	}
	switch {
	case s == "":
		return "", errors.New("want a DNS name or an IP address, got nothing")
	case strings.Contains(s, "@"):
		return "", fmt.Errorf("want a DNS name or an IP address, got %q; set the user with user:", s)
	case strings.Contains(s, ":"):
		return "", fmt.Errorf("want a DNS name or an IP address, got %q; set the port with port:", s)
	case !isDNSName(s):
		return "", fmt.Errorf("want a DNS name or an IP address, got %q", s)
	}
	return s, nil
}

// isDNSName reports whether s is dot-separated labels of letters, digits, '-' and
// '_' (found in internal names), none empty or starting with '-', with an
// optional final dot. A leading '-' could be taken for an option by tools the
// name is passed to.
func isDNSName(s string) bool {
	s = strings.TrimSuffix(s, ".")
	if s == "" || len(s) > 253 {
		return false
	}
	for label := range strings.SplitSeq(s, ".") {
		if label == "" || len(label) > 63 || label[0] == '-' {
			return false
		}
		for _, r := range label {
			if !isAlnum(r) && r != '-' && r != '_' {
				return false
			}
		}
	}
	return true
}

func isAlnum(r rune) bool {
	return r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9'
}

// canonical is the address as duplicates are found: IPs in their canonical
// form, DNS names in lower case without a final dot.
func canonical(addr string) string {
	if a, err := netip.ParseAddr(addr); err == nil {
		return a.Unmap().String()
	}
	return strings.ToLower(strings.TrimSuffix(addr, "."))
}

// target is "[user@]host[:port]" split up: the host of a plain line and a jump
// given as a string. IPv6 addresses need brackets: "[::1]:2222". Port is 0 and
// User "" when not given.
type target struct {
	User    string
	Address string
	Port    int
}

func parseTarget(s string) (target, error) {
	var t target
	hostPort := s
	if u, rest, ok := strings.Cut(s, "@"); ok {
		if err := checkUser(u); err != nil {
			return t, err
		}
		t.User, hostPort = u, rest
	}
	host, port := hostPort, ""
	switch {
	case strings.HasPrefix(hostPort, "["):
		end := strings.Index(hostPort, "]")
		if end < 0 {
			return t, fmt.Errorf("no closing ] in %q", s)
		}
		host, port = hostPort[:end+1], hostPort[end+1:]
		if port != "" && !strings.HasPrefix(port, ":") {
			return t, fmt.Errorf("want [IPv6]:port, got %q", s)
		}
		port = strings.TrimPrefix(port, ":")
		if port == "" && strings.HasSuffix(hostPort, ":") {
			return t, fmt.Errorf("no port after the colon in %q", s)
		}
	case strings.Count(hostPort, ":") > 1:
		return t, fmt.Errorf("write an IPv6 address in brackets, as in [::1]:2222, got %q", s)
	case strings.Contains(hostPort, ":"):
		host, port, _ = strings.Cut(hostPort, ":")
		if port == "" {
			return t, fmt.Errorf("no port after the colon in %q", s)
		}
	}
	if strings.Contains(host, "@") {
		return t, fmt.Errorf("want [user@]host[:port], got %q", s)
	}
	addr, err := parseAddress(host)
	if err != nil {
		return t, err
	}
	t.Address = addr
	if port != "" {
		if t.Port, err = parsePort(port); err != nil {
			return t, err
		}
	}
	return t, nil
}

// parsePort checks an SSH port number.
func parsePort(s string) (int, error) {
	n, err := strconv.Atoi(strings.TrimSpace(s))
	if err != nil {
		return 0, fmt.Errorf("port: want a number 1–65535, got %q", s)
	}
	if n < 1 || n > 65535 {
		return 0, fmt.Errorf("port: want 1–65535, got %d", n)
	}
	return n, nil
}

// parseWorkers checks a host's number of workers.
func parseWorkers(s string) (int, error) {
	n, err := strconv.Atoi(strings.TrimSpace(s))
	switch {
	case err != nil:
		return 0, fmt.Errorf("workers: want a whole number ≥ 1, got %q", s)
	case n < 1:
		return 0, fmt.Errorf("workers: must be ≥ 1, got %d", n)
	case n > MaxWorkers:
		return 0, fmt.Errorf("workers: at most %d per host, got %d", MaxWorkers, n)
	}
	return n, nil
}

// checkUser refuses user names no SSH server would accept, and a leading '-'.
func checkUser(u string) error {
	if u == "" {
		return errors.New("user: want a user name, got nothing")
	}
	for _, r := range u {
		if r <= ' ' || r == 0x7f || r == '@' || r == ':' || r == '/' {
			return fmt.Errorf("user: want a user name, got %q", u)
		}
	}
	if u[0] == '-' {
		return fmt.Errorf("user: must not start with '-', got %q", u)
	}
	return nil
}

// checkName refuses a name: that would not make a clean console tag or file
// name. "/" separates host and worker in the tag ([b01/w3]).
func checkName(n string) error {
	if n == "" {
		return errors.New("name: want a short name, got nothing")
	}
	if n == localName {
		return fmt.Errorf("name: %q is the local engine's; pick another", n)
	}
	for _, r := range n {
		if !isAlnum(r) && r != '.' && r != '_' && r != '-' {
			return fmt.Errorf("name: want letters, digits, '.', '_' or '-', got %q", n)
		}
	}
	if n[0] == '-' || n[0] == '.' {
		return fmt.Errorf("name: must start with a letter, digit or '_', got %q", n)
	}
	return nil
}

// quoteIfOdd returns s as it is when it is plain printable text without spaces,
// and quoted otherwise, so a message stays one readable line.
func quoteIfOdd(s string) string {
	for _, r := range s {
		if r <= ' ' || r == 0x7f || r == '"' || r > '~' {
			return strconv.Quote(s)
		}
	}
	if s == "" {
		return `""`
	}
	return s
}
