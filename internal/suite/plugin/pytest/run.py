"""jenkins-paratest's entry point into pytest.

    python3 run.py list RESULTS [pytest arguments]           # collect only
    python3 run.py run RESULTS [pytest arguments] -- IDS...  # run node ids
    python3 run.py serve SOCKET [pytest arguments]           # a warm server

It runs pytest.main with one plugin object of its own, so the suite's conftest
files, its ini file and PYTHONPATH stay as they are, and writes one JSON object
a line to RESULTS, flushed after each line, so that a line is on disk before
the next test starts: when the process dies (os._exit, a segfault, a kill),
the last "start" without its "done" names the test that was running.

serve is the warm runner (see serve below, and internal/agent/warm.go for its
client): it loads pytest, its plugins, the conftest files and the test modules
once, with a collect-only session that imports each test module and collects
nothing from it ("preload"), and forks a child per batch that runs `run` from
that state.

Events:
  {"event": "nopytest", "error": ...}                    python3 has no pytest
  {"event": "item", "id", "arg"?, "suite", "classname", "name"}   list: collected
  {"event": "collecterror", "id", "message"}             a file did not collect
  {"event": "start", "id"}                               run: a test starts
  {"event": "done", "id", "cases": [...], "output"}      run: it ended
  {"event": "finish", "exitstatus", "stopped"}           the session ended;
                                                         stopped: why -x ended it early

A done event's cases are the testcase elements pytest's own junitxml writes for
the test, made by junitxml's LogXML itself from the same reports: its
classname, name, time and the failure, error and skipped children. There are
two when the call failed and the teardown errored too; junitxml writes both.
"""

import json
import os
import sys

# python3 -m pytest puts the working directory first on sys.path; so do we,
# instead of this file's directory.
sys.path[0] = os.getcwd()


class Events:
    def __init__(self, path):
        self.f = open(path, "w", encoding="utf-8")

    def emit(self, **event):
        self.f.write(json.dumps(event) + "\n")
        self.f.flush()


def first_line(text):
    for line in str(text).splitlines():
        if line.strip():
            return line.strip()
    return ""


def error_line(longrepr):
    """The exception of a collection error: its last "E   " line."""
    lines = [l[1:].strip() for l in longrepr.splitlines() if l.startswith("E ")]
    return lines[-1] if lines else first_line(longrepr)


