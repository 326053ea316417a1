import java.util.concurrent.TimeUnit
import java.util.regex.Matcher
import java.util.regex.Pattern

/**
 * The step against the real binary: the library's real run.sh runs the real
 * jenkins-paratest (built from this checkout) on PATH, on the local Docker engine,
 * with a tiny offline image (a static busybox in a scratch image) and a generic
 * suite of four shell "tests". junit is replaced by JunitPluginPort, so what the
 * tests check about the reports is what Jenkins' JUnit plugin and the Flaky Test
 * Handler would read from them, and the build result is decided as the junit step
 * decides it (UNSTABLE when it counts a failure).
 *
 * Needs docker, go and /bin/busybox; without them every test here is skipped with
 * the reason, unless PARATEST_REQUIRE_E2E=1 (CI), which makes that a failure.
 * The image and the binary are built once per harness run and removed by
 * cleanUp(); the image carries the label paratest.test=jenkins-contract.
 */
class ContractTest {

    /** Thrown for a test that cannot run here; run.groovy reports it as skipped. */
    static class Skipped extends RuntimeException {
        Skipped(String why) { super(why) }
    }

    static final String LABEL = 'paratest.test=jenkins-contract'
    static final String SUITE = 'contract.calc'

    // The suite: ids "contract/calc.sh::<test>" (suite and class contract.calc).
    // test_flaky fails in round 1 only, test_flaky_error cannot run its command in
    // round 1 (exit 127, an error), test_fail always fails, test_pass sleeps 1 s.
    static final String COMMAND = '''case "$1" in
*::test_pass) sleep 1 ;;
*::test_fail) echo "want 4, got 3"; exit 1 ;;
*::test_flaky) if [ "$PARATEST_ROUND" = 1 ]; then echo "round 1: boom"; exit 1; fi ;;
*::test_flaky_error) if [ "$PARATEST_ROUND" = 1 ]; then exit 127; fi ;;
esac
echo ok'''

    static Map setup            // bin, image, tmp; or skip: reason
    // Names the image and the run ids of this harness run; Groovy 2.4 cannot call
    // ProcessHandle.current() (a static interface method).
    static final String TOKEN = UUID.randomUUID().toString().substring(0, 8)
    static Map<String, Map> runs = [:]

    // ------------------------------------------------------------ set-up

    static synchronized Map need() {
        if (setup == null) {
            try {
                setup = prepare()
            } catch (Throwable t) {
                setup = [error: t.toString()]   // once: the other tests fail the same way
            }
        }
        if (setup.error) {
            throw new AssertionError((Object) ('contract set-up failed: ' + setup.error))
        }
        if (setup.skip) {
            if (System.getenv('PARATEST_REQUIRE_E2E') == '1') {
                throw new AssertionError((Object) ('PARATEST_REQUIRE_E2E=1 but ' + setup.skip))
            }
            throw new Skipped(setup.skip)
        }
        return setup
    }

    static Map prepare() {
        if (exec(['docker', 'info', '--format', '{{.ServerVersion}}'], null, 30).rc != 0) {
            return [skip: 'the Docker engine does not answer (docker info)']
        }
        if (!new File('/bin/busybox').exists()) {
            return [skip: 'no static busybox for the test image (apt-get install busybox-static)']
        }
        if (exec(['go', 'version'], null, 30).rc != 0) {
            return [skip: 'no go to build jenkins-paratest']
        }
        File tmp = java.nio.file.Files.createTempDirectory('paratest-contract').toFile()
        try {
            return prepareIn(tmp)
        } catch (Throwable t) {
            tmp.deleteDir()
            throw t
        }
    }

