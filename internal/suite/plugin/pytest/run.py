"""jenkins-paratest's entry point into pytest.

    python3 run.py list RESULTS [pytest arguments]           # collect only
    python3 run.py run RESULTS [pytest arguments] -- IDS...  # run node ids

It runs pytest.main with one plugin object of its own, so the suite's conftest
files, its ini file and PYTHONPATH stay as they are, and writes one JSON object
a line to RESULTS, flushed after each line, so that a line is on disk before
the next test starts: when the process dies (os._exit, a segfault, a kill),
the last "start" without its "done" names the test that was running.

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
    if len(argv) < 3 or argv[1] not in ("list", "run"):
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
    else:
        args = ["--collect-only", "-q"] + args
    # trylast: after every other plugin has reordered or deselected.
    Paratest.pytest_collection_modifyitems = pytest.hookimpl(trylast=True)(Paratest.pytest_collection_modifyitems)
    return pytest.main(args, plugins=[Paratest(events, mode, wanted)])


if __name__ == "__main__":
    sys.exit(main(sys.argv))
