package config

import (
	"errors"
	"fmt"
	"math"
	"path"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/distribution/reference"
	units "github.com/docker/go-units"

	"github.com/jenkins-paratest/jenkins-paratest/internal/engine"
	"github.com/jenkins-paratest/jenkins-paratest/internal/matrix"
)

// The values of preset:: the suites jenkins-paratest lists, runs, reads and names
// itself (internal/suite has one adapter for each).
const (
	PresetPytest   = "pytest"
	PresetRSpec    = "rspec"
	PresetCucumber = "cucumber"
	PresetGo       = "go" // <import path>.test binaries
)

// apply parses one key's setting into cfg. Errors name the setting's source.
func apply(cfg *Config, s setting, lookupEnv func(string) (string, bool)) error {
	var err error
	switch s.key {
	case keyImage:
		cfg.Image, err = imageRef(s)
	case keyServices:
		cfg.Services, err = services(s, lookupEnv)
	case keyPull:
		var v string
		v, err = oneOf(s, string(engine.PullMissing), string(engine.PullAlways), string(engine.PullNever))
		cfg.Pull = engine.PullPolicy(v)
	case keyWorkers:
		if cfg.Workers, err = wholeNumber(s); err == nil && cfg.Workers > matrix.MaxWorkers {
			err = s.errorf("at most %d on one engine, got %d; a build matrix spreads more over several hosts", matrix.MaxWorkers, cfg.Workers)
		}
	case keyPreset:
		if s.str != "" { // an empty preset (preset: "", --preset=) means none
			cfg.Preset, err = oneOf(s, PresetPytest, PresetRSpec, PresetCucumber, PresetGo)
		}
	case keyGoDir:
		cfg.GoDir, err = containerPath(s)
	case keyArgs:
		cfg.Args = s.list
	case keyWarm:
		cfg.Warm, err = boolOf(s)
	case keyList:
		cfg.List, err = command(s)
	case keyTests:
		cfg.Tests = s.str
	case keyFilter:
		cfg.Filter, err = regexpOf(s)
	case keyExclude:
		cfg.Exclude, err = regexpOf(s)
	case keyAllowEmpty:
		cfg.AllowEmpty, err = boolOf(s)
	case keySetup:
		cfg.Setup, err = command(s)
	case keyCommand:
		cfg.Command, err = command(s)
	case keyBatch:
		switch v := strings.TrimSpace(s.str); {
		case v == "auto":
			cfg.Batch = BatchAuto
		case strings.Trim(v, "-0123456789") != "" || v == "":
			err = s.errorf("want auto or a whole number ≥ 1, got %q", s.str)
		default:
			cfg.Batch, err = wholeNumber(s)
		}
	case keyResults:
		cfg.Results, err = results(s)
	case keyEnv:
		cfg.Env, err = envList(s, lookupEnv)
	case keyCPUs:
		cfg.Limits.CPUs, err = cpus(s)
	case keyMemory:
		cfg.Limits.Memory, err = memory(s)
	case keyPids:
		var n int
		n, err = count(s)
		cfg.Limits.Pids = int64(n)
	case keyNetwork:
		cfg.Limits.Network, err = network(s)
	case keyCapDrop:
		cfg.Limits.CapDrop, err = capabilities(s)
	case keyRunID:
		cfg.RunID, err = runID(s)
	case keyOut:
		if cfg.Out = s.str; cfg.Out == "" {
			err = s.errorf("want a directory, got nothing")
		}
	case keyStream:
		cfg.Stream, err = oneOf(s, StreamAll, StreamFailures, StreamNone)
	case keyColor:
		cfg.Color, err = oneOf(s, "auto", "always", "never")
	case keyTimeout:
		if cfg.Timeout, err = duration(s); err == nil && cfg.Timeout < 0 {
			err = s.errorf("must be ≥ 0 (0 is no limit), got %s", cfg.Timeout)
		}
	case keyMaxLost:
		cfg.MaxLost, err = wholeNumber(s)
	case keyRerunThreshold:
		cfg.RerunThreshold, err = fraction(s)
	case keyMaxReruns:
		cfg.MaxReruns, err = count(s)
	case keyKeepFailed:
		cfg.KeepFailed, err = count(s)
	case keyFirstRound:
		if cfg.FirstRound, err = count(s); err == nil && cfg.FirstRound < 1 {
			err = s.errorf("want a round number, 1 or more, got %q", s.str)
		}
	case keyHistory:
		cfg.History, err = globs(s)
	case keyMatrix:
		cfg.Matrix = s.str
	case keyKubernetes:
		cfg.Kubernetes, err = kubernetes(s) // kubernetes.go
	case keySSHUser:
		cfg.SSHUser, err = userName(s)
	case keyIdentity:
		cfg.Identity, err = homePath(s, lookupEnv)
	case keyKnownHosts:
		cfg.KnownHosts, err = homePath(s, lookupEnv)
	case keyInsecureIgnoreHostKey:
		if cfg.InsecureIgnoreHostKey, err = boolOf(s); err == nil && cfg.InsecureIgnoreHostKey && s.inFile {
			err = s.errorf("accepting any host key weakens every SSH connection: give it as --insecure-ignore-host-key or PARATEST_INSECURE_IGNORE_HOST_KEY=true, which the Jenkinsfile owns, not in paratest.yml")
		}
	case keyImageTransfer:
		if s.str != "" { // an empty value (--image-transfer=) means none
			cfg.ImageTransfer, err = oneOf(s, ImageTransferLoad)
		}
	case keyReconnectInterval:
		if cfg.ReconnectInterval, err = duration(s); err == nil && cfg.ReconnectInterval <= 0 {
			err = s.errorf("must be > 0, got %s", cfg.ReconnectInterval)
		}
	case keyOrphanTTL:
		if cfg.OrphanTTL, err = duration(s); err == nil && cfg.OrphanTTL < MinOrphanTTL {
			err = s.errorf("must be ≥ %s, got %s", MinOrphanTTL, cfg.OrphanTTL)
		}
	default:
		panic("config: no decoder for key " + s.key) // keys and apply disagree
	}
	return err
}