    static Map prepareIn(File tmp) {
        File bin = new File(tmp, 'bin')
        bin.mkdirs()
        Map b = exec(['go', 'build', '-trimpath', '-o', new File(bin, 'jenkins-paratest').path, './cmd/jenkins-paratest'],
                     ['CGO_ENABLED=0'], 300)
        assert b.rc == 0: 'go build ./cmd/jenkins-paratest failed:\n' + b.out
        String image = 'paratest-jenkins-test/busybox:' + TOKEN
        File root = new File(tmp, 'image')
        ['bin', 'etc', 'tmp'].each { new File(root, it).mkdirs() }
        String applets = 'sh sleep cat echo printf test true false rm mkdir ls kill ps head wc grep'
        Map i = exec(['sh', '-c', 'set -e; cp /bin/busybox "$1/bin/"; chmod 1777 "$1/tmp"; ' +
                      'for a in ' + applets + '; do ln -s busybox "$1/bin/$a"; done; ' +
                      'echo "root:x:0:0:root:/root:/bin/sh" >"$1/etc/passwd"; ' +
                      'tar -C "$1" -cf - . | docker import --change "LABEL ' + LABEL + '" - "$2"',
                      'sh', root.path, image], null, 120)
        assert i.rc == 0: 'docker import of the busybox image failed:\n' + i.out
        return [tmp: tmp, bin: bin.path, image: image]
    }

    /** Removes the image and the binary; run.groovy calls it at the end. */
    static synchronized void cleanUp() {
        if (setup?.image) {
            exec(['docker', 'rmi', '-f', setup.image], null, 60)
            setup.tmp.deleteDir()
        }
        setup = null
        runs.clear()
    }

    static Map exec(List<String> cmd, List<String> env, int seconds) {
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(PipelineMock.repo).redirectErrorStream(true)
        env?.each { String kv -> int eq = kv.indexOf('='); pb.environment().put(kv.substring(0, eq), kv.substring(eq + 1)) }
        Process p
        try {
            p = pb.start()
        } catch (IOException e) {
            return [rc: 127, out: e.message]
        }
        p.outputStream.close()
        StringBuffer out = new StringBuffer()
        p.consumeProcessOutput(out, out)
        if (!p.waitFor(seconds, TimeUnit.SECONDS)) {
            p.destroyForcibly()
            return [rc: -1, out: 'timed out after ' + seconds + ' s: ' + cmd.join(' ')]
        }
        p.waitForProcessOutput(out, out)
        return [rc: p.exitValue(), out: out.toString()]
    }

    // ------------------------------------------------------------ one build

    static String suiteYaml(String image, List<String> tests) {
        String ids = tests.collect { 'contract/calc.sh::' + it }.join(' ')
        return """image: ${image}
pull: never
workers: 2
stream: none
rerun_threshold: 100%
list: 'for id in ${ids}; do echo "\$id"; done'
command: |
${COMMAND.readLines().collect { '  ' + it }.join('\n')}
"""
    }

    /** The build result after the step, as Jenkins would set it. */
    static String worse(String a, String b) {
        List<String> order = ['SUCCESS', 'UNSTABLE', 'FAILURE']
        return order.indexOf(a) >= order.indexOf(b) ? a : b
    }

