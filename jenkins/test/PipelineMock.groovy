import com.cloudbees.groovy.cps.NonCPS

import java.nio.file.Files
import java.util.concurrent.TimeUnit

/** What the error step throws, like Jenkins' hudson.AbortException. */
class PipelineError extends RuntimeException {
    PipelineError(String message) { super(message) }
}

/** What an aborted step throws, like Jenkins' FlowInterruptedException. */
class FakeFlowInterruptedException extends InterruptedException {
    FakeFlowInterruptedException() { super('aborted by a user') }
}

/** pipeline-github's pullRequest global, enough of it for the step. */
class FakePullRequest {
    List<Map> comments = []          // [id: long, body: String, user: String]
    List<String> posted = []
    List<Map> edited = []
    RuntimeException failure         // thrown by comment/editComment when set

    def comment(String body) {
        if (failure) throw failure
        posted << body
        Map c = [id: 9000L + comments.size(), body: body, user: 'jenkins']
        comments << c
        return c
    }

    def editComment(long id, String body) {
        if (failure) throw failure
        edited << [id: id, body: body]
        return [id: id, body: body]
    }
}

/**
 * A Jenkins pipeline run with stub steps, for testing vars/paratest.groovy without
 * a Jenkins server. The step script is parsed by GroovyShell with a Binding that
 * holds one closure per step; each call is recorded (name, arguments, and the
 * environment at that moment). `sh` really runs its script with /bin/sh in a
 * temporary workspace, with the recorded environment, so the library's shell
 * scripts are tested for real against a fake jenkins-paratest (fixtures/fake-paratest).
 */
class PipelineMock {
    static File repo = new File('.').canonicalFile   // the repository root; set by run.groovy

    File lib
    File fixtures
    File root
    File workspace
    File record
    Map<String, String> env = new LinkedHashMap<String, String>()
    List<Map> calls = []
    List<String> log = []
    List<String> nonCpsViolations = []
    FakePullRequest pullRequest
    Closure junitHook        // (Map args) -> result; replaces the default junit
    Closure archiveHook      // (Map args) -> anything; may throw
    Closure shHook           // (Map args) -> null to run the script, else the result
    Script step
    int shCount = 0
    Map<String, String> tools = [:]   // the tool step: installation name -> home
    boolean inContainer              // docker.inside: PATH+ entries do not reach sh steps
    int hidden = 0                   // depth of hideFromView blocks around the current call
    Set<String> missingSteps = []    // steps of plugins not installed: calling one fails as in Jenkins

    PipelineMock(String mode = 'pass') {
        lib = new File(repo, 'jenkins')
        fixtures = new File(lib, 'test/fixtures')
        root = Files.createTempDirectory('paratest-jenkins-test').toFile()
        roots << root
        workspace = new File(root, 'workspace/app')
        workspace.mkdirs()
        record = new File(root, 'record')
        record.mkdirs()
        env.PATH = tool('fake-paratest', 'jenkins-paratest').path + ':/usr/bin:/bin'
        env.HOME = new File(root, 'home').path
        env.WORKSPACE = workspace.path
        env.JOB_NAME = 'app'
        env.BUILD_NUMBER = '42'
        env.BUILD_TAG = 'jenkins-app-42'
        env.BUILD_URL = 'https://ci.example.com/job/app/42/'
        env.FAKE_PARATEST_MODE = mode
        env.FAKE_PARATEST_RECORD = record.path
    }

    /**
     * A copy of fixtures/dir/name in a directory of its own, made executable (a
     * checkout need not keep the mode bits); returns the directory, for PATH.
     */
    File tool(String dir, String name) {
        File d = new File(root, 'tools/' + dir)
        d.mkdirs()
        File f = new File(d, name)
        f.bytes = new File(fixtures, dir + '/' + name).bytes
        f.setExecutable(true)
        return d
    }

    /** Removes the temporary directories of every mock made so far. */
    static void cleanUp() {
        roots.each { it.deleteDir() }
        roots.clear()
    }

    static List<File> roots = []

    /** Runs the paratest step with config and returns what it returned. */
    def run(Map config = [:]) {
        if (step == null) {
            step = load()
        }
        return step.call(config)
    }

    /** Runs the step, expecting it to throw; returns the exception. */
    Throwable runFails(Map config = [:]) {
        try {
            def r = run(config)
            throw new AssertionError((Object) ('expected the step to fail; it returned ' + r))
        } catch (AssertionError e) {
            throw e
        } catch (Throwable t) {
            return t
        }
    }

    Script load() {
        Binding b = new Binding()
        b.setVariable('env', env)
        if (pullRequest != null) {
            b.setVariable('pullRequest', pullRequest)
        }
        steps().each { String name, Closure c ->
            if (missingSteps.contains(name)) {
                // What workflow-cps's DSL throws for a step no plugin provides.
                c = { Object[] a ->
                    throw new NoSuchMethodError("No such DSL method '" + name + "' found among steps [archiveArtifacts, echo, junit, sh, …]")
                }
            }
            b.setVariable(name, c)
        }
        GroovyShell shell = new GroovyShell(getClass().classLoader, b)
        return shell.parse(new File(lib, 'vars/paratest.groovy'))
    }

