// The `paratest` pipeline step: runs jenkins-paratest on the agent, publishes its
// JUnit reports and artifacts, comments on the pull request, and turns the exit
// code into the build result. Help: vars/paratest.txt; examples: examples/.
//
// How values reach the binary: the `sh` scripts are library resources
// (resources/jenkins-paratest/*.sh), constant text in which Groovy interpolates
// nothing. The command line travels as environment variables, one per argument
// (JENKINS_PARATEST_ARGC, JENKINS_PARATEST_ARG_1 … _N), and run.sh rebuilds "$@"
// from them, so an argument reaches the binary byte for byte whatever it holds.
//
// Exit codes: 0 nothing more; 1 leave the verdict to junit (UNSTABLE), with
// unstable() as a safety net when junit recorded no failure; 2 and more fail the
// step with `paratest: exit N (meaning): <line>`, where <line> is the binary's
// `jenkins-paratest: …` stderr line (run.sh collects stderr in a file under
// pwd(tmp: true) and the step reads it back), else summary.md's first line. junit
// gets allowEmptyResults: false only after exit 1 (which promises reports); after
// an error or abort, junit and archiveArtifacts failures are only warnings, so
// they never hide the real error.
//
// Steps, in order: "paratest: install <version>" (a pinned download),
// "paratest: check hosts" (a matrix), "paratest: run", junit and
// archiveArtifacts, then "paratest: failed <test>" per failed test (at most
// failureSteps; run.sh collects them from the JUnit files). Only the reports of
// this run are published: run.sh leaves <stderr>.fresh once the binary emptied
// out, and before that out holds an earlier build's files, which stay there for
// the binary to read as timing history.
//
// Groovy 2.4 and CPS: code that calls steps is plain CPS code (no closures over
// collections); the helpers that walk collections or strings are @NonCPS and call
// no steps. The script sandbox: every call is in script-security's whitelists
// (jenkins/test/SandboxTest.groovy checks it); give a Map's value a type before
// calling a method on it (String s = cfg.x), so that the check can resolve it.
import com.cloudbees.groovy.cps.NonCPS

/** The options of the step and their defaults. */
@NonCPS
Map defaults() {
    return [
        config                 : null,   // --config FILE (default ./paratest.yml when present)
        matrix                 : null,   // --matrix FILE: hosts over SSH; none = the local engine
        out                    : 'paratest-out',
        args                   : [],     // more command-line arguments, a List of strings
        credentialsId          : null,   // SSH private key credential
        sshagentCredentials    : [],     // credentials for sshagent (ssh-agent plugin)
        knownHosts             : null,   // --known-hosts FILE on the agent
        knownHostsCredentialsId: null,   // Secret file credential holding known_hosts
        version                : null,   // download this release ...
        sha256                 : null,   // ... and check its archive: a sum, or [amd64: …, arm64: …]
        binaryUrl              : 'https://github.com/jenkins-paratest/jenkins-paratest/releases/download/v{version}/jenkins-paratest-{version}-linux-{arch}.tar.gz',
        tool                   : null,   // a Jenkins tool installation holding the binary
        checkHosts             : true,   // with a matrix: `jenkins-paratest check` first
        failureSteps           : 10,     // at most this many "paratest: failed <test>" steps
        workerLogSteps         : false,  // a step per worker with failures: its log's tail
        hideHousekeeping       : false,  // hideFromView (Pipeline Graph View) around housekeeping steps
        publishJunit           : true,
        keepTestNames          : false,
        flakyHandler           : false,
        attachments            : false,
        archive                : true,
        publishTimeline        : true,   // publishHTML timeline.html when the HTML Publisher plugin is there
        commentOnPR            : true,
        name                   : null,   // tells several calls in one build apart
        failOnError            : true,
    ]
}

