package matrix

import "strings"

// plainForm is the shape of a plain line, for messages.
const plainForm = `"[user@]host[:port] workers"`

// parsePlain reads the seeds' form: one "[user@]host[:port] workers" per line,
// "#" starting a comment, blank lines ignored.
func (p *parser) parsePlain(data []byte) ([]Host, error) {
	var hosts []Host
	text := strings.TrimPrefix(string(data), "\uFEFF")
	n := 0
	for line := range strings.Lines(text) {
		n++
		line, _, _ = strings.Cut(line, "#") // no host, user or number holds a '#'
		fields := strings.Fields(line)
		switch len(fields) {
		case 0:
			continue
		case 2:
		default:
			return nil, p.errorf(n, "want %s, got %q; e.g. build-01.example.com:2222 4", plainForm, strings.TrimSpace(line))
		}
		t, err := parseTarget(fields[0])
		if err != nil {
			return nil, p.errorf(n, "host %s: %v", quoteIfOdd(fields[0]), err)
		}
		h := Host{Address: t.Address, Port: t.Port, User: t.User, Line: n}
		if h.Workers, err = parseWorkers(fields[1]); err != nil {
			return nil, p.errorf(n, "host %s: %v", quoteIfOdd(fields[0]), err)
		}
		hosts = append(hosts, h)
	}
	return hosts, nil
}