func oneOf(s setting, values ...string) (string, error) {
	for _, v := range values {
		if s.str == v {
			return v, nil
		}
	}
	want := values[0]
	if n := len(values); n > 1 {
		want = strings.Join(values[:n-1], ", ") + " or " + values[n-1]
	}
	return "", s.errorf("want %s, got %q", want, s.str)
}

func wholeNumber(s setting) (int, error) {
	n, err := strconv.Atoi(strings.TrimSpace(s.str))
	if err != nil {
		return 0, s.errorf("want a whole number ≥ 1, got %q", s.str)
	}
	if n < 1 {
		return 0, s.errorf("must be ≥ 1, got %d", n)
	}
	return n, nil
}

// count is a whole number that may be 0.
func count(s setting) (int, error) {
	n, err := strconv.Atoi(strings.TrimSpace(s.str))
	if err != nil {
		return 0, s.errorf("want a whole number ≥ 0, got %q", s.str)
	}
	if n < 0 {
		return 0, s.errorf("must be ≥ 0, got %d", n)
	}
	return n, nil
}

// duration is a Go duration: 90s, 1m30s, 2h. A bare number other than 0 is an
// error that says to add the unit, rather than a guess at seconds.
func duration(s setting) (time.Duration, error) {
	v := strings.TrimSpace(s.str)
	d, err := time.ParseDuration(v)
	if err == nil {
		return d, nil
	}
	if _, nerr := strconv.ParseFloat(v, 64); nerr == nil {
		return 0, s.errorf("want a duration with a unit, such as %ss, got %q", v, s.str)
	}
	return 0, s.errorf("want a duration such as 30s, 5m or 1h30m, got %q", s.str)
}

// fraction is a share from 0 to 1, written 0.1 or 10%.
func fraction(s setting) (float64, error) {
	v := strings.TrimSpace(s.str)
	num, percent := strings.CutSuffix(v, "%")
	f, err := strconv.ParseFloat(strings.TrimSpace(num), 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
		return 0, s.errorf("want a fraction such as 0.1 or a percentage such as 10%%, got %q", s.str)
	}
	switch {
	case percent && (f < 0 || f > 100):
		return 0, s.errorf("must be from 0%% to 100%%, got %q", s.str)
	case percent:
		return f / 100, nil
	case f > 1 && f <= 100:
		return 0, s.errorf("must be from 0 to 1, got %q; for a percentage write %s%%", s.str, v)
	case f < 0 || f > 1:
		return 0, s.errorf("must be from 0 to 1, got %q", s.str)
	}
	return f, nil
}

// globs are file paths or filepath.Match patterns, checked here and expanded by
// whoever reads the files, when they are read.
func globs(s setting) ([]string, error) {
	out := []string{}
	for i, p := range s.list {
		if p == "" {
			return nil, s.errorf("item %d: want a path or a glob, got nothing", i+1)
		}
		if _, err := filepath.Match(p, ""); err != nil {
			return nil, s.errorf("item %d: %q: %v", i+1, p, err)
		}
		out = append(out, p)
	}
	return out, nil
}

// userName is an SSH login name; "" leaves it to the matrix's default.
func userName(s setting) (string, error) {
	u := strings.TrimSpace(s.str)
	if strings.ContainsFunc(u, func(r rune) bool { return r <= ' ' || r == '@' || r == ':' || r == 0x7f }) {
		return "", s.errorf("want a user name, got %q", s.str)
	}
	return u, nil
}