    /**
     * Runs the step once in a fresh mock on the real binary: tests are the suite's
     * tests, step its options, env more environment. Cached by name: several
     * tests check one build.
     */
    static synchronized Map build(String name, List<String> tests, Map step = [:], Map env = [:]) {
        if (runs[name]) {
            return runs[name]
        }
        Map s = need()
        PipelineMock m = new PipelineMock()
        m.env.PATH = s.bin + ':/usr/bin:/bin'
        m.env.remove('FAKE_PARATEST_MODE')
        m.env.remove('FAKE_PARATEST_RECORD')
        // Own run ids: other harness runs on this engine must not meet ours.
        m.env.BUILD_TAG = 'jenkins-contract-' + TOKEN + '-' + name
        if (System.getenv('DOCKER_HOST')) {
            m.env.DOCKER_HOST = System.getenv('DOCKER_HOST')
        }
        m.env.putAll(env)
        new File(m.workspace, 'paratest.yml').setText(suiteYaml(s.image, tests), 'UTF-8')

        Map b = [mock: m, result: 'SUCCESS', junit: null, flaky: null, files: null, error: null, outcome: null]
        m.junitHook = { Map a ->
            String pattern = a.testResults
            int slash = pattern.lastIndexOf('/')
            assert pattern.substring(slash + 1) == '*.xml'
            File dir = m.file(pattern.substring(0, slash))
            List<File> files = dir.isDirectory() ? dir.listFiles().findAll { it.name.endsWith('.xml') }.sort { it.name } : []
            if (files.isEmpty() && !a.allowEmptyResults) {
                throw new PipelineError('No test report files were found. Configuration error?')
            }
            b.files = files
            b.junit = JunitPluginPort.parse(files)
            if (a.testDataPublishers?.any { it.$class == 'junitFlakyTestPublisher' }) {
                b.flaky = JunitPluginPort.parseFlaky(files)
            }
            if (b.junit.failCount > 0) {
                b.result = worse(b.result, 'UNSTABLE')   // JUnitResultsStepExecution
            }
            return b.junit.summary()
        }
        long t0 = System.nanoTime()
        try {
            b.outcome = m.run(step)
        } catch (PipelineError e) {
            b.error = e
            b.result = 'FAILURE'
        }
        b.ms = (System.nanoTime() - t0).intdiv(1000000)
        if (m.calls('unstable')) {
            b.result = worse(b.result, 'UNSTABLE')
        }
        assert m.nonCpsViolations == []
        runs[name] = b
        return b
    }

    static Map failedBuild() { build('failed', ['test_pass', 'test_fail', 'test_flaky']) }

    static Map flakyBuild() {
        build('flaky', ['test_pass', 'test_flaky', 'test_flaky_error'], [flakyHandler: true, attachments: true])
    }

    static def testCase(Map b, String name) {
        def c = b.junit.find(SUITE, SUITE + '.' + name)
        assert c != null: 'no ' + SUITE + '.' + name + ' in ' + b.junit.cases
        return c
    }

    /** flaky.json's attempts of a test, by id. */
    static List<Map> attempts(Map b, String name) {
        def report = new groovy.json.JsonSlurper().parse(b.mock.file('paratest-out/flaky.json'))
        Map t = report.tests.find { it.id == 'contract/calc.sh::' + name }
        assert t != null: 'flaky.json has no ' + name
        return t.attempts
    }

    // ------------------------------------------------------------ exit codes

    void testUsageErrorFailsTheStepWithTheBinarysLine() {
        Map b = build('usage', ['test_pass'], [args: ['--bogus-flag']])
        assert b.error != null: 'the step did not fail'
        assert b.error.message.startsWith('paratest: exit 2 (usage or configuration error): jenkins-paratest: ')
        assert b.error.message.contains('--bogus-flag')
        assert b.result == 'FAILURE'
        // a usage error promises no reports: junit, if it runs, must not fail on none
        assert b.mock.calls('junit').every { it.args[0].allowEmptyResults == true }
        assert !b.files
        assert b.mock.log.any { it.startsWith('jenkins-paratest: ') && it.contains('--bogus-flag') }
    }

    void testInfrastructureErrorFailsTheStepWithTheBinarysLine() {
        Map b = build('infra', ['test_pass'], [:], [DOCKER_HOST: 'unix:///nonexistent/paratest-contract.sock'])
        assert b.error != null: 'the step did not fail'
        assert b.error.message.startsWith('paratest: exit 3 (infrastructure error): jenkins-paratest: ')
        assert b.error.message.contains('/nonexistent/paratest-contract.sock')
        assert b.result == 'FAILURE'
        assert b.mock.calls('junit').every { it.args[0].allowEmptyResults == true }
    }