def call(Map config = [:]) {
    Map checked = settings(config)
    List problems = checked.problems
    if (problems) {
        error('paratest: ' + problems.join('; '))
    }
    Map cfg = checked.settings
    String out = cfg.out
    String tag = cfg.name ? ' (' + cfg.name + ')' : ''
    String tmp = housekeeping(cfg) { pwd(tmp: true) }
    String scratch = tmp + '/jenkins-paratest/' + fileKey(cfg)
    String stderrFile = scratch + '.stderr'
    String failures = scratch + '.failures'
    String script = housekeeping(cfg) { libraryResource('jenkins-paratest/run.sh') }
    List runEnv = argumentEnv(commandLine(cfg, env.BUILD_TAG))
    runEnv << 'JENKINS_PARATEST_OUT=' + out
    runEnv << 'JENKINS_PARATEST_STDERR=' + stderrFile
    runEnv << 'JENKINS_PARATEST_FAILURES=' + failures
    runEnv << 'JENKINS_PARATEST_FAILURE_STEPS=' + cfg.failureSteps
    runEnv << 'JENKINS_PARATEST_WORKER_LOGS=' + (cfg.workerLogSteps ? '1' : '0')

    int rc = -1
    boolean started = false
    boolean fresh = false
    Throwable primary = null
    try {
        List binary = binaryEnv(cfg, tmp, tag)
        withEnv(binary) {
            withSsh(cfg) {
                if (cfg.matrix && cfg.checkHosts) {
                    checkHosts(cfg, script, scratch, tag)
                }
                withEnv(runEnv) {
                    started = true
                    rc = sh(label: 'paratest: run' + tag, returnStatus: true, script: script)
                }
            }
        }
    } catch (Throwable t) {
        primary = t
        throw t
    } finally {
        if (started) {
            // run.sh leaves <stderr>.fresh once the binary emptied out for this run:
            // before that, what out holds is an earlier build's, never to be
            // published as this one's.
            fresh = housekeeping(cfg) { fileExists(stderrFile + '.fresh') }
            if (fresh) {
                // After an error or an abort the reports may be partial or missing:
                // publish what there is, but never let that hide the real error.
                publish(cfg, rc, primary != null || rc < 0 || rc >= 2)
            } else {
                echo('paratest: jenkins-paratest stopped before it emptied ' + out +
                     ': nothing of this run to publish (what is there is an earlier build\'s)')
            }
        } else {
            echo('paratest: jenkins-paratest did not run; nothing to publish')
        }
    }

    Map outcome = describe(rc)
    outcome.out = out
    outcome.headline = null
    outcome.message = null
    String summaryFile = out + '/summary.md'
    String summary = null
    boolean haveSummary = fresh && housekeeping(cfg) { fileExists(summaryFile) }
    if (haveSummary) {
        summary = housekeeping(cfg) { readFile(summaryFile) }
        outcome.headline = headline(summary)
    }
    if (rc >= 2) {
        String stderr = housekeeping(cfg) { fileExists(stderrFile) ? readFile(stderrFile) : '' }
        outcome.message = errorMessage(rc, outcome.meaning, lastErrorLine(stderr), outcome.headline)
    }
    if (fresh && cfg.failureSteps > 0) {
        showFailures(cfg, failures)
    }

    if (cfg.commentOnPR && env.CHANGE_ID) {
        commentOnPullRequest(cfg, summary, outcome.message)
    }

    if (rc == 1 && !cfg.junitFailures) {
        // exit 1 means tests failed: make sure the build shows it even when junit
        // was not run or recorded no failure (a run whose tests got no verdict).
        unstable('paratest: tests failed (exit 1)' + (outcome.headline ? ': ' + outcome.headline : ''))
    }
    if (rc >= 2) {
        if (cfg.failOnError) {
            error(outcome.message)
        }
        echo('WARNING: ' + outcome.message)
    }
    return outcome
}

// ---------------------------------------------------------------- CPS helpers

/**
 * Runs body, inside hideFromView (Pipeline Graph View) when hideHousekeeping is
 * set: for the steps that only read or find things, which a reader of the run
 * does not need to see.
 */
