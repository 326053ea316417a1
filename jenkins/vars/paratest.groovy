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
// Groovy 2.4 and CPS: code that calls steps is plain CPS code (no closures over
// collections); the helpers that walk collections or strings are @NonCPS and call
// no steps.
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
        sha256                 : null,   // ... and check it against this sum
        binaryUrl              : 'https://github.com/jenkins-paratest/jenkins-paratest/releases/download/v{version}/jenkins-paratest-{version}-linux-amd64',
        publishJunit           : true,
        keepTestNames          : false,
        flakyHandler           : false,
        attachments            : false,
        archive                : true,
        commentOnPR            : true,
        name                   : null,   // tells several calls in one build apart
        failOnError            : true,
    ]
}

def call(Map config = [:]) {
    Map checked = settings(config)
    if (checked.problems) {
        error('paratest: ' + checked.problems.join('; '))
    }
    Map cfg = checked.settings
    String out = cfg.out
    String tag = cfg.name ? ' (' + cfg.name + ')' : ''
    String tmp = pwd(tmp: true)
    String stderrFile = tmp + '/jenkins-paratest/' + fileKey(cfg) + '.stderr'
    List runEnv = argumentEnv(commandLine(cfg, env.BUILD_TAG))
    runEnv << 'JENKINS_PARATEST_OUT=' + out
    runEnv << 'JENKINS_PARATEST_STDERR=' + stderrFile

    int rc = -1
    boolean started = false
    Throwable primary = null
    try {
        if (cfg.version) {
            runEnv << 'PATH+PARATEST=' + install(cfg, tmp, tag)
        }
        String script = libraryResource('jenkins-paratest/run.sh')
        withEnv(runEnv) {
            withSsh(cfg) {
                started = true
                rc = sh(label: 'paratest: run' + tag, returnStatus: true, script: script)
            }
        }
    } catch (Throwable t) {
        primary = t
        throw t
    } finally {
        if (started) {
            // After an error or an abort the reports may be partial or missing:
            // publish what there is, but never let that hide the real error.
            publish(cfg, rc, primary != null || rc < 0 || rc >= 2)
        } else {
            echo('paratest: jenkins-paratest did not run; nothing to publish')
        }
    }

    Map outcome = describe(rc)
    outcome.out = out
    outcome.headline = null
    outcome.message = null
    String summaryFile = out + '/summary.md'
    String summary = fileExists(summaryFile) ? readFile(summaryFile) : null
    if (summary != null) {
        outcome.headline = headline(summary)
    }
    if (rc >= 2) {
        String stderr = fileExists(stderrFile) ? readFile(stderrFile) : ''
        outcome.message = errorMessage(rc, outcome.meaning, lastErrorLine(stderr), outcome.headline)
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

/** Downloads the pinned release into tmp and returns the directory holding it. */
def install(Map cfg, String tmp, String tag) {
    String version = cfg.version
    String dir = tmp + '/jenkins-paratest/' + version
    String url = cfg.binaryUrl.replace('{version}', version)
    String script = libraryResource('jenkins-paratest/install.sh')
    int status = -1
    withEnv(['JENKINS_PARATEST_URL=' + url, 'JENKINS_PARATEST_SHA256=' + cfg.sha256, 'JENKINS_PARATEST_DIR=' + dir]) {
        status = sh(label: 'paratest: install ' + version + tag, returnStatus: true, script: script)
    }
    if (status != 0) {
        error('paratest: could not install jenkins-paratest ' + version + ' from ' + url +
              ' (exit ' + status + '): the download or its sha256 check failed, see the log above')
    }
    return dir
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
    if (cfg.publishJunit) {
        Map args = [testResults: cfg.out + '/junit/*.xml',
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
            archiveArtifacts(artifacts: cfg.out + '/**', allowEmptyArchive: true)
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
    if (first != null && !failing) {
        throw first
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
    Map cfg = new LinkedHashMap(d)
    for (def e : (config ?: [:]).entrySet()) {
        String key = e.key.toString()
        if (!d.containsKey(key)) {
            problems << "unknown option '" + key + "' (options: " + d.keySet().join(', ') + ')'
        } else {
            cfg[key] = e.value
        }
    }
    for (String key : ['config', 'matrix', 'credentialsId', 'knownHosts', 'knownHostsCredentialsId',
                       'version', 'sha256', 'name']) {
        if (cfg[key] != null && !(cfg[key] instanceof CharSequence)) {
            problems << key + ': want a string, got ' + typeName(cfg[key])
        } else if (cfg[key] != null) {
            cfg[key] = cfg[key].toString()
            if (cfg[key].isEmpty()) {
                cfg[key] = null
            }
        }
    }
    for (String key : ['publishJunit', 'keepTestNames', 'flakyHandler', 'attachments', 'archive',
                       'commentOnPR', 'failOnError']) {
        if (!(cfg[key] instanceof Boolean)) {
            problems << key + ': want true or false, got ' + cfg[key]
        }
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
        List parts = out.split('/') as List
        if (out.startsWith('/') || out == '.' || parts.contains('..') ||
                out.indexOf('*') >= 0 || out.indexOf('?') >= 0 || out.indexOf(',') >= 0 || out.indexOf('\\') >= 0) {
            problems << "out: want a directory below the workspace, without '..', '*', '?', ',' or '\\', got '" + out + "'"
        }
    }

    def args = cfg.args
    if (args == null) {
        args = []
    }
    if (args instanceof Object[]) {
        args = args as List
    }
    if (!(args instanceof List)) {
        problems << 'args: want a List of strings, one per argument (e.g. [\'--workers\', \'8\']), got ' +
                    typeName(args)
        args = []
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
    if (agentCreds == null) {
        agentCreds = []
    } else if (agentCreds instanceof CharSequence) {
        agentCreds = [agentCreds.toString()]
    } else if (agentCreds instanceof List) {
        agentCreds = agentCreds.collect { it.toString() }
    } else {
        problems << 'sshagentCredentials: want a List of credential ids'
        agentCreds = []
    }
    cfg.sshagentCredentials = agentCreds

    if (cfg.knownHosts && cfg.knownHostsCredentialsId) {
        problems << 'knownHosts and knownHostsCredentialsId: give one of them'
    }

    if ((cfg.version == null) != (cfg.sha256 == null)) {
        problems << 'version and sha256: give both (a pinned download) or neither (jenkins-paratest on PATH)'
    }
    if (cfg.version != null) {
        if (cfg.version.startsWith('v')) {
            cfg.version = cfg.version.substring(1)
        }
        if (!cfg.version.matches('[0-9A-Za-z][0-9A-Za-z.+_-]*')) {
            problems << "version: want a release version like '1.2.3', got '" + cfg.version + "'"
        }
    }
    if (cfg.sha256 != null) {
        if (!cfg.sha256.matches('[0-9A-Fa-f]{64}')) {
            problems << 'sha256: want the 64 hex digits of the release binary\'s sha256'
        }
        cfg.sha256 = cfg.sha256.toLowerCase()
    }
    if (!(cfg.binaryUrl instanceof CharSequence) || !cfg.binaryUrl.toString().contains('{version}')) {
        problems << 'binaryUrl: want a URL template containing {version}'
    } else {
        cfg.binaryUrl = cfg.binaryUrl.toString()
    }
    if (cfg.name != null && !cfg.name.matches('[A-Za-z0-9._-]+')) {
        problems << "name: want letters, digits, '.', '_' or '-', got '" + cfg.name + "'"
    }
    return [settings: cfg, problems: problems]
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
    if (cfg.name && !cfg.args.any { it == '--run-id' || it.startsWith('--run-id=') }) {
        argv << '--run-id=' + callRunId(buildTag, cfg.name)
    }
    if (cfg.config) {
        argv << '--config=' + cfg.config
    }
    if (cfg.matrix) {
        argv << '--matrix=' + cfg.matrix
    }
    if (cfg.knownHosts) {
        argv << '--known-hosts=' + cfg.knownHosts
    }
    argv.addAll(cfg.args)
    return argv
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
    return (cfg.name ? cfg.name + '-' : '') + cfg.out.replaceAll('[^A-Za-z0-9._-]', '_')
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
        pr.editComment(id as long, body)
        return 'updated pull request comment ' + id
    }
    pr.comment(body)
    return 'commented on the pull request'
}