class Paratest:
    """The plugin: pytest calls its hooks."""

    def __init__(self, events, mode, wanted):
        self.events = events
        self.mode = mode
        self.wanted = wanted  # the ids to run; None lists
        self.xml = None
        self.sections = []

    def pytest_configure(self, config):
        self.config = config
        if self.mode != "run":
            return
        from _pytest.junitxml import LogXML

        # Never written: it only turns reports into testcase elements.
        self.xml = LogXML(
            os.devnull,
            getattr(config.option, "junitprefix", None),
            suite_name=config.getini("junit_suite_name"),
            logging="no",
            report_duration=config.getini("junit_duration_report"),
            family="xunit2",
            log_passing_tests=True,
        )

    def names(self, nodeid):
        """The suite, classname and name junitxml gives a node id."""
        from _pytest.junitxml import bin_xml_escape, mangle_test_address

        names = mangle_test_address(nodeid)
        classnames = names[:-1]
        prefix = getattr(self.config.option, "junitprefix", None)
        if prefix:
            classnames.insert(0, prefix)
        suite = names[0] if len(names) > 1 else "pytest"
        if prefix:
            suite = prefix + "." + suite
        return suite, ".".join(classnames), bin_xml_escape(names[-1])

    def arg(self, item):
        """The command-line argument that selects item from the working
        directory: its node id is relative to the rootdir, which may differ."""
        inv = str(self.config.invocation_params.dir)
        root = str(self.config.rootpath)
        if inv == root:
            return item.nodeid
        rest = item.nodeid.partition("::")[1:]
        path = os.path.relpath(str(getattr(item, "path", None) or item.fspath), inv)
        return path + "".join(rest)

    def pytest_collectreport(self, report):
        if report.failed:
            self.events.emit(
                event="collecterror",
                id=report.nodeid,
                message=error_line(str(report.longrepr)),
            )

    def pytest_collection_modifyitems(self, session, config, items):
        if self.wanted is None:
            return
        keep, drop, seen = [], [], set()
        for item in items:
            if item.nodeid in seen:
                drop.append(item)
            elif item.nodeid in self.wanted or self.arg(item) in self.wanted:
                seen.add(item.nodeid)
                keep.append(item)
            else:
                drop.append(item)
        if drop:
            config.hook.pytest_deselected(items=drop)
            items[:] = keep

    def pytest_make_collect_report(self, collector):
        """preload: a test module is imported, not collected. Collecting its
        items in the server would leave state behind in the module (a second
        session in the same process escapes some parametrize ids twice); the
        child collects them, as a cold batch does."""
        if self.mode != "preload":
            return None
        from _pytest.python import Module
        from _pytest.reports import CollectReport

        if not isinstance(collector, Module):
            return None
        try:
            collector.obj  # imports the module, as pytest's collection does
        except Exception:
            pass  # the child meets the same error, as a cold batch would
        return CollectReport(collector.nodeid, "passed", None, [])

    def pytest_collection_finish(self, session):
        if self.mode != "list":
            return
        for item in session.items:
            suite, classname, name = self.names(item.nodeid)
            event = dict(event="item", id=item.nodeid, suite=suite, classname=classname, name=name)
            arg = self.arg(item)
            if arg != item.nodeid:
                event["arg"] = arg
            self.events.emit(**event)

    def pytest_runtest_logstart(self, nodeid, location):
        self.events.emit(event="start", id=nodeid)
        self.sections = []

    def pytest_runtest_logreport(self, report):
        if self.xml is None:
            return
        self.xml.pytest_runtest_logreport(report)
        self.sections = report.sections

    def pytest_runtest_logfinish(self, nodeid, location):
        cases = []
        for reporter in self.xml.node_reporters_ordered:
            tc = reporter.to_xml()
            case = dict(tc.attrib)
            case["results"] = [
                dict(tag=child.tag, message=child.get("message", ""), text=child.text or "")
                for child in tc
                if child.tag in ("failure", "error", "skipped")
            ]
            cases.append(case)
        del self.xml.node_reporters_ordered[:]
        self.xml.node_reporters.clear()
        output = "".join("-" * 20 + " " + title + " " + "-" * 20 + "\n" + content for title, content in self.sections)
        self.events.emit(event="done", id=nodeid, cases=cases, output=output)

    def pytest_sessionfinish(self, session, exitstatus):
        # -x or --maxfail stopped the session: the tests not started are not
        # done with, they go back to the queue.
        stopped = session.shouldfail or session.shouldstop
        self.events.emit(event="finish", exitstatus=int(exitstatus), stopped=str(stopped) if stopped else "")


def main(argv):
    if len(argv) < 3 or argv[1] not in ("list", "run", "preload"):
        sys.stderr.write("usage: run.py list|run RESULTS [pytest arguments] [-- IDS...]\n")
        return 4
    mode, events, args = argv[1], Events(argv[2]), argv[3:]
    sys.argv[0] = "pytest"  # for pytest's usage messages
    try:
        import pytest
    except ImportError as e:
        events.emit(event="nopytest", error=str(e), python=sys.executable)
        sys.stderr.write("jenkins-paratest: %s (%s): the image needs pytest for python3\n" % (e, sys.executable))
        return 4
    wanted = None
    if mode == "run":
        # Our "--" is the last one: the ids follow it.
        cut = len(args) - 1 - args[::-1].index("--") if "--" in args else len(args)
        wanted = set(args[cut + 1:])
    else:  # list, preload
        args = ["--collect-only", "-q"] + args
    # trylast: after every other plugin has reordered or deselected.
    Paratest.pytest_collection_modifyitems = pytest.hookimpl(trylast=True)(Paratest.pytest_collection_modifyitems)
    # tryfirst: before pytest's own collection.
    Paratest.pytest_make_collect_report = pytest.hookimpl(tryfirst=True)(Paratest.pytest_make_collect_report)
    return pytest.main(args, plugins=[Paratest(events, mode, wanted)])


# The warm server. It runs as long as its container, in a process group of its
# own; its output goes to the worker log.
#
# It writes its pid to SOCKET.pid first, so that a client knows a server is
# loading and waits for it. Then one collect-only session with the batches'
# arguments imports pytest, its plugins, the conftest files and the test
# modules (rewritten by pytest's assertion hook), which stay in sys.modules: a
# later pytest.main in the same process builds its config, plugins and session
# anew and finds the modules imported. That session collects no test: a
# module's items are made by the child's session only, as they are in a cold
# batch (pytest keeps some of what it derives from a module's marks on them;
# a second collection of the same module escapes non-ASCII parametrize ids
# twice). The server never runs a test, and forks
# each batch's child from that state, so every batch starts from the same
# preloaded state, never from what an earlier batch left. When the preload
# fails, the server says why and exits: the clients run their batches cold.
#
# A child runs the batch as the cold command would: the client's descriptors as
# 0, 1 and 2, its working directory and environment, run.py's main with its
# argv, then the interpreter's exit (atexit handlers, flushed streams). A
# command that is not `run.py run`, another working directory, another python3
# or other PYTHON* variables (which shape the interpreter at its start) are
# refused: the client runs them cold.


