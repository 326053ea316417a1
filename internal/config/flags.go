package config

import "strconv"

// Flags are the configuration flags of `run`, `list`, `check` and `clean`, as kong
// parses them; the cli embeds Flags in each of them. A nil field (a nil Env) was not given, so the
// environment, the file or the default decides. Values stay strings here and are
// parsed by Load like the file's and the environment's, so a bad value gets the
// same message whichever source it came from.
type Flags struct {
	Config     *string  `name:"config" placeholder:"FILE" help:"Config file to read (env PARATEST_CONFIG; default ./paratest.yml when present; an empty FILE reads none)."`
	Image      *string  `name:"image" placeholder:"REF" help:"Test image the workers run (paratest.yml image:, env PARATEST_IMAGE). Required."`
	Pull       *string  `name:"pull" placeholder:"WHEN" help:"When to pull the image: missing, always or never (paratest.yml pull:, env PARATEST_PULL; default missing)."`
	Workers    *string  `name:"workers" placeholder:"N" help:"Number of worker containers on the local engine; a matrix sets them per host instead (paratest.yml workers:, env PARATEST_WORKERS; default the CPU count)."`
	Preset     *string  `name:"preset" placeholder:"NAME" help:"Built-in suite support: pytest, rspec, cucumber or go (paratest.yml preset:, env PARATEST_PRESET)."`
	GoDir      *string  `name:"go-dir" placeholder:"DIR" help:"Preset go: directory in the image holding the <import path>.test binaries (paratest.yml go_dir:, env PARATEST_GO_DIR; default /paratest/go)."`
	Args       []string `name:"args" sep:"none" placeholder:"ARG" help:"With a preset: an extra argument for the runner, e.g. -x or --tags=@fast; repeatable (paratest.yml args:, env PARATEST_ARGS, comma-separated)."`
	Warm       *bool    `name:"warm" negatable:"" help:"Presets pytest and rspec: load the runner once per worker and fork each batch from it (paratest.yml warm:, env PARATEST_WARM; default true)."`
	List       *string  `name:"list" placeholder:"SHELL" help:"Shell command printing the test ids, one per line (paratest.yml list:, env PARATEST_LIST)."`
	Tests      *string  `name:"tests" placeholder:"FILE" help:"File of test ids, one per line, instead of list; - reads stdin (paratest.yml tests:, env PARATEST_TESTS)."`
	Filter     *string  `name:"filter" placeholder:"REGEXP" help:"Run only the ids matching (paratest.yml filter:, env PARATEST_FILTER)."`
	Exclude    *string  `name:"exclude" placeholder:"REGEXP" help:"Skip the ids matching (paratest.yml exclude:, env PARATEST_EXCLUDE)."`
	AllowEmpty *bool    `name:"allow-empty" negatable:"" help:"Succeed when no test is selected (paratest.yml allow_empty:, env PARATEST_ALLOW_EMPTY; default false)."`
	Setup      *string  `name:"setup" placeholder:"SHELL" help:"Shell command each worker runs once before its first test (paratest.yml setup:, env PARATEST_SETUP)."`
	Command    *string  `name:"command" placeholder:"SHELL" help:"Shell command running a batch of tests; the ids are its arguments \"$@\" (paratest.yml command:, env PARATEST_COMMAND)."`
	Batch      *string  `name:"batch" placeholder:"N" help:"Tests per command, or auto (paratest.yml batch:, env PARATEST_BATCH; default auto, 1 with results exit-code)."`
	Results    *string  `name:"results" placeholder:"KIND" help:"Where verdicts come from: exit-code, go-test-json or junit:/path/in/container (paratest.yml results:, env PARATEST_RESULTS; default exit-code)."`
	Env        []string `name:"env" sep:"none" placeholder:"KEY[=VALUE]" help:"Environment variable for the tests; a bare KEY passes the master's value; repeatable (paratest.yml env:, env PARATEST_ENV, comma-separated)."`
	CPUs       *string  `name:"cpus" placeholder:"N" help:"CPUs' worth of time each worker may use, e.g. 1.5; 0 is no limit (paratest.yml cpus:, env PARATEST_CPUS; default 0)."`
	Memory     *string  `name:"memory" placeholder:"SIZE" help:"Memory each worker may use, e.g. 2g; a test over it is killed; 0 is no limit (paratest.yml memory:, env PARATEST_MEMORY; default 0)."`
	Pids       *string  `name:"pids" placeholder:"N" help:"Processes and threads each worker may run at once; 0 is no limit (paratest.yml pids:, env PARATEST_PIDS; default 4096)."`
	Network    *string  `name:"network" placeholder:"MODE" help:"The workers' network: bridge, none, host or a network's name; host only as a flag or variable (paratest.yml network:, env PARATEST_NETWORK; default the engine's, bridge)."`
	CapDrop    []string `name:"cap-drop" sep:"none" placeholder:"CAP" help:"Capability the tests lose, e.g. NET_RAW, or ALL; repeatable (paratest.yml cap_drop:, env PARATEST_CAP_DROP, comma-separated)."`
	RunID      *string  `name:"run-id" placeholder:"ID" help:"Run id labelling the containers (paratest.yml run_id:, env PARATEST_RUN_ID; default $BUILD_TAG, else generated)."`
	Out        *string  `name:"out" placeholder:"DIR" help:"Directory for reports and logs (paratest.yml out:, env PARATEST_OUT; default paratest-out)."`
	Stream     *string  `name:"stream" placeholder:"WHICH" help:"Worker output shown live: all, failures or none (paratest.yml stream:, env PARATEST_STREAM; default failures)."`
	Color      *string  `name:"color" placeholder:"WHEN" help:"Colour the console: auto, always or never (paratest.yml color:, env PARATEST_COLOR; default auto)."`

	Timeout        *string  `name:"timeout" placeholder:"DURATION" help:"How long one test may run, e.g. 10m; 0 is no limit (paratest.yml timeout:, env PARATEST_TIMEOUT; default 0)."`
	MaxLost        *string  `name:"max-lost" placeholder:"N" help:"Times a test may be lost with its worker before it fails (paratest.yml max_lost:, env PARATEST_MAX_LOST; default 3)."`
	RerunThreshold *string  `name:"rerun-threshold" placeholder:"SHARE" help:"Rerun the failed tests when they are at most this share of all, 0.1 or 10% (paratest.yml rerun_threshold:, env PARATEST_RERUN_THRESHOLD; default 10%)."`
	MaxReruns      *string  `name:"max-reruns" placeholder:"N" help:"Rerun rounds at most; 0 turns reruns off (paratest.yml max_reruns:, env PARATEST_MAX_RERUNS; default 2)."`
	FirstRound     *string  `name:"first-round" placeholder:"N" help:"The number of the run's first round, which tests see as PARATEST_ROUND; a failed test's reproduce line sets the round it failed in (paratest.yml first_round:, env PARATEST_FIRST_ROUND; default 1)."`
	KeepFailed     *string  `name:"keep-failed" placeholder:"N" help:"Keep the containers (and services) of up to N workers whose last batch failed, for an hour, to step into with the docker exec line printed (paratest.yml keep_failed:, env PARATEST_KEEP_FAILED; default 0)."`
	History        []string `name:"history" sep:"none" placeholder:"GLOB" help:"Earlier JUnit XML files whose test durations order the queue; repeatable (paratest.yml history:, env PARATEST_HISTORY, comma-separated)."`

	Matrix                *string `name:"matrix" placeholder:"FILE" help:"Build matrix: the hosts to run workers on, reached by SSH; empty runs on the local engine (paratest.yml matrix:, env PARATEST_MATRIX)."`
	SSHUser               *string `name:"ssh-user" placeholder:"USER" help:"SSH user of matrix hosts without user: (paratest.yml ssh_user:, env PARATEST_SSH_USER; default the current user)."`
	Identity              *string `name:"identity" placeholder:"FILE" help:"SSH private key file; its passphrase comes from env PARATEST_SSH_PASSPHRASE only (paratest.yml identity:, env PARATEST_IDENTITY)."`
	KnownHosts            *string `name:"known-hosts" placeholder:"FILE" help:"File of trusted SSH host keys (paratest.yml known_hosts:, env PARATEST_KNOWN_HOSTS; default ~/.ssh/known_hosts)."`
	InsecureIgnoreHostKey *bool   `name:"insecure-ignore-host-key" negatable:"" help:"Accept any SSH host key, unverified (paratest.yml insecure_ignore_host_key:, env PARATEST_INSECURE_IGNORE_HOST_KEY; default false)."`
	ImageTransfer         *string `name:"image-transfer" placeholder:"HOW" help:"load copies the image from the local engine to the matrix hosts instead of each host pulling it (paratest.yml image_transfer:, env PARATEST_IMAGE_TRANSFER; default none)."`
	ReconnectInterval     *string `name:"reconnect-interval" placeholder:"DURATION" help:"Wait between attempts to reach a host whose connection dropped (paratest.yml reconnect_interval:, env PARATEST_RECONNECT_INTERVAL; default 5s)."`
	OrphanTTL             *string `name:"orphan-ttl" placeholder:"DURATION" help:"A worker container that has not heard from jenkins-paratest this long removes itself; at least 5s (paratest.yml orphan_ttl:, env PARATEST_ORPHAN_TTL; default 60s)."`
}

