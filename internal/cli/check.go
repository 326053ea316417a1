package cli

import (
	"context"
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/jenkins-paratest/jenkins-paratest/internal/config"
	"github.com/jenkins-paratest/jenkins-paratest/internal/exit"
	"github.com/jenkins-paratest/jenkins-paratest/internal/runner"
)

// checkCmd is `jenkins-paratest check`: one row per host of what the run would
// find there, so a broken host is fixed before a build needs it.
type checkCmd struct {
	config.Flags `embed:""`
}

func (c *checkCmd) Run(ctx context.Context, d *deps) error {
	cfg, err := config.Load(config.ForHosts, c.Flags, d.lookupEnv)
	if err != nil {
		return err
	}
	// Stdout carries only the table; anything the runner says goes to stderr.
	hosts, err := d.check(ctx, cfg, runner.Options{Stdout: d.stderr, Stdin: d.stdin, Hard: d.hard})
	if len(hosts) > 0 {
		if werr := writeCheckTable(d.stdout, hosts); werr != nil {
			return exit.Infraf("write the table: %w", werr)
		}
	}
	if err != nil {
		return withSignal(ctx, err)
	}
	if len(hosts) == 0 {
		return exit.Infraf("internal error: the check returned no hosts")
	}
	var bad []string
	for _, h := range hosts {
		if !h.OK {
			bad = append(bad, h.Host)
		}
	}
	if len(bad) > 0 {
		return exit.Infraf("%d of %s unusable: %s", len(bad), plural(len(hosts), "host"), strings.Join(bad, ", "))
	}
	return nil
}

// checkColumns are the table's headings, in the order writeCheckTable fills them.
var checkColumns = []string{"HOST", "ADDRESS", "SSH", "AUTH", "HOST KEY", "ENGINE", "IMAGE", "CPUS", "MEMORY", "WORKERS"}

// writeCheckTable writes hosts in the order given, in columns aligned with
// spaces (Jenkins' console has no tab stops). An unknown value is "-".
func writeCheckTable(w io.Writer, hosts []runner.HostCheck) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, strings.Join(checkColumns, "\t"))
	for _, h := range hosts {
		row := []string{
			cell(h.Host), cell(h.Address), cell(h.SSH), cell(h.Auth), cell(h.HostKey),
			cell(h.Engine), cell(h.Image), number(h.CPUs), bytesIEC(h.MemoryBytes), number(h.Workers),
		}
		fmt.Fprintln(tw, strings.Join(row, "\t"))
	}
	return tw.Flush()
}

// cell is one line with no tabs, so an error message cannot break the table.
func cell(s string) string {
	s = strings.ReplaceAll(joinLines(s), "\t", " ")
	if s == "" {
		return "-"
	}
	return s
}

// number is n, or "-" when it is not known (0).
func number(n int) string {
	if n <= 0 {
		return "-"
	}
	return strconv.Itoa(n)
}

// bytesIEC is n in binary units with one decimal, as free -h and docker info
// print it: "7.8 GiB".
func bytesIEC(n int64) string {
	const unit = 1024
	switch {
	case n <= 0:
		return "-"
	case n < unit:
		return fmt.Sprintf("%d B", n)
	}
	v := float64(n) / unit
	units := []string{"KiB", "MiB", "GiB", "TiB", "PiB", "EiB"}
	i := 0
	for v >= unit-0.05 && i < len(units)-1 { // 1023.97 MiB prints as 1.0 GiB, not 1024.0 MiB
		v /= unit
		i++
	}
	return fmt.Sprintf("%.1f %s", v, units[i])
}
