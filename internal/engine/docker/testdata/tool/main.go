// Command tool is the only program in the image the engine tests import: a static
// binary at /tool, so the tests need no registry and no shell in the image.
//
//	tool sleep               print "ready" on stdout, then sleep until killed
//	tool echo ARGS...        print ARGS joined by spaces on stdout
//	tool args ARGS...        print each argument quoted (%q), one per line
//	tool stderr MSG          print MSG on stderr
//	tool exit N              exit with code N
//	tool write PATH CONTENT  write CONTENT to PATH (creating parents)
//	tool cat PATH            copy PATH to stdout
//	tool mode PATH           print PATH's permission bits (and sticky bit) in octal
//	tool env KEY             print the value of KEY
//	tool spam N              print N numbered lines on stdout and on stderr
//	tool listen PORT MSG     print "ready", then answer every TCP connection on PORT with MSG
//	tool dial HOST:PORT      print what a TCP connection to HOST:PORT reads
//	tool addr                print the container's first non-loopback IPv4 address
package main

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "tool:", err)
		os.Exit(125)
	}
}

func run(args []string) error {
	if len(args) == 0 {
		return fmt.Errorf("no subcommand")
	}
	sub, args := args[0], args[1:]
	switch sub {
	case "sleep":
		fmt.Println("ready")
		for {
			time.Sleep(time.Hour)
		}
	case "echo":
		fmt.Println(strings.Join(args, " "))
	case "args":
		for _, a := range args {
			fmt.Printf("%q\n", a)
		}
	case "stderr":
		fmt.Fprintln(os.Stderr, strings.Join(args, " "))
	case "exit":
		n, err := strconv.Atoi(arg(args, 0))
		if err != nil {
			return err
		}
		os.Exit(n)
	case "write":
		p := arg(args, 0)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return err
		}
		return os.WriteFile(p, []byte(arg(args, 1)), 0o644)
	case "cat":
		f, err := os.Open(arg(args, 0))
		if err != nil {
			return err
		}
		defer f.Close()
		_, err = io.Copy(os.Stdout, f)
		return err
	case "mode":
		fi, err := os.Stat(arg(args, 0))
		if err != nil {
			return err
		}
		m := fi.Mode()
		perm := uint32(m.Perm())
		if m&os.ModeSticky != 0 {
			perm |= 0o1000
		}
		fmt.Printf("%o\n", perm)
	case "env":
		fmt.Println(os.Getenv(arg(args, 0)))
	case "spam":
		n, err := strconv.Atoi(arg(args, 0))
		if err != nil {
			return err
		}
		out, errw := bufio.NewWriter(os.Stdout), bufio.NewWriter(os.Stderr)
		for i := range n {
			fmt.Fprintf(out, "out %d\n", i)
			fmt.Fprintf(errw, "err %d\n", i)
		}
		if err := out.Flush(); err != nil {
			return err
		}
		return errw.Flush()
	case "listen":
		l, err := net.Listen("tcp", ":"+arg(args, 0))
		if err != nil {
			return err
		}
		fmt.Println("ready")
		for {
			c, err := l.Accept()
			if err != nil {
				return err
			}
			fmt.Fprintln(c, arg(args, 1))
			c.Close()
		}
	case "addr":
		addrs, err := net.InterfaceAddrs()
		if err != nil {
			return err
		}
		for _, a := range addrs {
			if ip, ok := a.(*net.IPNet); ok && !ip.IP.IsLoopback() && ip.IP.To4() != nil {
				fmt.Println(ip.IP)
				return nil
			}
		}
		return fmt.Errorf("no address")
	case "dial":
		c, err := net.DialTimeout("tcp", arg(args, 0), 5*time.Second)
		if err != nil {
			return err
		}
		defer c.Close()
		_, err = io.Copy(os.Stdout, c)
		return err
	default:
		return fmt.Errorf("unknown subcommand %q", sub)
	}
	return nil
}

func arg(args []string, i int) string {
	if i < len(args) {
		return args[i]
	}
	return ""
}