def housekeeping(Map cfg, Closure body) {
    if (cfg.hideHousekeeping) {
        return hideFromView {
            body()
        }
    }
    return body()
}

/**
 * The withEnv entries that make the binary found: none when it is expected on
 * PATH; else JENKINS_PARATEST_HOME, which run.sh uses before PATH (a PATH+ entry
 * does not reliably reach a docker.inside container), and PATH+PARATEST.
 */
def binaryEnv(Map cfg, String tmp, String tag) {
    String home = null
    if (cfg.tool) {
        home = housekeeping(cfg) { tool(name: cfg.tool) }
    } else if (cfg.version) {
        home = install(cfg, tmp, tag)
    }
    if (home == null) {
        return []
    }
    return ['JENKINS_PARATEST_HOME=' + home, 'PATH+PARATEST=' + home + ':' + home + '/bin']
}

/** Downloads the pinned release into tmp and returns the directory holding its bin/. */
def install(Map cfg, String tmp, String tag) {
    String version = cfg.version
    String dir = tmp + '/jenkins-paratest/' + version
    String template = cfg.binaryUrl
    String url = template.replace('{version}', version)
    String script = housekeeping(cfg) { libraryResource('jenkins-paratest/install.sh') }
    int status = -1
    withEnv(installEnv(url, dir, cfg.sha256)) {
        status = sh(label: 'paratest: install ' + version + tag, returnStatus: true, script: script)
    }
    if (status != 0) {
        error('paratest: could not install jenkins-paratest ' + version + ' from ' + url +
              ' (exit ' + status + '): the download or its sha256 check failed, see the log above')
    }
    return dir + '/bin'
}

/**
 * "paratest: check hosts": `jenkins-paratest check` with the run's configuration,
 * so that the log says which host is unusable before the run. It only informs: the
 * run goes on with the hosts that answer, and reports its own errors.
 */
def checkHosts(Map cfg, String script, String scratch, String tag) {
    List checkEnv = argumentEnv(checkCommandLine(cfg))
    checkEnv << 'JENKINS_PARATEST_STDERR=' + scratch + '.check.stderr'
    int status = -1
    withEnv(checkEnv) {
        status = sh(label: 'paratest: check hosts' + tag, returnStatus: true, script: script)
    }
    if (status != 0) {
        echo('WARNING: paratest: check hosts: exit ' + status + ' (' + describe(status).meaning +
             '); the run goes on, on the hosts that answer')
    }
}

/**
 * One "paratest: failed <test>" step per failed test that run.sh collected (at
 * most failureSteps), whose log is the test's output; with workerLogSteps, one
 * "paratest: worker log <worker>" step per worker of those tests.
 */
def showFailures(Map cfg, String failures) {
    String index = failures + '/index'
    boolean collected = housekeeping(cfg) { fileExists(index) }
    if (!collected) {
        return
    }
    List entries = failureEntries(housekeeping(cfg) { readFile(index) })
    if (entries.isEmpty()) {
        return
    }
    String script = housekeeping(cfg) { libraryResource('jenkins-paratest/show.sh') }
    for (int i = 0; i < entries.size(); i++) {
        Map e = entries[i]
        if (e.file == null) {
            echo(e.label)
            continue
        }
        withEnv(['JENKINS_PARATEST_SHOW=' + e.file]) {
            sh(label: e.label, script: script)
        }
    }
}

/** Runs body with the SSH credentials the options name. */
def withSsh(Map cfg, Closure body) {
    List bindings = []
    if (cfg.credentialsId) {
        bindings << sshUserPrivateKey(credentialsId: cfg.credentialsId,
                                      keyFileVariable: 'PARATEST_IDENTITY',
                                      usernameVariable: 'PARATEST_SSH_USER',
                                      passphraseVariable: 'PARATEST_SSH_PASSPHRASE')
    }
    if (cfg.knownHostsCredentialsId) {
        bindings << file(credentialsId: cfg.knownHostsCredentialsId, variable: 'PARATEST_KNOWN_HOSTS')
    }
    if (cfg.sshagentCredentials) {
        sshagent(credentials: cfg.sshagentCredentials) {
            withBindings(bindings, body)
        }
    } else {
        withBindings(bindings, body)
    }
}

