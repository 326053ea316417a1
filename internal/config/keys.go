package config

import (
	"fmt"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/jenkins-paratest/jenkins-paratest/internal/exit"
)

// The keys of paratest.yml. Each is also the flag --<key with dashes> and the
// environment variable PARATEST_<KEY>.
const (
	keyImage      = "image"
	keyPull       = "pull"
	keyWorkers    = "workers"
	keyPreset     = "preset"
	keyGoDir      = "go_dir"
	keyArgs       = "args"
	keyWarm       = "warm"
	keyList       = "list"
	keyTests      = "tests"
	keyFilter     = "filter"
	keyExclude    = "exclude"
	keyAllowEmpty = "allow_empty"
	keySetup      = "setup"
	keyCommand    = "command"
	keyBatch      = "batch"
	keyResults    = "results"
	keyEnv        = "env"
	keyCPUs       = "cpus"
	keyMemory     = "memory"
	keyPids       = "pids"
	keyNetwork    = "network"
	keyCapDrop    = "cap_drop"
	keyRunID      = "run_id"
	keyOut        = "out"
	keyStream     = "stream"
	keyColor      = "color"
	keyServices   = "services"

	keyTimeout        = "timeout"
	keyMaxLost        = "max_lost"
	keyRerunThreshold = "rerun_threshold"
	keyMaxReruns      = "max_reruns"
	keyFirstRound     = "first_round"
	keyKeepFailed     = "keep_failed"
	keyHistory        = "history"

	keyMatrix                = "matrix"
	keyKubernetes            = "kubernetes"
	keySSHUser               = "ssh_user"
	keyIdentity              = "identity"
	keyKnownHosts            = "known_hosts"
	keyInsecureIgnoreHostKey = "insecure_ignore_host_key"
	keyImageTransfer         = "image_transfer"
	keyReconnectInterval     = "reconnect_interval"
	keyOrphanTTL             = "orphan_ttl"
)

// Not keys: secrets and sockets come from the environment only, so a passphrase
// never lands in a file in the repository or in the process list.
const (
	envSSHPassphrase = "PARATEST_SSH_PASSPHRASE"
	envSSHAuthSock   = "SSH_AUTH_SOCK"
)

// shape is what a key accepts in paratest.yml.
type shape int

const (
	scalar       shape = iota // a string, number or boolean
	list                      // a list of strings
	scalarOrList              // a command: a string (shell) or a list (argv)
	structured                // paratest.yml only (no flag, no variable): a YAML value of its own shape
)

// keys lists every key in the order they are decoded and documented, so the first
// error reported is deterministic.
var keys = []struct {
	name  string
	shape shape
}{
	{keyImage, scalar},
	{keyPull, scalar},
	{keyWorkers, scalar},
	{keyPreset, scalar},
	{keyGoDir, scalar},
	{keyArgs, list},
	{keyWarm, scalar},
	{keyList, scalarOrList},
	{keyTests, scalar},
	{keyFilter, scalar},
	{keyExclude, scalar},
	{keyAllowEmpty, scalar},
	{keySetup, scalarOrList},
	{keyCommand, scalarOrList},
	{keyBatch, scalar},
	{keyResults, scalar},
	{keyEnv, list},
	{keyCPUs, scalar},
	{keyMemory, scalar},
	{keyPids, scalar},
	{keyNetwork, scalar},
	{keyCapDrop, list},
	{keyRunID, scalar},
	{keyOut, scalar},
	{keyStream, scalar},
	{keyColor, scalar},
	{keyServices, structured},
	{keyTimeout, scalar},
	{keyMaxLost, scalar},
	{keyRerunThreshold, scalar},
	{keyMaxReruns, scalar},
	{keyFirstRound, scalar},
	{keyKeepFailed, scalar},
	{keyHistory, list},
	{keyMatrix, scalar},
	{keyKubernetes, structured},
	{keySSHUser, scalar},
	{keyIdentity, scalar},
	{keyKnownHosts, scalar},
	{keyInsecureIgnoreHostKey, scalar},
	{keyImageTransfer, scalar},
	{keyReconnectInterval, scalar},
	{keyOrphanTTL, scalar},
}

// Keys returns the paratest.yml keys in documentation order.
func Keys() []string {
	names := make([]string, len(keys))
	for i, k := range keys {
		names[i] = k.name
	}
	return names
}

// FlagKeys are the keys that also have a flag and a variable: all but the
// structured ones, which only paratest.yml gives.
func FlagKeys() []string {
	var names []string
	for _, k := range keys {
		if k.shape != structured {
			names = append(names, k.name)
		}
	}
	return names
}

func shapeOf(key string) (shape, bool) {
	for _, k := range keys {
		if k.name == key {
			return k.shape, true
		}
	}
	return 0, false
}

// flagName is the command-line flag of a key: go_dir is --go-dir.
func flagName(key string) string { return "--" + strings.ReplaceAll(key, "_", "-") }

// envName is the environment variable of a key: go_dir is PARATEST_GO_DIR.
func envName(key string) string { return "PARATEST_" + strings.ToUpper(key) }

// setting is one key's value as one source gave it, before it is parsed.
type setting struct {
	key    string
	where  string // "paratest.yml:7", "--filter" or "PARATEST_FILTER"
	inFile bool
	str    string   // the value, unless isList
	list   []string // the items of a list value
	isList bool
	node   *yaml.Node // a structured key's value
	file   string     // the file a structured key is in, for its errors' file:line
}

// label is how error messages about the setting start: "paratest.yml:7: filter",
// "--filter" or "PARATEST_FILTER" (flags and variables already name the key).
func (s setting) label() string {
	if s.inFile {
		return s.where + ": " + s.key
	}
	return s.where
}

// errorf returns a usage error about the setting: "paratest.yml:3: workers: …".
func (s setting) errorf(format string, a ...any) error {
	return exit.Usagef("%s: %s", s.label(), fmt.Sprintf(format, a...))
}
