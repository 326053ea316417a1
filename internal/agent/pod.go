package agent

import (
	"archive/tar"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
)

// The subcommands a Kubernetes worker pod needs where a Docker engine has an
// API of its own: the pod's init container installs the agent from the agent
// image, and exec (which carries neither environment nor files) sets the
// environment, writes the suite's files and reads the result files.

// podMain runs the pod subcommands; ok is false for any other.
func podMain(args []string, stdin io.Reader, stdout, stderr io.Writer) (code int, ok bool) {
	var err error
	switch args[0] {
	case "install":
		if len(args) != 2 {
			fmt.Fprintln(stderr, "agent: usage: install DIR")
			return 2, true
		}
		err = install(args[1])
	case "env":
		i := 1
		for i < len(args) && args[i] != "--" {
			i++
		}
		if i+1 >= len(args) {
			fmt.Fprintln(stderr, "agent: usage: env KEY=VALUE... -- ARGV...")
			return 2, true
		}
		err = execWith(args[1:i], args[i+1:])
	case "cat":
		var limit int64
		if len(args) == 3 {
			limit, err = strconv.ParseInt(args[2], 10, 64)
		}
		if len(args) != 3 || err != nil {
			fmt.Fprintln(stderr, "agent: usage: cat PATH MAX")
			return 2, true
		}
		err = cat(args[1], limit, stdout)
		if errors.Is(err, os.ErrNotExist) {
			return ExitNotFound, true
		}
	case "untar":
		err = untar(stdin)
	default:
		return 0, false
	}
	if err != nil {
		fmt.Fprintf(stderr, "agent: %v\n", err)
		return 1, true
	}
	return 0, true
}

// install copies the running executable to DIR/agent (Path's name): the agent
// image's binary, for the worker container that mounts DIR.
func install(dir string) error {
	exe, err := os.Executable()
	if err != nil {
		return err
	}
	src, err := os.Open(exe)
	if err != nil {
		return err
	}
	defer src.Close()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	dst := filepath.Join(dir, filepath.Base(Path))
	f, err := os.OpenFile(dst+".tmp", os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o755)
	if err != nil {
		return err
	}
	if _, err := io.Copy(f, src); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(dst+".tmp", dst)
}

// execWith replaces the agent with argv, env added to its environment.
func execWith(env, argv []string) error {
	for _, kv := range env {
		k, v, ok := strings.Cut(kv, "=")
		if !ok || k == "" {
			return fmt.Errorf("env: want KEY=VALUE, got %q", kv)
		}
		os.Setenv(k, v)
	}
	bin, err := exec.LookPath(argv[0])
	if err != nil {
		return err
	}
	return syscall.Exec(bin, argv, os.Environ())
}

// cat copies at most limit bytes of the regular file path to w.
func cat(path string, limit int64, w io.Writer) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return err
	}
	if !st.Mode().IsRegular() {
		return fmt.Errorf("%s is not a regular file", path)
	}
	_, err = io.Copy(w, io.LimitReader(f, limit))
	return err
}

// untar writes the regular files of the tar stream r at their absolute
// paths, creating their directories.
func untar(r io.Reader) error {
	tr := tar.NewReader(r)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		if h.Typeflag != tar.TypeReg {
			continue
		}
		name := filepath.Clean("/" + h.Name)
		if err := os.MkdirAll(filepath.Dir(name), 0o755); err != nil {
			return err
		}
		f, err := os.OpenFile(name, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, os.FileMode(h.Mode)&os.ModePerm)
		if err != nil {
			return err
		}
		_, err = io.Copy(f, tr)
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return err
		}
	}
}
