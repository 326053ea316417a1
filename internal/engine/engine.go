// Package engine is the small interface the rest of jenkins-paratest uses to drive a
// Docker engine: the local one, or (later) a remote host's reached through SSH. Only
// the implementation in internal/engine/docker imports the Docker client;
// internal/engine/kubernetes implements the same interface on the pods of a
// Kubernetes namespace (a container is a pod there).
//
// Lifecycle: New* returns an Engine that has not touched the network. Info pings it.
// Image makes sure the image is present. Start creates a container, copies files into
// it and starts it; the Container it returns runs commands with Exec until Remove.
// RemoveAll removes every container carrying the given labels, whatever state it is in;
// it is how leftovers are cleaned. Close releases the connection; Containers must not
// be used after it.
//
// An Engine and its Containers are safe for concurrent use by many goroutines: each
// worker goroutine drives its own Container, all sharing one Engine.
package engine

import (
	"bytes"
	"context"
	"errors"
	"io"
)

// PullPolicy says when an image is pulled.
type PullPolicy string

// The pull policies of the `pull:` key.
const (
	PullMissing PullPolicy = "missing" // pull only when the engine lacks the image
	PullAlways  PullPolicy = "always"  // pull every run
	PullNever   PullPolicy = "never"   // never pull; a missing image is an error
)

// Errors an Engine returns, to be checked with errors.Is.
var (
	ErrImageNotFound = errors.New("image not found")
	ErrNotExist      = errors.New("no such file in container")
	ErrContainerGone = errors.New("the container is no longer running")
)

// Info describes an engine.
type Info struct {
	Host          string // "local" or the host name
	ID            string // the daemon's own id: two hosts of a matrix that reach one engine have the same
	ServerVersion string // e.g. "28.2.2"
	APIVersion    string // negotiated API version, e.g. "1.41"
	CPUs          int
	MemoryBytes   int64
}

// ImageInfo describes an image present on an engine.
type ImageInfo struct {
	Ref        string   // as asked for
	ID         string   // sha256:…
	Entrypoint []string // the image's own entrypoint and command, which a
	Cmd        []string // container whose spec replaces them may still run
}

// File is copied into a container before it starts.
type File struct {
	Path string // absolute path in the container; parent directories are created
	Mode int64
	Data []byte // the content, when small enough to hold
	// From, when set, is where the content is read instead, Size bytes: a large
	// file (the agent binary) streamed into each copy, never held in memory.
	From io.ReaderAt
	Size int64
}

// Content is f's content, to be read once, and its length.
func (f File) Content() (io.Reader, int64) {
	if f.From != nil {
		return io.NewSectionReader(f.From, 0, f.Size), f.Size
	}
	return bytes.NewReader(f.Data), int64(len(f.Data))
}

// Mount mounts a named volume into a container, read-only.
type Mount struct {
	Volume string // the volume's name, filled by Engine.Volume
	Target string // absolute path in the container
}

// ScratchSize bounds a container's Scratch directory. What is written there
// counts against the container's memory limit.
const ScratchSize = 256 << 20

// ContainerSpec describes a container to start.
type ContainerSpec struct {
	Image  string
	Name   string // optional; engines may add a suffix to keep names unique
	Labels map[string]string
	Env    []string // KEY=VALUE
	Cmd    []string // argv of the container's main process (replaces the image's entrypoint)
	Files  []File
	Mounts []Mount
	Limits Limits
	// Scratch, when set, is a directory the engine gives the container in
	// memory (tmpfs, an emptyDir of medium Memory), writable by any user, of
	// at most ScratchSize bytes: where runners write their result files as
	// they go, one small write per event, which a container's own file system
	// may make slow (fuse-overlayfs: ~100 µs a write).
	Scratch string
	// Network, when set, is the network (made by Engine.Network) the container
	// joins instead of the engine's default one, known there by Aliases as
	// well as by its name. It overrides Limits.Network.
	Network string
	Aliases []string
	// Sidecars run beside the main process in the same network namespace,
	// reachable at 127.0.0.1 and by their names, on an engine that
	// implements SidecarEngine (Kubernetes: containers of the worker's pod).
	Sidecars []Sidecar
}

// Sidecar is a container that shares its ContainerSpec's network and life.
type Sidecar struct {
	Name  string // a DNS label; also its host name beside the main process
	Image string
	Env   []string // KEY=VALUE
	Args  []string // replaces the image's command, its entrypoint kept; nil keeps both
}

// SidecarEngine is an Engine that starts a worker's services as sidecars of
// its container (ContainerSpec.Sidecars) rather than as containers of their
// own on a network (Network): a Kubernetes pod.
type SidecarEngine interface {
	Engine
	Sidecars() bool
}