    void testTestsFailedIsUnstableThroughJunit() {
        Map b = failedBuild()
        assert b.error == null: 'the step failed: ' + b.error?.message
        assert b.outcome.exitCode == 1 && b.outcome.status == 'FAILED'
        assert b.result == 'UNSTABLE'
        assert b.mock.calls('unstable').isEmpty()   // junit made it UNSTABLE, not the safety net
        assert b.mock.calls('junit')[0].args[0].allowEmptyResults == false
        assert b.junit.summary() == [totalCount: 3, failCount: 1, skipCount: 0, passCount: 2]
        assert b.mock.log.contains('paratest: FAILED (1 failed)')
    }

    void testFlakyIsSuccessWithFlakyData() {
        Map b = flakyBuild()
        assert b.error == null: 'the step failed: ' + b.error?.message
        assert b.outcome.exitCode == 0 && b.outcome.status == 'PASSED'
        assert b.result == 'SUCCESS'
        assert b.mock.calls('unstable').isEmpty()
        assert b.outcome.headline.contains('flaky')
        assert b.junit.summary() == [totalCount: 3, failCount: 0, skipCount: 0, passCount: 3]
        assert b.mock.log.contains('paratest: PASSED (2 flaky)')
        def report = new groovy.json.JsonSlurper().parse(b.mock.file('paratest-out/flaky.json'))
        assert report.tests.findAll { it.verdict == 'flaky' }*.id.sort() ==
               ['contract/calc.sh::test_flaky', 'contract/calc.sh::test_flaky_error']
    }

    // ------------------------------------------------------------ as the JUnit plugin reads them

    void testNamesAsJenkinsShowsThem() {
        [failedBuild(), flakyBuild()].each { Map b ->
            assert b.files*.name == ['TEST-' + SUITE + '.xml']
            assert b.junit.suites*.name == [SUITE]
            // Package -> Class -> Case, as the Test Result page shows them: no "(root)"
            Map tree = b.junit.byPackage
            assert tree.keySet() as List == ['contract']
            assert tree.contract.keySet() as List == ['calc']
            b.junit.cases.each { c ->
                assert c.className == SUITE && c.packageName == 'contract' && c.simpleName == 'calc'
                assert c.name ==~ /test_[a-z_]+/     // no worker, host or attempt in a name
            }
            // test history matches suite name + full name: one case each
            assert b.junit.cases*.fullName.unique().size() == b.junit.cases.size()
        }
    }

    void testDurationsAsThePluginParsesThem() {
        Map b = flakyBuild()
        def pass = testCase(b, 'test_pass')
        assert pass.duration >= 1.0f && pass.duration < 30.0f: 'test_pass slept 1 s; the plugin reads ' + pass.duration
        def suite = b.junit.suites[0]
        assert suite.time != null && suite.duration >= pass.duration
        assert Math.abs(b.junit.duration - suite.duration) < 0.0005f
        // A flaky test's time is its passing attempt's (flaky.json has every attempt).
        ['test_flaky', 'test_flaky_error'].each { String name ->
            def c = testCase(b, name)
            Map passed = attempts(b, name).find { it.verdict == 'passed' }
            assert passed != null
            assert Math.abs(c.duration - (passed.duration_s as float)) <= 0.0015f: name + ': ' + c.duration + ' s, passing attempt ' + passed.duration_s + ' s'
        }
    }

    void testFailedTestIsFailedWithItsRerunsAsThePluginSeesThem() {
        Map b = failedBuild()
        def c = testCase(b, 'test_fail')
        assert c.status == 'FAILED' && c.failedBy == 'failure'
        assert c.errorDetails?.contains('exit code 1')
        assert c.flakyFailures == null
        // max_reruns 2: the first attempt is the failure, the other two are reruns
        assert c.rerunFailures?.size() == 2: 'rerunFailures: ' + c.rerunFailures
        c.rerunFailures.each { assert it.message?.contains('exit code 1') }
        assert attempts(b, 'test_fail').size() == 3
    }

