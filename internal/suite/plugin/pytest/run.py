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
client): it runs one pytest session with the batches' arguments, collects the
suite once as a serial run does, and instead of running the items forks a
child per request from that session: a listing's child writes the collected
items, a batch's child runs the items its ids name with pytest's own runtest
protocol, as pytest-xdist's workers run items of the session they collected.

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
        if self.mode not in ("run", "serve"):  # serve: for its batches' children
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
        if report.failed and self.events is not None:  # serve: the log says why
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

    def pytest_collection_finish(self, session):
        if self.mode == "list":
            self.list_items(session.items)

    def list_items(self, items):
        for item in items:
            suite, classname, name = self.names(item.nodeid)
            event = dict(event="item", id=item.nodeid, suite=suite, classname=classname, name=name)
            arg = self.arg(item)
            if arg != item.nodeid:
                event["arg"] = arg
            self.events.emit(**event)

    def pytest_runtestloop(self, session):
        """serve: the server's session never runs its items; it serves
        requests from them (see serve). It returns in a batch's child only,
        after running the batch's items."""
        if self.mode != "serve":
            return None
        if session.testsfailed or not session.items or session.config.option.collectonly:
            return True  # nothing to serve: serve says why
        items = self.server(self, session)
        self.mode = "run"
        session.items = items
        session.testscollected = len(items)
        # What pytest's own pytest_runtestloop does with the items.
        for i, item in enumerate(items):
            nextitem = items[i + 1] if i + 1 < len(items) else None
            item.config.hook.pytest_runtest_protocol(item=item, nextitem=nextitem)
            if session.shouldfail:
                raise session.Failed(session.shouldfail)
            if session.shouldstop:
                raise session.Interrupted(session.shouldstop)
        return True

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
        if self.events is None:  # the server's own session
            return
        # -x or --maxfail stopped the session: the tests not started are not
        # done with, they go back to the queue.
        stopped = session.shouldfail or session.shouldstop
        self.events.emit(event="finish", exitstatus=int(exitstatus), stopped=str(stopped) if stopped else "")


def main(argv):
    if len(argv) < 3 or argv[1] not in ("list", "run"):
        sys.stderr.write("usage: run.py list|run RESULTS [pytest arguments] [-- IDS...]\n")
        return 4
    mode, events, args = argv[1], Events(argv[2]), argv[3:]
    sys.argv[0] = "pytest"  # for pytest's usage messages
    pytest = import_pytest(events)
    if pytest is None:
        return 4
    wanted = None
    if mode == "run":
        wanted = set(split_ids(args)[1])
    else:
        args = ["--collect-only", "-q"] + args
    return pytest.main(args, plugins=[Paratest(events, mode, wanted)])


def import_pytest(events):
    """pytest, with our plugin's hooks ordered; None when python3 has none."""
    try:
        import pytest
    except ImportError as e:
        events.emit(event="nopytest", error=str(e), python=sys.executable)
        sys.stderr.write("jenkins-paratest: %s (%s): the image needs pytest for python3\n" % (e, sys.executable))
        return None
    # trylast: after every other plugin has reordered or deselected.
    Paratest.pytest_collection_modifyitems = pytest.hookimpl(trylast=True)(Paratest.pytest_collection_modifyitems)
    # tryfirst: instead of pytest's own loop, in serve mode.
    Paratest.pytest_runtestloop = pytest.hookimpl(tryfirst=True)(Paratest.pytest_runtestloop)
    return pytest


def split_ids(args):
    """A run command's pytest arguments and its ids: our "--" is the last one."""
    cut = len(args) - 1 - args[::-1].index("--") if "--" in args else len(args)
    return args[:cut], args[cut + 1:]


# The warm server. It runs as long as its container, in a process group of its
# own; its output goes to the worker log.
#
# It writes its pid to SOCKET.pid first, so that a client knows a server is
# loading and waits for it. Then it runs one pytest session with the batches'
# arguments: pytest, its plugins, the conftest files and every test module are
# imported (rewritten by pytest's assertion hook), and the session collects the
# suite as a serial run does (collection hooks, modifyitems, -k, -m and
# deselection included). Our plugin's pytest_runtestloop then takes over from
# pytest's: instead of running the items, the session listens on SOCKET and
# forks a child per request, so that every child starts from the collected,
# never-run session, never from what an earlier batch left. When the session
# does not get there (a conftest that does not import, a collection error, no
# test collected), the server says why and exits: the clients run cold, and
# the cold listing reports the error.
#
# A listing's child (`run.py list RESULTS` with the server's arguments) writes
# the collected items as a cold listing does, without collecting again. A
# batch's child (`run.py run RESULTS` with the server's arguments, then `--`
# and ids the session collected) takes the client's descriptors as 0, 1 and 2
# (pytest's global capture is stopped before and started again after, on them;
# faulthandler writes to the new 2) and its environment, with what the session
# changed in the server's applied over it (a conftest's pytest_configure ran
# there, not in the child). It runs the ids' items in the order a cold batch
# would run them: the order of the ids, then pytest's grouping of items by
# their higher-scoped parameters (with paths in the arguments, which a cold
# batch collects before its ids: the session's order). Each goes through
# pytest's runtest protocol, its next item given so that fixtures tear down as
# in a cold batch, -x and --maxfail honoured; then the session ends as pytest
# ends one (our plugin's "finish", junitxml, pytest_sessionfinish and
# pytest_unconfigure hooks) and the child exits as the interpreter would
# (atexit handlers, flushed streams). Any other command, other arguments, an id
# the session did not collect, another working directory, another python3 or
# other PYTHON* variables (which shape the interpreter at its start) are
# refused: the client runs them cold.