def withBindings(List bindings, Closure body) {
    if (bindings) {
        withCredentials(bindings) {
            body()
        }
    } else {
        body()
    }
}

/**
 * junit, then archiveArtifacts. When failing is true (an error or abort is on its
 * way) their own failures are only reported; otherwise the first one is rethrown
 * after both ran. Records in cfg.junitFailures whether junit counted failures.
 */
def publish(Map cfg, int rc, boolean failing) {
    Throwable first = null
    String out = cfg.out
    if (cfg.publishJunit) {
        Map args = [testResults: out + '/junit/*.xml',
                    // exit 1 promises reports; otherwise there may be none
                    allowEmptyResults: rc != 1]
        List publishers = []
        if (cfg.attachments) {
            publishers << attachments()
        }
        if (cfg.flakyHandler) {
            publishers << junitFlakyTestPublisher()
        }
        if (publishers) {
            args.testDataPublishers = publishers
        }
        if (cfg.keepTestNames) {
            args.keepTestNames = true
        }
        try {
            def result = junit(args)
            cfg.junitFailures = result != null && result.failCount > 0
        } catch (Exception e) {
            if (e instanceof InterruptedException) {
                throw e
            }
            echo('WARNING: paratest: junit failed: ' + e.message)
            first = e
        }
    }
    if (cfg.archive) {
        try {
            archiveArtifacts(artifacts: out + '/**', allowEmptyArchive: true)
        } catch (Exception e) {
            if (e instanceof InterruptedException) {
                throw e
            }
            echo('WARNING: paratest: archiveArtifacts failed: ' + e.message)
            if (first == null) {
                first = e
            }
        }
    }
    if (cfg.publishTimeline) {
        publishTimeline(cfg)
    }
    if (first != null && !failing) {
        throw first
    }
}

/**
 * Publishes timeline.html with the HTML Publisher plugin: a link on the build's
 * page, served under Jenkins' CSP, which the page is made for. Without the
 * plugin (the step is missing: NoSuchMethodError) it says so; the page is in
 * the archived artifacts all the same. Never fails the step.
 */
def publishTimeline(Map cfg) {
    String out = cfg.out
    String name = cfg.name ? 'paratest timeline (' + cfg.name + ')' : 'paratest timeline'
    try {
        publishHTML(target: [reportDir: out, reportFiles: 'timeline.html', reportName: name,
                             keepAll: true, allowMissing: true, alwaysLinkToLastBuild: false])
    } catch (NoSuchMethodError e) {
        echo('paratest: no publishHTML step (HTML Publisher plugin) to link ' + out + '/timeline.html from the build; ' +
             'it is among the archived artifacts')
    } catch (Exception e) {
        if (e instanceof InterruptedException) {
            throw e
        }
        echo('WARNING: paratest: publishHTML failed: ' + e.message)
    }
}

/** Posts summary.md on the pull request, or edits our earlier comment. Never fails. */
def commentOnPullRequest(Map cfg, String summary, String message) {
    String marker = commentMarker(cfg.name)
    String body = commentBody(marker, summary, message, env.BUILD_URL)
    if (body == null) {
        echo('paratest: no ' + cfg.out + '/summary.md to comment with')
        return
    }
    try {
        echo('paratest: ' + upsertComment(pullRequest, marker, body))
    } catch (Throwable e) {
        if (e instanceof InterruptedException) {
            throw e
        }
        echo('WARNING: paratest: could not comment on the pull request (is the Pipeline: GitHub plugin ' +
             'installed and the job a GitHub pull request?): ' + e.toString())
    }
}

// ------------------------------------------------------------- @NonCPS helpers

