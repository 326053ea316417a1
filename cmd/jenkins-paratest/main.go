// Command jenkins-paratest runs a test suite spread over Docker worker containers,
// from a Jenkins sh step. Everything is in internal/cli; main only exits.
package main

import (
	"os"

	"github.com/jenkins-paratest/jenkins-paratest/internal/cli"
)

func main() {
	os.Exit(cli.Main(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}