// errNoHome is why a ~/ path cannot be expanded.
var errNoHome = errors.New("HOME is not set")

// homePath is a file path on this machine whose leading ~/ is the home directory,
// as the shell would expand it: a path in paratest.yml does not go through one.
func homePath(s setting, lookupEnv func(string) (string, bool)) (string, error) {
	p, err := expandHome(s.str, lookupEnv)
	if err != nil {
		return "", s.errorf("%s: %v; give the full path", s.str, err)
	}
	return p, nil
}

func expandHome(p string, lookupEnv func(string) (string, bool)) (string, error) {
	rest, ok := strings.CutPrefix(p, "~/")
	if !ok {
		return p, nil
	}
	home := getenv(lookupEnv, "HOME")
	if home == "" {
		return "", errNoHome
	}
	return filepath.Join(home, rest), nil
}

func boolOf(s setting) (bool, error) {
	switch strings.ToLower(strings.TrimSpace(s.str)) {
	case "true", "yes", "on", "1":
		return true, nil
	case "false", "no", "off", "0":
		return false, nil
	}
	return false, s.errorf("want true or false, got %q", s.str)
}

// regexpOf compiles a filter; empty keeps everything (nil).
func regexpOf(s setting) (*regexp.Regexp, error) {
	if s.str == "" {
		return nil, nil
	}
	re, err := regexp.Compile(s.str)
	if err != nil {
		return nil, s.errorf("%v", err)
	}
	return re, nil
}

// containerPath is an absolute path inside the (Linux) container.
func containerPath(s setting) (string, error) {
	if !path.IsAbs(s.str) {
		return "", s.errorf("want an absolute path in the container, got %q", s.str)
	}
	return path.Clean(s.str), nil
}

// command is a string (shell form) or a list (argv). An empty string leaves the
// command unset.
func command(s setting) (Command, error) {
	if !s.isList {
		return Command{Shell: s.str}, nil
	}
	if len(s.list) == 0 {
		return Command{}, s.errorf("want a command, got an empty list")
	}
	if s.list[0] == "" {
		return Command{}, s.errorf("the program, the list's first item, is empty")
	}
	return Command{Argv: append([]string(nil), s.list...)}, nil
}

// results parses exit-code, go-test-json or junit:/path/in/container.
func results(s setting) (Results, error) {
	switch v := strings.TrimSpace(s.str); {
	case v == ResultsExitCode, v == ResultsGoTestJSON:
		return Results{Kind: v}, nil
	case strings.HasPrefix(v, ResultsJUnit+":"):
		p := strings.TrimPrefix(v, ResultsJUnit+":")
		if !path.IsAbs(p) {
			return Results{}, s.errorf("want junit:/absolute/path/in/container.xml, got %q", v)
		}
		return Results{Kind: ResultsJUnit, Path: path.Clean(p)}, nil
	}
	return Results{}, s.errorf("want %s, %s or %s:/path/in/container.xml, got %q", ResultsExitCode, ResultsGoTestJSON, ResultsJUnit, s.str)
}

// envList turns KEY=VALUE and bare KEY entries into KEY=VALUE. A bare KEY passes
// the master's value through when it is set and is dropped when it is not, so one
// paratest.yml serves builds that set a variable and builds that do not.
// masterOnly are the variables env: never passes on.
var masterOnly = map[string]bool{envSSHPassphrase: true, envSSHAuthSock: true}

func envList(s setting, lookupEnv func(string) (string, bool)) ([]string, error) {
	out := []string{}
	for i, e := range s.list {
		key, _, hasValue := strings.Cut(e, "=")
		if key == "" || strings.ContainsAny(key, " \t\n") {
			return nil, s.errorf("item %d: want KEY=VALUE or KEY, got %q", i+1, e)
		}
		if masterOnly[key] {
			return nil, s.errorf("item %d: %s is the master's own (its SSH credentials): it is never passed to the tests", i+1, key)
		}
		if hasValue {
			out = append(out, e)
			continue
		}
		if v, ok := lookupEnv(key); ok {
			out = append(out, fmt.Sprintf("%s=%s", key, v))
		}
	}
	return out, nil
}

// cpus is a positive number of CPUs, or 0 for no limit.
func cpus(s setting) (float64, error) {
	f, err := strconv.ParseFloat(strings.TrimSpace(s.str), 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) || f < 0 {
		return 0, s.errorf("want a number of CPUs such as 2 or 1.5 (0: no limit), got %q", s.str)
	}
	return f, nil
}

// minMemory is the least memory limit the engine accepts.
const minMemory = 6 << 20