/**
 * Merges config over the defaults and checks it. Returns [settings: Map,
 * problems: List of Strings]; the step fails on any problem before it runs.
 */
@NonCPS
Map settings(Map config) {
    Map d = defaults()
    List problems = []
    // [:] and putAll, not new LinkedHashMap(d): that constructor is not in the
    // script sandbox's whitelist (jenkins/test/SandboxTest.groovy checks every call).
    Map cfg = [:]
    cfg.putAll(d)
    for (def e : (config ?: [:]).entrySet()) {
        String key = e.key.toString()
        if (!d.containsKey(key)) {
            problems << "unknown option '" + key + "' (options: " + d.keySet().join(', ') + ')'
        } else {
            cfg[key] = e.value
        }
    }
    for (String key : ['config', 'matrix', 'credentialsId', 'knownHosts', 'knownHostsCredentialsId',
                       'version', 'tool', 'name']) {
        if (cfg[key] != null && !(cfg[key] instanceof CharSequence)) {
            problems << key + ': want a string, got ' + typeName(cfg[key])
        } else if (cfg[key] != null) {
            String value = cfg[key].toString()
            cfg[key] = value.isEmpty() ? null : value
        }
    }
    for (String key : ['publishJunit', 'keepTestNames', 'flakyHandler', 'attachments', 'archive',
                       'publishTimeline', 'commentOnPR', 'failOnError', 'checkHosts', 'workerLogSteps',
                       'hideHousekeeping']) {
        if (!(cfg[key] instanceof Boolean)) {
            problems << key + ': want true or false, got ' + cfg[key]
        }
    }
    def steps = cfg.failureSteps
    if (!(steps instanceof Integer || steps instanceof Long) || steps < 0 || steps > 100) {
        problems << 'failureSteps: want a whole number from 0 (none) to 100, got ' + steps
    } else {
        cfg.failureSteps = ((Number) steps).intValue()
    }

    def out = cfg.out
    if (!(out instanceof CharSequence) || out.toString().isEmpty()) {
        problems << 'out: want a directory relative to the workspace'
    } else {
        out = out.toString()
        while (out.length() > 1 && out.endsWith('/')) {
            out = out.substring(0, out.length() - 1)
        }
        cfg.out = out
        boolean up = false
        for (String part : out.split('/')) {
            if (part == '..') {
                up = true
            }
        }
        if (out.startsWith('/') || out == '.' || up ||
                out.indexOf('*') >= 0 || out.indexOf('?') >= 0 || out.indexOf(',') >= 0 || out.indexOf('\\') >= 0) {
            problems << "out: want a directory below the workspace, without '..', '*', '?', ',' or '\\', got '" + out + "'"
        }
    }

    def given = cfg.args
    List args = []
    if (given instanceof List) {
        args = (List) given
    } else if (given instanceof Object[]) {
        args = Arrays.asList((Object[]) given)
    } else if (given != null) {
        problems << 'args: want a List of strings, one per argument (e.g. [\'--workers\', \'8\']), got ' +
                    typeName(given)
    }
    List argList = []
    for (def a : args) {
        if (a == null) {
            problems << 'args: an argument is null'
            continue
        }
        String s = a.toString()
        if (s.indexOf('\u0000') >= 0) {
            problems << 'args: an argument holds a NUL character'
        }
        if (s == '--out' || s.startsWith('--out=')) {
            problems << "args: give the output directory as the out option, not '--out', so junit and archiveArtifacts find it"
        }
        argList << s
    }
    cfg.args = argList

    def agentCreds = cfg.sshagentCredentials
    List agentList = []
    if (agentCreds instanceof CharSequence) {
        agentList << agentCreds.toString()
    } else if (agentCreds instanceof List) {
        for (def c : (List) agentCreds) {
            agentList << String.valueOf(c)
        }
    } else if (agentCreds != null) {
        problems << 'sshagentCredentials: want a List of credential ids'
    }
    cfg.sshagentCredentials = agentList

    if (cfg.knownHosts && cfg.knownHostsCredentialsId) {
        problems << 'knownHosts and knownHostsCredentialsId: give one of them'
    }

    if ((cfg.version == null) != (cfg.sha256 == null)) {
        problems << 'version and sha256: give both (a pinned download) or neither (jenkins-paratest on PATH, or tool)'
    }
    if (cfg.version != null && cfg.tool != null) {
        problems << 'version and tool: give one of them'
    }
    if (cfg.version != null) {
        String version = cfg.version
        if (version.startsWith('v')) {
            version = version.substring(1)
        }
        if (!version.matches('[0-9A-Za-z][0-9A-Za-z.+_-]*')) {
            problems << "version: want a release version like '1.2.3', got '" + version + "'"
        }
        cfg.version = version
    }
    if (cfg.sha256 != null) {
        Map sums = archiveSums(cfg.sha256, problems)
        cfg.sha256 = sums
    }
    if (!(cfg.binaryUrl instanceof CharSequence) || !cfg.binaryUrl.toString().contains('{version}')) {
        problems << 'binaryUrl: want a URL template containing {version} (and {arch}, amd64 or arm64)'
    } else {
        cfg.binaryUrl = cfg.binaryUrl.toString()
    }
    String name = cfg.name
    if (name != null && !name.matches('[A-Za-z0-9._-]+')) {
        problems << "name: want letters, digits, '.', '_' or '-', got '" + name + "'"
    }
    return [settings: cfg, problems: problems]
}

