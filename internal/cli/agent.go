package cli

import "context"

// agentCmd is `jenkins-paratest agent …`, the main process and command runner
// inside every worker container. Its arguments reach agent.Main verbatim, flags
// included: `agent exec -- go test -run X` must not be parsed here.
type agentCmd struct {
	Args []string `arg:"" optional:"" help:"Agent subcommand and its arguments."`
}

func (c *agentCmd) Run(ctx context.Context, d *deps) error {
	if code := d.agent(ctx, c.Args, d.stdout, d.stderr); code != 0 {
		return quietExit(code) // the agent printed its own message, if any
	}
	return nil
}