// memory is a size such as 512m or 2g, or 0 for no limit.
func memory(s setting) (int64, error) {
	v := strings.TrimSpace(s.str)
	if v == "0" {
		return 0, nil
	}
	n, err := units.RAMInBytes(v)
	if err != nil {
		return 0, s.errorf("want a size such as 512m or 2g (0: no limit), got %q", s.str)
	}
	if n < minMemory {
		return 0, s.errorf("must be at least 6m, got %q", s.str)
	}
	return n, nil
}

var networkName = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_.-]*$`)

// network is the engine's network mode for the workers. host, which lets the
// tests reach every service of the host, weakens their isolation: like every
// such setting, it is taken from a flag or the environment (the Jenkinsfile
// owns them), never from paratest.yml, a file a pull request can change.
func network(s setting) (string, error) {
	v := strings.TrimSpace(s.str)
	switch {
	case v == "":
		return "", nil
	case v == "host" && s.inFile:
		return "", s.errorf("host would let the tests reach every service of the host: give it as --network host or PARATEST_NETWORK=host, which the Jenkinsfile owns, not in paratest.yml")
	case !networkName.MatchString(v):
		return "", s.errorf("want bridge, none, host or a network's name, got %q", s.str)
	}
	return v, nil
}

var capability = regexp.MustCompile(`^[A-Z][A-Z0-9_]*$`)

// capabilities are capability names, NET_RAW or CAP_NET_RAW, or ALL.
func capabilities(s setting) ([]string, error) {
	var out []string
	for i, c := range s.list {
		c = strings.ToUpper(strings.TrimSpace(c))
		if !capability.MatchString(c) {
			return nil, s.errorf("item %d: want a capability such as NET_RAW, or ALL, got %q", i+1, s.list[i])
		}
		out = append(out, strings.TrimPrefix(c, "CAP_"))
	}
	return out, nil
}

// imageRef is an image reference the engine can take: a name, name:tag,
// name@digest or an image id; "" is left for Load to report as missing.
func imageRef(s setting) (string, error) {
	v := strings.TrimSpace(s.str)
	if v == "" {
		return "", nil
	}
	if _, err := reference.ParseAnyReference(v); err != nil {
		return "", s.errorf("%q is not an image reference (%v): want name[:tag] or name@sha256:…", v, err)
	}
	return v, nil
}

// MaxRunID is the longest run id: it is a label value and part of container
// names.
const MaxRunID = 128

var runIDChars = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_.-]*$`)

// runID is a run id given explicitly: letters, digits, '.', '_' and '-', as
// container labels and names take them, and as a shell takes them unquoted.
func runID(s setting) (string, error) {
	v := strings.TrimSpace(s.str)
	switch {
	case v == "":
		return "", nil // the default decides
	case len(v) > MaxRunID:
		return "", s.errorf("at most %d characters, got %d", MaxRunID, len(v))
	case !runIDChars.MatchString(v):
		return "", s.errorf("want letters, digits, '.', '_' and '-' (starting with a letter or digit), got %q", v)
	}
	return v, nil
}

// buildRunID is the default run id in a Jenkins build: the build's tag, and
// for an --out other than the default that directory too, so two calls of one
// build writing to different directories (parallel branches) never share a
// run id, and with it containers, names and clean-up. "" without a tag.
func buildRunID(tag, out string) string {
	suffix := ""
	if o := filepath.ToSlash(filepath.Clean(out)); o != DefaultOut {
		suffix = safeRunID(strings.ReplaceAll(o, "/", "-"))
		if len(suffix) > maxOutSuffix { // the end tells sibling directories apart
			suffix = strings.TrimLeft(suffix[len(suffix)-maxOutSuffix:], "-._")
		}
		if suffix == "" { // "/", "." or the like: no letter to keep
			suffix = "out"
		}
	}
	id := safeRunID(tag)
	if id == "" || suffix == "" {
		return id
	}
	if room := MaxRunID - len(suffix) - 1; len(id) > room {
		id = strings.TrimLeft(id[len(id)-room:], "-._")
	}
	return id + "-" + suffix
}

// maxOutSuffix bounds the part of a default run id that --out gives.
const maxOutSuffix = 48

// safeRunID makes Jenkins' BUILD_TAG ("jenkins-<job>-<build>", where a job
// name may hold spaces and any other character) a run id: every other
// character becomes '-', and a long one keeps its end, where the build number
// is.
func safeRunID(tag string) string {
	b := []byte(strings.TrimSpace(tag))
	for i, c := range b {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '_' || c == '-') {
			b[i] = '-'
		}
	}
	id := strings.TrimLeft(string(b), "-._")
	if len(id) > MaxRunID {
		id = strings.TrimLeft(id[len(id)-MaxRunID:], "-._")
	}
	return id
}