/**
 * The sha256 option as [amd64: sum, arm64: sum]: one sum (a single architecture's
 * archive; the other architecture then fails its check) or a map by architecture,
 * each 64 hex digits, lower-cased. Problems are added to problems.
 */
@NonCPS
Map archiveSums(def given, List problems) {
    Map sums = [:]
    if (given instanceof CharSequence) {
        sums.amd64 = given.toString()
        sums.arm64 = given.toString()
    } else if (given instanceof Map) {
        for (def e : given.entrySet()) {
            String arch = String.valueOf(e.key)
            if (arch != 'amd64' && arch != 'arm64') {
                problems << "sha256: want the architectures amd64 and arm64 as keys, got '" + arch + "'"
            } else {
                sums[arch] = String.valueOf(e.value)
            }
        }
    } else {
        problems << 'sha256: want the archive\'s sha256 (a string), or a map [amd64: …, arm64: …], got ' + typeName(given)
    }
    Map lower = [:]
    for (def e : sums.entrySet()) {
        String sum = e.value
        if (!sum.matches('[0-9A-Fa-f]{64}')) {
            problems << 'sha256: want the 64 hex digits of the release archive\'s sha256 (its line in SHA256SUMS)' +
                        (given instanceof Map ? ' for ' + e.key : '')
        }
        lower[e.key] = sum.toLowerCase()
    }
    return lower
}

/** withEnv entries for install.sh: the URL, the directory and one sum per architecture. */
@NonCPS
List installEnv(String url, String dir, Map sums) {
    List entries = ['JENKINS_PARATEST_URL=' + url, 'JENKINS_PARATEST_DIR=' + dir]
    if (sums.amd64) {
        entries << 'JENKINS_PARATEST_SHA256_AMD64=' + sums.amd64
    }
    if (sums.arm64) {
        entries << 'JENKINS_PARATEST_SHA256_ARM64=' + sums.arm64
    }
    return entries
}

/** A value's kind for messages (getClass() is not allowed in the script sandbox). */
@NonCPS
String typeName(def v) {
    if (v instanceof CharSequence) return 'a string'
    if (v instanceof Boolean) return 'a boolean'
    if (v instanceof Number) return 'a number'
    if (v instanceof Map) return 'a map'
    if (v instanceof List) return 'a list'
    return 'something else'
}

/**
 * The binary's command line: run, the options as flags, then args. A named call
 * gets a run id of its own, the build's tag and its name, unless args give one:
 * two calls of one build on one engine must not share a run id.
 */
