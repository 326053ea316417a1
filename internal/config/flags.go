package config

import "strconv"

// Flags are the configuration flags of `run` and `list`, as kong parses them; the
// cli embeds Flags in both commands. A nil field (a nil Env) was not given, so the
// environment, the file or the default decides. Values stay strings here and are
// parsed by Load like the file's and the environment's, so a bad value gets the
// same message whichever source it came from.
type Flags struct {
	Config     *string  `name:"config" placeholder:"FILE" help:"Config file to read (env PARATEST_CONFIG; default ./paratest.yml when present; an empty FILE reads none)."`
	Image      *string  `name:"image" placeholder:"REF" help:"Test image the workers run (paratest.yml image:, env PARATEST_IMAGE). Required."`
	Pull       *string  `name:"pull" placeholder:"WHEN" help:"When to pull the image: missing, always or never (paratest.yml pull:, env PARATEST_PULL; default missing)."`
	Workers    *string  `name:"workers" placeholder:"N" help:"Number of worker containers (paratest.yml workers:, env PARATEST_WORKERS; default the CPU count)."`
	Preset     *string  `name:"preset" placeholder:"NAME" help:"Built-in suite support: go (paratest.yml preset:, env PARATEST_PRESET)."`
	GoDir      *string  `name:"go-dir" placeholder:"DIR" help:"Preset go: directory in the image holding the <import path>.test binaries (paratest.yml go_dir:, env PARATEST_GO_DIR; default /paratest/go)."`
	List       *string  `name:"list" placeholder:"SHELL" help:"Shell command printing the test ids, one per line (paratest.yml list:, env PARATEST_LIST)."`
	Tests      *string  `name:"tests" placeholder:"FILE" help:"File of test ids, one per line, instead of list; - reads stdin (paratest.yml tests:, env PARATEST_TESTS)."`
	Filter     *string  `name:"filter" placeholder:"REGEXP" help:"Run only the ids matching (paratest.yml filter:, env PARATEST_FILTER)."`
	Exclude    *string  `name:"exclude" placeholder:"REGEXP" help:"Skip the ids matching (paratest.yml exclude:, env PARATEST_EXCLUDE)."`
	AllowEmpty *bool    `name:"allow-empty" negatable:"" help:"Succeed when no test is selected (paratest.yml allow_empty:, env PARATEST_ALLOW_EMPTY; default false)."`
	Setup      *string  `name:"setup" placeholder:"SHELL" help:"Shell command each worker runs once before its first test (paratest.yml setup:, env PARATEST_SETUP)."`
	Command    *string  `name:"command" placeholder:"SHELL" help:"Shell command running a batch of tests; the ids are its arguments \"$@\" (paratest.yml command:, env PARATEST_COMMAND)."`
	Batch      *string  `name:"batch" placeholder:"N" help:"Tests per command (paratest.yml batch:, env PARATEST_BATCH; default 1)."`
	Results    *string  `name:"results" placeholder:"KIND" help:"Where verdicts come from: exit-code, go-test-json or junit:/path/in/container (paratest.yml results:, env PARATEST_RESULTS; default exit-code)."`
	Env        []string `name:"env" sep:"none" placeholder:"KEY[=VALUE]" help:"Environment variable for the tests; a bare KEY passes the master's value; repeatable (paratest.yml env:, env PARATEST_ENV, comma-separated)."`
	RunID      *string  `name:"run-id" placeholder:"ID" help:"Run id labelling the containers (paratest.yml run_id:, env PARATEST_RUN_ID; default $BUILD_TAG, else generated)."`
	Out        *string  `name:"out" placeholder:"DIR" help:"Directory for reports and logs (paratest.yml out:, env PARATEST_OUT; default paratest-out)."`
	Stream     *string  `name:"stream" placeholder:"WHICH" help:"Worker output shown live: all, failures or none (paratest.yml stream:, env PARATEST_STREAM; default failures)."`
	Color      *string  `name:"color" placeholder:"WHEN" help:"Colour the console: auto, always or never (paratest.yml color:, env PARATEST_COLOR; default auto)."`
}

// settings returns the flags that were given, by key.
func (f Flags) settings() map[string]setting {
	m := map[string]setting{}
	str := func(key string, p *string) {
		if p != nil {
			m[key] = setting{key: key, where: flagName(key), str: *p}
		}
	}
	str(keyImage, f.Image)
	str(keyPull, f.Pull)
	str(keyWorkers, f.Workers)
	str(keyPreset, f.Preset)
	str(keyGoDir, f.GoDir)
	str(keyList, f.List)
	str(keyTests, f.Tests)
	str(keyFilter, f.Filter)
	str(keyExclude, f.Exclude)
	if f.AllowEmpty != nil {
		m[keyAllowEmpty] = setting{key: keyAllowEmpty, where: flagName(keyAllowEmpty), str: strconv.FormatBool(*f.AllowEmpty)}
	}
	str(keySetup, f.Setup)
	str(keyCommand, f.Command)
	str(keyBatch, f.Batch)
	str(keyResults, f.Results)
	if f.Env != nil {
		m[keyEnv] = setting{key: keyEnv, where: flagName(keyEnv), list: f.Env, isList: true}
	}
	str(keyRunID, f.RunID)
	str(keyOut, f.Out)
	str(keyStream, f.Stream)
	str(keyColor, f.Color)
	return m
}