    /** The recorded calls of one step. */
    List<Map> calls(String name) {
        return calls.findAll { it.name == name }
    }

    /** The index of the first call of name in calls, -1 if none. */
    int indexOf(String name) {
        return calls.findIndexOf { it.name == name }
    }

    /** The arguments the fake binary was run with, in order. */
    List<String> argv() {
        File f = new File(record, 'argv')
        assert f.exists(): 'the fake jenkins-paratest did not run'
        return splitNul(f.getText('UTF-8'))
    }

    /** The SSH variables the fake binary saw. */
    Map<String, String> binaryEnv() {
        Map m = [:]
        splitNul(new File(record, 'env').getText('UTF-8')).each { String kv ->
            int i = kv.indexOf('=')
            m[kv.substring(0, i)] = kv.substring(i + 1)
        }
        return m
    }

    static List<String> splitNul(String s) {
        List<String> parts = s.split('\u0000', -1) as List
        assert parts.last() == ''
        return parts.subList(0, parts.size() - 1)
    }

    String resource(String path) {
        return new File(lib, 'resources/' + path).getText('UTF-8')
    }

    File file(String path) {
        return path.startsWith('/') ? new File(path) : new File(workspace, path)
    }

    // ------------------------------------------------------------------ steps

    private void rec(String name, Object[] args) {
        calls << [name: name, args: args as List, env: new LinkedHashMap(env), hidden: hidden > 0]
        checkNotInNonCps(name)
    }

    /** A step called from a @NonCPS method would fail in Jenkins: record it. */
    private void checkNotInNonCps(String name) {
        if (step == null) return
        for (StackTraceElement f : new Throwable().stackTrace) {
            if (f.className != step.getClass().name) continue
            def m = step.getClass().declaredMethods.find { it.name == f.methodName }
            if (m != null && m.getAnnotation(NonCPS) != null) {
                nonCpsViolations << (name + ' called from @NonCPS ' + f.methodName)
            }
        }
    }

    private Object withEnvironment(Map<String, String> changes, Closure body) {
        Map<String, String> saved = new LinkedHashMap(env)
        changes.each { String k, String v ->
            int plus = k.indexOf('+')
            if (plus > 0 && inContainer) {
                // docker.inside: the sh steps run with the container's PATH, so a
                // PATH+ entry does not find anything there (see run.sh)
            } else if (plus > 0) {
                String base = k.substring(0, plus)
                env[base] = env[base] ? v + ':' + env[base] : v
            } else {
                env[k] = v
            }
        }
        try {
            return body.call()
        } finally {
            env.clear()
            env.putAll(saved)
        }
    }