@NonCPS
List commandLine(Map cfg, String buildTag) {
    List argv = ['run', '--out=' + cfg.out]
    if (cfg.name && !givesRunId((List) cfg.args)) {
        argv << '--run-id=' + callRunId(buildTag, cfg.name)
    }
    argv.addAll(configFlags(cfg))
    argv.addAll((List) cfg.args)
    return argv
}

/**
 * `check` with the run's configuration: the flags and args, but not --resume,
 * which only `run` takes. No --out: check writes no reports.
 */
@NonCPS
List checkCommandLine(Map cfg) {
    List argv = ['check']
    argv.addAll(configFlags(cfg))
    for (String a : (List) cfg.args) {
        if (a != '--resume' && !a.startsWith('--resume=')) {
            argv << a
        }
    }
    return argv
}

/** --config, --matrix and --known-hosts from the options. */
@NonCPS
List configFlags(Map cfg) {
    List flags = []
    if (cfg.config) {
        flags << '--config=' + cfg.config
    }
    if (cfg.matrix) {
        flags << '--matrix=' + cfg.matrix
    }
    if (cfg.knownHosts) {
        flags << '--known-hosts=' + cfg.knownHosts
    }
    return flags
}

/** Whether args give --run-id themselves. */
@NonCPS
boolean givesRunId(List args) {
    for (String a : args) {
        if (a == '--run-id' || a.startsWith('--run-id=')) {
            return true
        }
    }
    return false
}

/**
 * The run id of a named call: the build's tag with every character a run id
 * cannot hold made '-', then the name; at most 128 characters, the end kept.
 */
@NonCPS
String callRunId(String buildTag, String name) {
    String id = ((buildTag ?: 'jenkins').replaceAll('[^A-Za-z0-9._-]', '-') + '-' + name).replaceAll('^[-._]+', '')
    if (id.length() > 128) {
        id = id.substring(id.length() - 128).replaceAll('^[-._]+', '')
    }
    return id
}

/** withEnv entries carrying argv, one variable per argument. */
@NonCPS
List argumentEnv(List argv) {
    List entries = ['JENKINS_PARATEST_ARGC=' + argv.size()]
    for (int i = 0; i < argv.size(); i++) {
        entries << 'JENKINS_PARATEST_ARG_' + (i + 1) + '=' + argv[i]
    }
    return entries
}

/** A file name for this call's scratch files: calls with different out differ. */
@NonCPS
String fileKey(Map cfg) {
    String name = cfg.name
    String out = cfg.out
    return (name ? name + '-' : '') + out.replaceAll('[^A-Za-z0-9._-]', '_')
}

/**
 * The steps to show from run.sh's index of failures, one line each,
 * "<kind>\t<name>\t<file>": [label:, file:] with file null for the closing
 * "N more" line, which is an echo.
 */
@NonCPS
List failureEntries(String index) {
    List entries = []
    for (String line : index.readLines()) {
        String[] f = line.split('\t', 3)
        if (f.size() != 3) {
            continue
        }
        String name = f[1]
        if (name.length() > 120) {
            name = name.substring(0, 119) + '…'
        }
        if (f[0] == 'test') {
            entries << [label: 'paratest: failed ' + name, file: f[2]]
        } else if (f[0] == 'worker') {
            entries << [label: 'paratest: worker log ' + name, file: f[2]]
        } else if (f[0] == 'more') {
            entries << [label: 'paratest: ' + name + ' more failed ' + (name == '1' ? 'test is' : 'tests are') +
                               ' not shown as steps: see the Tests page', file: null]
        }
    }
    return entries
}