def serve(argv):
    import time
    import traceback

    if len(argv) < 3:
        sys.stderr.write("usage: run.py serve SOCKET [pytest arguments]\n")
        return 4
    path, args = argv[2], argv[3:]
    start = time.monotonic()
    # What a batch must share with the server, taken before the session's
    # conftest files can change it.
    server = Server(path, args, start)
    for leftover in (path, path + ".slow"):
        try:
            os.unlink(leftover)
        except OSError:
            pass
    with open(server.pidfile + ".tmp", "w") as f:
        f.write("%d\n" % os.getpid())
    os.replace(server.pidfile + ".tmp", server.pidfile)

    # The session's own output (pytest's header, its collection) goes to the
    # worker log only when it did not get to serve.
    sys.stdout.flush()
    sys.stderr.flush()
    server.quiet()
    sys.argv = ["pytest", "serve", path] + args
    code = 4
    try:
        pytest = import_pytest(Events(os.devnull))
        if pytest is not None:
            plugin = Paratest(None, "serve", None)
            plugin.server = server.run
            code = pytest.main(args, plugins=[plugin])
    except SystemExit as e:
        code = e.code
    except BaseException:
        traceback.print_exc()
        code = 1
    if server.in_child:
        # A batch's child: pytest.main has ended its session.
        exit_child(code)
    tail = server.loud()
    sys.stderr.write("paratest: warm pytest server: the session (pytest %s) ended with exit code %s before it could serve; batches run cold:\n%s\n" % (
        " ".join(args), int(code) if isinstance(code, int) else code, tail))
    os.unlink(server.pidfile)
    return 1


def exit_child(code):
    """What the interpreter does when a script ends with sys.exit(code)."""
    import atexit

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
        os._exit(int(code) & 0xFF)