// settings returns the flags that were given, by key.
func (f Flags) settings() map[string]setting {
	m := map[string]setting{}
	str := func(key string, p *string) {
		if p != nil {
			m[key] = setting{key: key, where: flagName(key), str: *p}
		}
	}
	boolean := func(key string, p *bool) {
		if p != nil {
			m[key] = setting{key: key, where: flagName(key), str: strconv.FormatBool(*p)}
		}
	}
	list := func(key string, l []string) {
		if l != nil {
			m[key] = setting{key: key, where: flagName(key), list: l, isList: true}
		}
	}
	str(keyImage, f.Image)
	str(keyPull, f.Pull)
	str(keyWorkers, f.Workers)
	str(keyPreset, f.Preset)
	str(keyGoDir, f.GoDir)
	list(keyArgs, f.Args)
	boolean(keyWarm, f.Warm)
	str(keyList, f.List)
	str(keyTests, f.Tests)
	str(keyFilter, f.Filter)
	str(keyExclude, f.Exclude)
	boolean(keyAllowEmpty, f.AllowEmpty)
	str(keySetup, f.Setup)
	str(keyCommand, f.Command)
	str(keyBatch, f.Batch)
	str(keyResults, f.Results)
	list(keyEnv, f.Env)
	str(keyCPUs, f.CPUs)
	str(keyMemory, f.Memory)
	str(keyPids, f.Pids)
	str(keyNetwork, f.Network)
	list(keyCapDrop, f.CapDrop)
	str(keyRunID, f.RunID)
	str(keyOut, f.Out)
	str(keyStream, f.Stream)
	str(keyColor, f.Color)
	str(keyTimeout, f.Timeout)
	str(keyMaxLost, f.MaxLost)
	str(keyRerunThreshold, f.RerunThreshold)
	str(keyMaxReruns, f.MaxReruns)
	str(keyFirstRound, f.FirstRound)
	str(keyKeepFailed, f.KeepFailed)
	list(keyHistory, f.History)
	str(keyMatrix, f.Matrix)
	str(keySSHUser, f.SSHUser)
	str(keyIdentity, f.Identity)
	str(keyKnownHosts, f.KnownHosts)
	boolean(keyInsecureIgnoreHostKey, f.InsecureIgnoreHostKey)
	str(keyImageTransfer, f.ImageTransfer)
	str(keyReconnectInterval, f.ReconnectInterval)
	str(keyOrphanTTL, f.OrphanTTL)
	return m
}
