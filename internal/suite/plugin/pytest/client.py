"""jenkins-paratest's warm-runner client: runs one batch in the container's warm
pytest server (run.py serve), or cold when there is none.

    python3 -I -S client.py SOCKET -- COMMAND...

COMMAND is the batch's cold command, `python3 run.py run RESULTS ... -- IDS`.

The protocol, the same for the rspec preset's client.rb. The client connects to
the unix socket SOCKET and sends one request, its own stdin, stdout and stderr
riding on it (SCM_RIGHTS). The request is NUL-terminated fields, bytes as they
are (argv and the environment cannot hold NUL):

    PARATEST-WARM 1, the working directory, len(COMMAND), COMMAND..., the
    number of environment entries, KEY=VALUE...

The server forks a child from its preloaded state; the child takes the three
descriptors as 0, 1 and 2 and runs COMMAND as the cold command would. The
server answers with lines:

    refuse WHY     before forking: this command is not the server's
    pid N          the child, leader of its own process group
    exit N         the child exited with N
    signal N       the child was killed by signal N

and the client exits with the child's code, or 128+N as a shell would. When the
client goes (the agent's timeout kills its process group), the server kills the
child's group. A verdict never depends on the server: the client execs COMMAND
itself when there is no server (no SOCKET.pid, or its process is gone), when the
server refuses, when it is still loading after WAIT seconds (and then it leaves
SOCKET.slow, so that later batches do not wait), or when it dies before the
child's status (after killing the child's group and waiting for it to be gone).

It imports nothing but builtin modules (no socket.py, json or signal, which
import enum and re): it starts in a few milliseconds more than python3 itself.
"""

import os
import sys
import time
from _socket import AF_UNIX, SCM_RIGHTS, SOCK_STREAM, SOL_SOCKET, socket

WAIT = 60.0  # seconds to wait for a server still loading the suite
POLL = 0.01
SIGKILL = 9


def cold(cmd, why=""):
    if why:
        os.write(2, b"paratest: warm pytest server: %s; running the batch cold\n" % why.encode(errors="replace"))
    os.execvp(cmd[0], cmd)


def alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def read_pid(path):
    try:
        with open(path, "rb") as f:
            return int(f.read().strip() or 0)
    except (OSError, ValueError):
        return 0


def connect(path):
    """A connection to the server at path, or None when there is none to wait
    for: no pid file, a dead server, one loading for longer than WAIT."""
    deadline = time.monotonic() + WAIT
    while True:
        s = socket(AF_UNIX, SOCK_STREAM)
        try:
            s.connect(path)
            return s
        except OSError:
            s.close()
        pid = read_pid(path + ".pid")
        if not pid or not alive(pid) or os.path.exists(path + ".slow"):
            return None
        if time.monotonic() > deadline:
            try:
                open(path + ".slow", "w").close()
            except OSError:
                pass
            return None
        time.sleep(POLL)


def request(cmd):
    fields = [b"PARATEST-WARM 1", os.fsencode(os.getcwd()), b"%d" % len(cmd)]
    fields += [os.fsencode(a) for a in cmd]
    env = [k + b"=" + v for k, v in os.environb.items()]
    fields += [b"%d" % len(env)] + env
    return b"\0".join(fields) + b"\0"


def gone(pgid, within=10.0):
    """Kills the process group pgid and waits until it has no process left."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        try:
            os.killpg(pgid, SIGKILL)
        except (ProcessLookupError, PermissionError):
            return
        time.sleep(POLL)


def main(argv):
    if len(argv) < 4 or argv[2] != "--":
        os.write(2, b"usage: client.py SOCKET -- COMMAND...\n")
        return 2
    path, cmd = argv[1], argv[3:]
    if os.environ.get("PARATEST_WARM", "").lower() in ("0", "false", "no", "off"):
        cold(cmd)
    try:
        conn = connect(path)
    except Exception:  # never let the client decide a verdict
        conn = None
    if conn is None:
        cold(cmd)
    try:
        req = request(cmd)
        fds = b"".join(fd.to_bytes(4, sys.byteorder) for fd in (0, 1, 2))
        sent = conn.sendmsg([req], [(SOL_SOCKET, SCM_RIGHTS, fds)])
        if sent < len(req):
            conn.sendall(req[sent:])
    except Exception as e:
        cold(cmd, "cannot send the batch (%s)" % e)
    pid, buf = 0, b""
    try:
        while True:
            chunk = conn.recv(4096)
            if not chunk:
                break
            buf += chunk
            while b"\n" in buf:
                line, buf = buf.split(b"\n", 1)
                word, _, rest = line.decode(errors="replace").partition(" ")
                if word == "refuse":
                    cold(cmd, "refused the batch (%s)" % rest)
                elif word == "pid":
                    pid = int(rest)
                elif word == "exit":
                    return int(rest)
                elif word == "signal":
                    return 128 + int(rest)
    except (OSError, ValueError):
        pass  # as if the server died
    # The server died before the child's status: the child goes too, and the
    # batch runs again on its own.
    if pid:
        gone(pid)
    cold(cmd, "it ended before the batch did")


if __name__ == "__main__":
    os._exit(main(sys.argv))