    Map<String, Closure> steps() {
        return [
            sh                     : { Object a ->
                Map args = a instanceof Map ? a : [script: a.toString()]
                rec('sh', args)
                if (shHook != null) {
                    def r = shHook(args)
                    if (r != null) return r
                }
                return runShell(args)
            },
            junit                  : { Map a ->
                rec('junit', a)
                return junitHook != null ? junitHook(a) : defaultJunit(a)
            },
            archiveArtifacts       : { Map a ->
                rec('archiveArtifacts', a)
                if (archiveHook != null) archiveHook(a)
                return null
            },
            error                  : { String m ->
                rec('error', m)
                throw new PipelineError(m)
            },
            echo                   : { Object m ->
                rec('echo', m)
                log << m.toString()
                return null
            },
            unstable               : { Object m ->
                rec('unstable', m)
                log << ('UNSTABLE: ' + m)
                return null
            },
            readFile               : { Object a ->
                String path = a instanceof Map ? a.file : a.toString()
                rec('readFile', path)
                File f = file(path)
                if (!f.exists()) throw new FileNotFoundException(f.path)
                return f.getText('UTF-8')
            },
            fileExists             : { Object a ->
                String path = a instanceof Map ? a.file : a.toString()
                rec('fileExists', path)
                return file(path).exists()
            },
            writeFile              : { Map a ->
                rec('writeFile', a)
                File f = file(a.file)
                f.parentFile.mkdirs()
                f.setText(a.text, 'UTF-8')
                return null
            },
            pwd                    : { Object[] a ->
                rec('pwd', a)
                boolean tmp = a.length > 0 && a[0] instanceof Map && a[0].tmp
                return tmp ? workspace.path + '@tmp' : workspace.path
            },
            libraryResource        : { String path ->
                rec('libraryResource', path)
                return resource(path)
            },
            withEnv                : { List entries, Closure body ->
                rec('withEnv', entries)
                Map<String, String> changes = [:]
                entries.each { String e ->
                    int i = e.indexOf('=')
                    changes[e.substring(0, i)] = e.substring(i + 1)
                }
                return withEnvironment(changes, body)
            },
            sshUserPrivateKey      : { Map a ->
                rec('sshUserPrivateKey', a)
                return [$class: 'sshUserPrivateKey'] + a
            },
            file                   : { Map a ->
                rec('file', a)
                return [$class: 'file'] + a
            },
            withCredentials        : { List bindings, Closure body ->
                rec('withCredentials', bindings)
                File secrets = new File(workspace.path + '@tmp/secretFiles/' + UUID.randomUUID())
                secrets.mkdirs()
                Map<String, String> changes = [:]
                bindings.each { Map bnd ->
                    if (bnd.$class == 'sshUserPrivateKey') {
                        File key = new File(secrets, 'ssh-key-' + bnd.credentialsId)
                        key.text = '-----BEGIN OPENSSH PRIVATE KEY----- fake ' + bnd.credentialsId + '\n'
                        changes[bnd.keyFileVariable] = key.path
                        if (bnd.usernameVariable) changes[bnd.usernameVariable] = 'tester'
                        if (bnd.passphraseVariable) changes[bnd.passphraseVariable] = 'pass phrase $x'
                    } else if (bnd.$class == 'file') {
                        File f = new File(secrets, 'file-' + bnd.credentialsId)
                        f.text = 'host-a ssh-ed25519 AAAA\n'
                        changes[bnd.variable] = f.path
                    } else {
                        throw new IllegalArgumentException('unknown binding ' + bnd)
                    }
                }
                try {
                    return withEnvironment(changes, body)
                } finally {
                    secrets.deleteDir()
                }
            },
            sshagent               : { Map a, Closure body ->
                rec('sshagent', a)
                return withEnvironment([SSH_AUTH_SOCK: root.path + '/agent.sock'], body)
            },
            tool                   : { Object a ->
                String n = a instanceof Map ? a.name : a.toString()
                rec('tool', a)
                if (!tools.containsKey(n)) throw new PipelineError('Tool type "" does not have an install of "' + n + '" configured')
                return tools[n]
            },
            hideFromView           : { Closure body ->
                rec('hideFromView', new Object[0])
                hidden++
                try {
                    return body.call()
                } finally {
                    hidden--
                }
            },
            attachments            : { ->
                rec('attachments', new Object[0])
                return [$class: 'attachments']
            },
            publishHTML            : { Map a ->
                rec('publishHTML', a)
                return null
            },
            junitFlakyTestPublisher: { ->
                rec('junitFlakyTestPublisher', new Object[0])
                return [$class: 'junitFlakyTestPublisher']
            },
        ]
    }

    /** Runs an sh step's script as Jenkins' durable task would. */
    Object runShell(Map args) {
        String script = args.script
        File dir = new File(workspace.path + '@tmp/durable-' + (++shCount))
        dir.mkdirs()
        File f = new File(dir, 'script.sh')
        f.setText(script, 'UTF-8')
        List<String> cmd
        if (script.startsWith('#!')) {
            cmd = (script.readLines()[0].substring(2).trim().split(/\s+/) as List) + [f.path]
        } else {
            cmd = ['/bin/sh', '-xe', f.path]
        }
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(workspace)
        pb.environment().clear()
        env.each { k, v -> if (v != null) pb.environment().put(k.toString(), v.toString()) }
        if (!args.returnStdout) {
            pb.redirectErrorStream(true)
        }
        Process p = pb.start()
        p.outputStream.close()
        StringBuffer out = new StringBuffer()
        StringBuffer err = new StringBuffer()
        Thread outReader = p.consumeProcessOutputStream(out)
        Thread errReader = p.consumeProcessErrorStream(err)
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly()
            throw new AssertionError((Object) ('sh step did not finish in 60 s: ' + args.label))
        }
        outReader.join()
        errReader.join()
        int rc = p.exitValue()
        String shown = args.returnStdout ? err.toString() : out.toString()
        log.addAll(shown.readLines())
        if (args.returnStatus) return rc
        if (rc != 0) throw new PipelineError('script returned exit code ' + rc)
        return args.returnStdout ? out.toString() : null
    }

    /** junit: finds the files of a "dir/*.xml" pattern and counts failures. */
    Object defaultJunit(Map a) {
        String pattern = a.testResults
        int slash = pattern.lastIndexOf('/')
        File dir = file(pattern.substring(0, slash))
        String glob = pattern.substring(slash + 1)
        assert glob.startsWith('*'): 'the fake junit supports dir/*suffix patterns only'
        String suffix = glob.substring(1)
        List<File> files = dir.isDirectory() ? dir.listFiles().findAll { it.name.endsWith(suffix) } : []
        if (files.isEmpty()) {
            if (!a.allowEmptyResults) throw new PipelineError('No test report files were found. Configuration error?')
            return [failCount: 0, totalCount: 0]
        }
        int failures = files.sum { (it.text =~ /<(failure|error)[ >]/).count } as int
        int total = files.sum { (it.text =~ /<testcase /).count } as int
        return [failCount: failures, totalCount: total]
    }
}