// SidecarContainer is the Container a SidecarEngine starts: Sidecar(name)
// is its sidecar of that name, whose Exec, ReadFile and Logs run there and
// whose Remove leaves it to the container it belongs to.
type SidecarContainer interface {
	Container
	Sidecar(name string) Container
}

// Limits are what a container may use and do; zero values are no limit. Every
// container also runs with no-new-privileges.
type Limits struct {
	NanoCPUs int64    // CPU time, in billionths of a CPU
	Memory   int64    // bytes
	Pids     int64    // processes and threads at once
	Network  string   // the engine's network mode; "" its default
	CapDrop  []string // capabilities to drop, "ALL" for every one
}

// ExecSpec is one command run inside a running container.
type ExecSpec struct {
	Cmd []string // argv; never interpreted by a shell unless Cmd[0] is one
	Env []string // KEY=VALUE, added to the container's environment
	// Stdin, when not nil, is copied to the command's standard input, which is
	// closed at Stdin's EOF (or error); without it the command has none. Exec may
	// return before Stdin is drained (the command ended): the copy then stops at
	// Stdin's next Read, so a Stdin that can block forever must be ended by its
	// owner (an io.Pipe closed after Exec returns).
	Stdin  io.Reader
	Stdout io.Writer
	Stderr io.Writer
}

// Engine drives one Docker engine. See the package comment for its lifecycle.
type Engine interface {
	// Host names the engine in messages and log file names: "local" or a host name.
	Host() string
	// Info pings the engine and describes it.
	Info(ctx context.Context) (Info, error)
	// Image makes sure ref is present according to the policy, writing pull progress
	// (one line per status change, never carriage returns) to progress when not nil.
	// A missing image with PullNever, or one the registry lacks, is ErrImageNotFound.
	Image(ctx context.Context, ref string, policy PullPolicy, progress io.Writer) (ImageInfo, error)
	// SaveImage streams an image present on the engine as a `docker save` archive.
	SaveImage(ctx context.Context, ref string) (io.ReadCloser, error)
	// LoadImage loads a `docker save` archive into the engine.
	LoadImage(ctx context.Context, archive io.Reader) error
	// Volume makes sure the named volume exists and holds files (their paths
	// relative to the volume's root), filling it through a container of image
	// that never starts when it lacks one of them, so that many containers can
	// mount one copy. The volume carries labels. Filling is done once per
	// volume; volumes are named by their content, so one found filled is right.
	// The container that mounts it to look stays, with the holder labels, and
	// holds the volume in use until it is removed (with the caller's other
	// containers): no RemoveVolumes of a run beside it takes the volume away
	// between the check and the caller's own containers.
	Volume(ctx context.Context, name, image string, labels, holder map[string]string, files []File) error
	// RemoveVolumes removes every volume carrying all the labels that no
	// container uses, and returns their names, sorted.
	RemoveVolumes(ctx context.Context, labels map[string]string) ([]string, error)
	// Network makes sure a bridge network of that name exists, with labels.
	Network(ctx context.Context, name string, labels map[string]string) error
	// RemoveNetworks removes every network carrying all the labels (an empty
	// value matches any value) that no container uses, and returns their
	// names, sorted.
	RemoveNetworks(ctx context.Context, labels map[string]string) ([]string, error)
	// Start creates, fills and starts a container.
	Start(ctx context.Context, spec ContainerSpec) (Container, error)
	// RemoveAll force-removes every container carrying all the labels (an empty
	// value matches any value of that label) and returns the ids (short, 12
	// characters) it removed, sorted.
	RemoveAll(ctx context.Context, labels map[string]string) ([]string, error)
	// RemoveStale is RemoveAll for the containers that do not run (their
	// main process ended: a worker of a dead master stops itself at its
	// orphan TTL; or never started); live is how many running ones it left.
	RemoveStale(ctx context.Context, labels map[string]string) (removed []string, live int, err error)
	// Close releases the engine's connection.
	Close() error
}

// Container is one running container.
type Container interface {
	// ID is the container's full id.
	ID() string
	// Exec runs a command to completion and returns its exit code. An error means the
	// command's fate is unknown (the connection broke, ctx was cancelled, or the
	// container died under it: ErrContainerGone), not that it failed.
	Exec(ctx context.Context, spec ExecSpec) (exitCode int, err error)
	// ReadFile returns the content of a regular file in the container, at most max
	// bytes of it; a missing file is ErrNotExist.
	ReadFile(ctx context.Context, path string, max int64) ([]byte, error)
	// Logs copies the output of the container's main process, from its start,
	// to stdout and stderr, following it until the process ends (nil) or ctx
	// is done.
	Logs(ctx context.Context, stdout, stderr io.Writer) error
	// Remove force-removes the container; removing one already gone is not an error.
	Remove(ctx context.Context) error
}
