package config

import (
	"strconv"
	"strings"
)

// placeKeys say where and how a run runs, not what it runs: a reproduce line
// leaves them out (it runs one test alone, locally, once).
var placeKeys = map[string]bool{
	keyWorkers: true, keyTests: true, keyFilter: true, keyExclude: true, keyAllowEmpty: true,
	keyRunID: true, keyOut: true, keyStream: true, keyColor: true,
	keyMaxLost: true, keyRerunThreshold: true, keyMaxReruns: true, keyFirstRound: true, keyKeepFailed: true, keyHistory: true,
	keyMatrix: true, keySSHUser: true, keyIdentity: true, keyKnownHosts: true, keyInsecureIgnoreHostKey: true,
	keyImageTransfer: true, keyReconnectInterval: true, keyOrphanTTL: true,
}

// given is the flag form of the settings that flags and variables gave (see
// Config.Given), in key order.
func given(set map[string]setting) []string {
	var out []string
	for _, k := range keys {
		s, ok := set[k.name]
		if !ok || s.inFile || placeKeys[k.name] {
			continue
		}
		flag := flagName(k.name)
		switch {
		case k.name == keyEnv:
			for _, e := range s.list {
				key, _, _ := strings.Cut(e, "=")
				out = append(out, flag+"="+key) // the value stays where it is
			}
		case k.name == keyWarm:
			if on, err := boolOf(s); err == nil && on {
				out = append(out, flag)
			} else {
				out = append(out, "--no-"+strings.TrimPrefix(flag, "--"))
			}
		case s.isList && len(s.list) == 0:
			out = append(out, flag+"=") // set, and empty
		case s.isList:
			for _, v := range s.list {
				out = append(out, flag+"="+v)
			}
		default:
			out = append(out, flag+"="+s.str)
		}
	}
	return out
}

// ReproduceDir is the --out of a reproduce line.
const ReproduceDir = "paratest-repro"

// Reproduce is a shell command line that runs test id alone, on the local
// engine, once, as round round: with the same config file, image, env and
// services as this run. Every value is quoted for sh.
func (c *Config) Reproduce(id string, round int) string {
	var b strings.Builder
	b.WriteString("printf '%s\\n' " + shellQuote(id) + " | jenkins-paratest run")
	if c.File != "" {
		b.WriteString(" --config=" + shellQuote(c.File))
	}
	for _, g := range c.Given {
		b.WriteString(" " + shellQuote(g))
	}
	if c.Matrix != "" {
		b.WriteString(" --matrix=")
	}
	if !c.List.IsZero() { // the test comes on stdin instead
		b.WriteString(" --list=")
	}
	b.WriteString(" --workers=1 --tests=- --max-reruns=0")
	if round > 1 {
		b.WriteString(" --first-round=" + strconv.Itoa(round))
	}
	b.WriteString(" --out=" + ReproduceDir)
	return b.String()
}

// shellQuote quotes s for sh when it needs it: 'it'\”s'.
func shellQuote(s string) string {
	if s != "" && strings.Trim(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_=./:@,+%") == "" {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