    void testFlakyTestsAreFlakyThroughThePluginsApi() {
        Map b = flakyBuild()
        ['test_flaky', 'test_flaky_error'].each { String name ->
            def c = testCase(b, name)
            int bad = attempts(b, name).count { it.verdict != 'passed' } as int
            assert c.status == 'PASSED': name + ' is ' + c.status
            assert c.rerunFailures == null
            // junit reads only flakyFailure: every bad attempt must be one
            assert c.flakyFailures?.size() == bad: name + ': the plugin sees ' + (c.flakyFailures?.size() ?: 0) +
                ' flaky failures of ' + bad + ' bad attempts (elements: ' +
                JunitPluginPort.read(b.files[0]).rootElement.elements('testcase').find { it.attributeValue('name') == name }
                    .elements()*.name + ')'
            c.flakyFailures.each { assert it.message }
        }
        // the passing attempt's output is the test's, not a failed one's
        assert !testCase(b, 'test_flaky').stdout?.contains('boom')
    }

    void testFlakyTestHandlerCountsFlakesAndReruns() {
        Map fb = flakyBuild()
        assert fb.flaky != null: 'junitFlakyTestPublisher was not asked for'
        assert fb.flaky.flakyTests*.testName.sort() == ['test_flaky', 'test_flaky_error']
        assert fb.flaky.failedTests.isEmpty()
        assert fb.flaky.passedTests*.testName == ['test_pass']
        fb.flaky.flakyTests.each { assert it.flakyRuns.size() == 1 }

        Map b = failedBuild()
        def f = JunitPluginPort.parseFlaky(b.files)
        assert f.failedTests*.testName == ['test_fail']
        assert f.find(SUITE + '.test_fail').flakyRuns.size() == 2   // its reruns
        assert f.flakyTests*.testName == ['test_flaky']
    }

    // ------------------------------------------------------------ console

    /** The patterns docs/console.md tells users to configure. */
    static List<Pattern> documentedPatterns() {
        String doc = new File(PipelineMock.repo, 'docs/console.md').getText('UTF-8')
        Matcher start = doc =~ /\| Section starts with \| `([^`]+)` \|/
        Matcher end = doc =~ /\| Section ends with \| `([^`]+)` \|/
        assert start.find() && end.find(): 'docs/console.md lost its pattern table'
        return [Pattern.compile(start.group(1)), Pattern.compile(end.group(1))]
    }

    /**
     * CollapsingSectionAnnotator.annotate over log lines: per trimmed line, the
     * open section's end pattern (matches()), then the start patterns.
     */
    static Map fold(List<String> lines, Pattern start, Pattern end) {
        List<String> names = []
        List<List<String>> bodies = []
        int open = 0
        int depth = 0
        List<String> outside = []
        lines.each { String raw ->
            String line = raw.trim()
            if (open > 0 && end.matcher(line).matches()) {
                open--
                bodies.last() << line
                return
            }
            Matcher m = start.matcher(line)
            if (m.matches()) {
                names << m.group(1)
                bodies << [line]
                open++
                depth = Math.max(depth, open)
                return
            }
            if (open > 0) {
                bodies.last() << line
            } else {
                outside << line
            }
        }
        return [names: names, open: open, depth: depth, outside: outside]
    }

    void testConsoleFoldsIntoOneSectionPerPhase() {
        List<Pattern> p = documentedPatterns()
        Map b = failedBuild()
        Map f = fold(b.mock.log, p[0], p[1])
        // every phase once (the order of the last ones is the runner's business)
        assert f.names.first() == 'starting' && f.names.last() == 'summary': f.names
        assert f.names.sort() == ['cleanup', 'listing', 'reports', 'rerun round 2', 'rerun round 3', 'running',
                                  'starting', 'summary']
        assert f.depth == 1 && f.open == 0: 'sections nest or stay open: ' + f
        // outside every section: run.sh's command line, the verdict, the binary's stderr line
        assert f.outside.contains('paratest: FAILED (1 failed)')
        assert f.outside.findAll { it.startsWith('paratest: ') } == ['paratest: FAILED (1 failed)']
    }
}