/** What an exit code means: status, meaning and exitCode. */
@NonCPS
Map describe(int rc) {
    Map signals = [1: 'SIGHUP', 2: 'SIGINT', 3: 'SIGQUIT', 6: 'SIGABRT', 9: 'SIGKILL', 13: 'SIGPIPE', 15: 'SIGTERM']
    String status
    String meaning
    if (rc == 0) {
        status = 'PASSED'; meaning = 'all tests passed'
    } else if (rc == 1) {
        status = 'FAILED'; meaning = 'tests failed'
    } else if (rc == 2) {
        status = 'ERROR'; meaning = 'usage or configuration error'
    } else if (rc == 3) {
        status = 'ERROR'; meaning = 'infrastructure error'
    } else if (rc == 126) {
        status = 'ERROR'; meaning = 'jenkins-paratest could not be executed'
    } else if (rc == 127) {
        status = 'ERROR'; meaning = 'jenkins-paratest not found on the agent'
    } else if (rc > 128 && rc < 160) {
        int sig = rc - 128
        status = 'INTERRUPTED'; meaning = 'interrupted by ' + (signals[sig] ?: 'signal ' + sig)
    } else if (rc < 0) {
        status = 'ERROR'; meaning = 'jenkins-paratest did not finish'
    } else {
        status = 'ERROR'; meaning = 'unexpected exit code'
    }
    return [exitCode: rc, status: status, meaning: meaning]
}

/** The line that explains the error: the binary's "jenkins-paratest: …" line, else the last one. */
@NonCPS
String lastErrorLine(String stderr) {
    String last = null
    String ours = null
    for (String line : (stderr ?: '').readLines()) {
        String t = line.trim()
        if (t.isEmpty()) {
            continue
        }
        last = t
        if (t.startsWith('jenkins-paratest:')) {
            ours = t
        }
    }
    String found = ours ?: last
    if (found != null && found.length() > 500) {
        found = found.substring(0, 500) + '…'
    }
    return found
}

/** "paratest: exit 3 (infrastructure error): <detail>". */
@NonCPS
String errorMessage(int rc, String meaning, String detail, String headline) {
    String why = detail ?: headline ?: 'no error message; see the console log above'
    return 'paratest: exit ' + rc + ' (' + meaning + '): ' + why
}

/** The first line of summary.md without its Markdown heading marks. */
@NonCPS
String headline(String summary) {
    for (String line : summary.readLines()) {
        String t = line.trim()
        if (!t.isEmpty()) {
            return t.replaceFirst('^#+\\s*', '')
        }
    }
    return null
}

/** The hidden line that marks our comment; name tells several calls apart. */
@NonCPS
String commentMarker(String name) {
    return name ? '<!-- jenkins-paratest:' + name + ' -->' : '<!-- jenkins-paratest -->'
}

/**
 * The comment: the marker, then summary.md; without a summary, after an error, a
 * short note (so an earlier "PASSED" comment does not stay up). null: nothing to say.
 */
@NonCPS
String commentBody(String marker, String summary, String message, String buildUrl) {
    String text = summary
    if (text == null && message != null) {
        text = '### jenkins-paratest ERROR\n\n' + message.replace('`', "'") + '\n'
        if (buildUrl) {
            text += '\n[Jenkins build](' + buildUrl + ')\n'
        }
    }
    if (text == null) {
        return null
    }
    String body = marker + '\n' + text
    int max = 65535 // GitHub's limit for a comment
    if (body.length() > max) {
        String cut = '\n\n… cut to fit a comment; see the build\'s archived summary.md.\n'
        body = body.substring(0, max - cut.length()) + cut
    }
    return body
}

/**
 * Edits our latest earlier comment (found by marker) or posts a new one; returns
 * what it did. @NonCPS: pullRequest.comments is a one-shot, unserializable stream.
 */
@NonCPS
String upsertComment(def pr, String marker, String body) {
    def id = null
    for (def c : pr.comments) {
        String text = c.body
        if (text != null && text.contains(marker)) {
            id = c.id
        }
    }
    if (id != null) {
        pr.editComment(((Number) id).longValue(), body)
        return 'updated pull request comment ' + id
    }
    pr.comment(body)
    return 'commented on the pull request'
}