def serve(argv):
    import atexit
    import gc
    import selectors
    import shutil
    import signal
    import socket
    import tempfile
    import time
    import traceback

    if len(argv) < 3:
        sys.stderr.write("usage: run.py serve SOCKET [pytest arguments]\n")
        return 4
    path, args = argv[2], argv[3:]
    script = os.path.realpath(__file__)
    start = time.monotonic()
    # What a batch must share with the server, taken before the preload's
    # conftest files can change it.
    python = os.path.realpath(sys.executable)
    cwd = os.getcwd()
    interpreter_env = sorted(kv for kv in ("%s=%s" % kv for kv in os.environ.items()) if kv.startswith("PYTHON"))
    pidfile = path + ".pid"
    for leftover in (path, path + ".slow"):
        try:
            os.unlink(leftover)
        except OSError:
            pass
    with open(pidfile + ".tmp", "w") as f:
        f.write("%d\n" % os.getpid())
    os.replace(pidfile + ".tmp", pidfile)

    # The preload's output (a collect-only listing) goes to the worker log
    # only when it failed.
    log = tempfile.TemporaryFile()
    sys.stdout.flush()
    sys.stderr.flush()
    saved = os.dup(1), os.dup(2)
    os.dup2(log.fileno(), 1)
    os.dup2(log.fileno(), 2)
    try:
        code = main([script, "preload", os.devnull] + args)
    except SystemExit as e:
        code = e.code
    except BaseException:
        traceback.print_exc()
        code = -1
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        os.dup2(saved[0], 1)
        os.dup2(saved[1], 2)
        os.close(saved[0])
        os.close(saved[1])
    if code not in (0, 5):  # 5: no test collected, as no module is
        log.seek(0)
        tail = log.read()[-4000:].decode("utf-8", "replace")
        sys.stderr.write("paratest: warm pytest server: the preload (pytest --collect-only) exited %s; batches run cold:\n%s\n" % (code, tail))
        os.unlink(pidfile)
        return 1
    log.close()

    def refusal(req):
        cmd = req.get("argv") or []
        if len(cmd) < 3 or os.path.realpath(cmd[1]) != script or cmd[2] not in ("run", "list"):
            return "not a run.py run or list command"
        env = dict(kv.split("=", 1) for kv in req.get("env", []) if "=" in kv)
        exe = shutil.which(cmd[0], path=env.get("PATH"))
        if not exe or os.path.realpath(exe) != python:
            return "another python3 than the server's (%s)" % exe
        if req.get("cwd") != cwd:
            return "another working directory than the server's (%s)" % cwd
        if sorted(kv for kv in req.get("env", []) if kv.startswith("PYTHON")) != interpreter_env:
            return "other PYTHON* variables than the server's"
        return ""

    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(path)
    listener.listen(64)
    wake_r, wake_w = os.pipe()
    os.set_blocking(wake_r, False)
    os.set_blocking(wake_w, False)
    signal.set_wakeup_fd(wake_w)
    signal.signal(signal.SIGCHLD, lambda *_: None)
    sel = selectors.DefaultSelector()
    sel.register(listener, selectors.EVENT_READ, "accept")
    sel.register(wake_r, selectors.EVENT_READ, "reap")
    children = {}  # pid → its client's connection
    gc.freeze()  # the preloaded objects stay shared with the children
    sys.stderr.write("paratest: warm pytest server ready in %.2fs (pid %d, %s)\n" % (time.monotonic() - start, os.getpid(), path))
    sys.stderr.flush()

    def send(conn, word, value):
        try:
            conn.sendall(("%s %s\n" % (word, value)).encode(errors="replace"))
        except OSError:
            pass

    def close(conn):
        try:
            sel.unregister(conn)
        except (KeyError, ValueError):
            pass
        conn.close()

    def child(req, fds):
        # Nothing of the server's stays open in the child: a client must see
        # its connection end when the server dies.
        signal.set_wakeup_fd(-1)
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        sel.close()
        listener.close()
        for other in children.values():
            if other is not None:
                other.close()
        os.close(wake_r)
        os.close(wake_w)
        for i, fd in enumerate(fds):
            os.dup2(fd, i)
            if fd > 2:
                os.close(fd)
        try:
            os.chdir(req["cwd"])
            os.environ.clear()
            os.environ.update(dict(kv.split("=", 1) for kv in req["env"] if "=" in kv))
            sys.argv = req["argv"][1:]
            code = main(sys.argv)
        except SystemExit as e:
            code = e.code
        except BaseException:
            traceback.print_exc()
            code = 1
        # What the interpreter does when a script ends with sys.exit(code).
        if code is None:
            code = 0
        elif not isinstance(code, int):
            sys.stderr.write("%s\n" % code)
            code = 1
        try:
            atexit._run_exitfuncs()
        finally:
            for stream in (sys.stdout, sys.stderr):
                try:
                    stream.flush()
                except Exception:
                    pass
            os._exit(code & 0xFF)

    def accept():
        conn, _ = listener.accept()
        conn.settimeout(10)
        fds = []
        try:
            data, fds, _, _ = socket.recv_fds(conn, 1 << 16, 3)
            req = parse_request(data)
            while req is None:
                more = conn.recv(1 << 16)
                if not more or len(data) > 64 << 20:
                    raise ValueError("the request ended early")
                data += more
                req = parse_request(data)
            if len(fds) != 3:
                raise ValueError("want 3 descriptors, got %d" % len(fds))
        except (OSError, ValueError) as e:
            for fd in fds:
                os.close(fd)
            send(conn, "refuse", "a bad request (%s)" % e)
            conn.close()
            return
        why = refusal(req)
        if why:
            for fd in fds:
                os.close(fd)
            send(conn, "refuse", why)
            conn.close()
            return
        sys.stdout.flush()
        sys.stderr.flush()
        pid = os.fork()
        if pid == 0:
            try:
                os.setpgid(0, 0)
                conn.close()
                child(req, fds)
            finally:
                os._exit(70)
        try:
            os.setpgid(pid, pid)
        except OSError:
            pass  # the child did it, or has already exited
        for fd in fds:
            os.close(fd)
        children[pid] = conn
        send(conn, "pid", pid)
        sel.register(conn, selectors.EVENT_READ, pid)

    def reap():
        try:
            while os.read(wake_r, 4096):
                pass
        except BlockingIOError:
            pass
        while children:
            try:
                pid, status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                return
            if pid == 0:
                return
            if pid not in children:
                continue  # a process the preload started, not a batch
            conn = children.pop(pid)
            # What the agent does after a command: its leftovers go with it.
            try:
                os.killpg(pid, signal.SIGKILL)
            except OSError:
                pass
            if os.WIFSIGNALED(status):
                how = ("signal", os.WTERMSIG(status))
            else:
                how = ("exit", os.waitstatus_to_exitcode(status))
            sys.stderr.write("paratest: warm pytest server: batch in child %d: %s %d%s\n" % (
                pid, *how, "" if conn else " (its client had gone)"))
            sys.stderr.flush()
            if conn is not None:
                send(conn, *how)
                close(conn)

    while True:
        for key, _ in sel.select():
            if key.data == "accept":
                accept()
            elif key.data == "reap":
                reap()
            else:
                # The client went (its batch was killed), or wrote more than
                # it should: its child goes, and is reaped as any other.
                pid, conn = key.data, key.fileobj
                try:
                    if conn.recv(1):
                        continue
                except OSError:
                    pass
                try:
                    os.killpg(pid, signal.SIGKILL)
                except OSError:
                    pass
                children[pid] = None
                close(conn)


def parse_request(data):
    """A client's request (internal/agent/warm.go describes it), or None while
    data holds only its start."""
    fields = data.split(b"\0")[:-1]  # the complete ones
    if fields and fields[0] != b"PARATEST-WARM 1":
        raise ValueError("not a paratest warm request")
    if len(fields) < 3:
        return None
    n = int(fields[2])
    if len(fields) < 4 + n:
        return None
    m = int(fields[3 + n])
    if len(fields) < 4 + n + m:
        return None
    return {
        "cwd": os.fsdecode(fields[1]),
        "argv": [os.fsdecode(f) for f in fields[3:3 + n]],
        "env": [os.fsdecode(f) for f in fields[4 + n:4 + n + m]],
    }


if __name__ == "__main__":
    if sys.argv[1:2] == ["serve"]:
        sys.exit(serve(sys.argv))
    sys.exit(main(sys.argv))