class Server:
    """The warm server's socket, its children, and a child's start."""

    def __init__(self, path, args, start):
        import tempfile

        self.path, self.args, self.start = path, args, start
        self.pidfile = path + ".pid"
        self.script = os.path.realpath(__file__)
        self.python = os.path.realpath(sys.executable)
        self.cwd = os.getcwd()
        self.environ = dict(os.environ)
        self.interpreter_env = sorted(kv for kv in ("%s=%s" % kv for kv in os.environ.items()) if kv.startswith("PYTHON"))
        self.log = tempfile.TemporaryFile()
        self.saved = None
        self.in_child = False

    def quiet(self):
        """Until loud, fds 1 and 2 go to a temporary file."""
        self.saved = os.dup(1), os.dup(2)
        os.dup2(self.log.fileno(), 1)
        os.dup2(self.log.fileno(), 2)

    def loud(self):
        """fds 1 and 2 are the worker log's again; the quiet output's tail."""
        sys.stdout.flush()
        sys.stderr.flush()
        if self.saved is not None:
            os.dup2(self.saved[0], 1)
            os.dup2(self.saved[1], 2)
            os.close(self.saved[0])
            os.close(self.saved[1])
            self.saved = None
        self.log.seek(0)
        tail = self.log.read()[-4000:].decode("utf-8", "replace")
        self.log.close()
        return tail

    def refusal(self, req, index):
        """Why req is not for this server, or "" and the request's kind,
        result file and items (None for a listing)."""
        cmd = req.get("argv") or []
        if len(cmd) < 4 or os.path.realpath(cmd[1]) != self.script or cmd[2] not in ("run", "list"):
            return "not a run.py run or list command", None
        env = dict(kv.split("=", 1) for kv in req.get("env", []) if "=" in kv)
        import shutil

        exe = shutil.which(cmd[0], path=env.get("PATH"))
        if not exe or os.path.realpath(exe) != self.python:
            return "another python3 than the server's (%s)" % exe, None
        if req.get("cwd") != self.cwd:
            return "another working directory than the server's (%s)" % self.cwd, None
        if sorted(kv for kv in req.get("env", []) if kv.startswith("PYTHON")) != self.interpreter_env:
            return "other PYTHON* variables than the server's", None
        args, ids = cmd[4:], None
        if cmd[2] == "run":
            args, ids = split_ids(args)
        if args != self.args:
            return "other pytest arguments than the server's", None
        if ids is None:
            return "", ("list", cmd[3], None)
        items, seen = [], set()
        for id in ids:
            item = index.get(id)
            if item is None:
                return "a test its session did not collect (%s)" % id, None
            if item.nodeid not in seen:
                seen.add(item.nodeid)
                items.append(item)
        return "", ("run", cmd[3], items)

    def run(self, plugin, session):
        """Serves requests from session, plugin's: returns only in a batch's
        child, with the items it runs."""
        import gc
        import selectors
        import signal
        import socket
        import time

        index, position = {}, {}
        for i, item in enumerate(session.items):
            index.setdefault(item.nodeid, item)
            index.setdefault(plugin.arg(item), item)
            position.setdefault(item.nodeid, i)
        # What the session changed in the environment (a conftest's
        # pytest_configure), for the children, which take their client's.
        now = dict(os.environ)
        changed = {k: v for k, v in now.items() if self.environ.get(k) != v}
        removed = [k for k in self.environ if k not in now]
        self.loud()

        listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        listener.bind(self.path)
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
        gc.freeze()  # the session's objects stay shared with the children
        sys.stderr.write("paratest: warm pytest server ready in %.2fs, %d tests collected (pid %d, %s)\n" % (
            time.monotonic() - self.start, len(session.items), os.getpid(), self.path))
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

        def child(req, fds, job):
            # Nothing of the server's stays open in the child: a client must
            # see its connection end when the server dies.
            signal.set_wakeup_fd(-1)
            signal.signal(signal.SIGCHLD, signal.SIG_DFL)
            sel.close()
            listener.close()
            for other in children.values():
                if other is not None:
                    other.close()
            os.close(wake_r)
            os.close(wake_w)
            self.in_child = True
            config = session.config
            # pytest's global capture holds the server's 0, 1 and 2 (copies
            # it restores, files it reads back): stopped, it gives them back;
            # started again, it captures the client's.
            capman = config.pluginmanager.getplugin("capturemanager")
            if capman is not None:
                capman.stop_global_capturing()
            for i, fd in enumerate(fds):
                os.dup2(fd, i)
                if fd > 2:
                    os.close(fd)
            if capman is not None:
                capman.start_global_capturing()
                capman.suspend_global_capture()  # as pytest leaves it after its start
            refault(config)
            os.environ.clear()
            os.environ.update(dict(kv.split("=", 1) for kv in req["env"] if "=" in kv))
            os.environ.update(changed)
            for k in removed:
                os.environ.pop(k, None)
            sys.argv = ["pytest"] + req["argv"][2:]
            kind, results, items = job
            plugin.events = Events(results)
            if kind == "list":
                plugin.list_items(session.items)
                plugin.events.emit(event="finish", exitstatus=0, stopped="")
                exit_child(0)
            plugin.wanted = set(item.nodeid for item in items)
            if config.option.file_or_dir:
                # Paths in the arguments: a cold batch collects them before
                # its ids, and keeps its items in the order they come there.
                items.sort(key=lambda item: position[item.nodeid])
            else:
                # pytest groups a batch's items by their higher-scoped
                # parameters.
                session._fixturemanager.pytest_collection_modifyitems(items)
            # The terminal's start of a cold batch: its header (and start
            # time), the count of its items.
            reporter = config.pluginmanager.getplugin("terminalreporter")
            if reporter is not None:
                reporter.stats.pop("deselected", None)
                reporter._numcollected = len(items)
                reporter.pytest_sessionstart(session)
                reporter.report_collect(True)
            return items

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
                return None
            why, job = self.refusal(req, index)
            if why:
                for fd in fds:
                    os.close(fd)
                send(conn, "refuse", why)
                conn.close()
                return None
            sys.stdout.flush()
            sys.stderr.flush()
            pid = os.fork()
            if pid == 0:
                try:
                    os.setpgid(0, 0)
                    conn.close()
                    return child(req, fds, job)
                except BaseException:
                    import traceback

                    traceback.print_exc()
                    exit_child(70)
            try:
                os.setpgid(pid, pid)
            except OSError:
                pass  # the child did it, or has already exited
            for fd in fds:
                os.close(fd)
            children[pid] = conn
            send(conn, "pid", pid)
            sel.register(conn, selectors.EVENT_READ, pid)
            return None

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
                    continue  # a process the session started, not a batch
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
                    items = accept()
                    if items is not None:
                        return items  # in a batch's child
                elif key.data == "reap":
                    reap()
                else:
                    # The client went (its batch was killed), or wrote more
                    # than it should: its child goes, and is reaped as any
                    # other.
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


def refault(config):
    """pytest's faulthandler writes to a copy of the server's 2: to the
    child's, as it would in a cold batch."""
    try:
        from _pytest.faulthandler import fault_handler_stderr_key as key
    except ImportError:
        return
    if key not in config.stash:
        return
    import faulthandler

    faulthandler.disable()
    config.stash[key].close()
    config.stash[key] = open(os.dup(2), "w")
    faulthandler.enable(file=config.stash[key])


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
