/**
 * Tests of the paratest step (vars/paratest.groovy) on PipelineMock: each test runs
 * the step against the fake jenkins-paratest and checks the steps it called, with
 * which arguments, and what reached the binary.
 */
class ParatestTest {

    static final String MARKER = '<!-- jenkins-paratest -->'

    /** Checks every test makes: no step from @NonCPS code. */
    static void sane(PipelineMock m) {
        assert m.nonCpsViolations == []
    }

    static Map only(PipelineMock m, String step) {
        List<Map> c = m.calls(step)
        assert c.size() == 1: step + ' called ' + c.size() + ' times'
        return c[0]
    }

    static Map runCall(PipelineMock m) {
        List<Map> runs = m.calls('sh').findAll { it.args[0].label?.startsWith('paratest: run') }
        assert runs.size() == 1
        return runs[0]
    }

    // ----------------------------------------------------------------- verdicts

    void testAllPassed() {
        def m = new PipelineMock('pass')
        Map r = m.run()
        assert r.exitCode == 0
        assert r.status == 'PASSED'
        assert r.headline == 'jenkins-paratest PASSED: 2 passed of 2 in 0.5s'
        assert r.out == 'paratest-out'
        Map sh = runCall(m).args[0]
        assert sh.label == 'paratest: run'
        assert sh.returnStatus == true
        assert sh.script == m.resource('jenkins-paratest/run.sh')
        assert m.argv() == ['run', '--out=paratest-out']
        Map junit = only(m, 'junit').args[0]
        assert junit.testResults == 'paratest-out/junit/*.xml'
        assert junit.allowEmptyResults == true
        assert !junit.containsKey('testDataPublishers')
        assert !junit.containsKey('keepTestNames')
        Map archive = only(m, 'archiveArtifacts').args[0]
        assert archive == [artifacts: 'paratest-out/**', allowEmptyArchive: true]
        assert m.indexOf('sh') < m.indexOf('junit')
        assert m.indexOf('junit') < m.indexOf('archiveArtifacts')
        assert m.calls('error').isEmpty()
        assert m.calls('unstable').isEmpty()
        assert m.calls('withCredentials').isEmpty() && m.calls('sshagent').isEmpty()
        assert m.log.contains('paratest: PASSED')
        assert m.log.contains("+ jenkins-paratest 'run' '--out=paratest-out'")
        sane(m)
    }

    void testFlakyIsPassed() {
        def m = new PipelineMock('flaky')
        Map r = m.run()
        assert r.status == 'PASSED'
        assert r.headline.contains('(1 flaky)')
        assert m.calls('error').isEmpty() && m.calls('unstable').isEmpty()
        sane(m)
    }

    void testTestsFailedLeavesVerdictToJunit() {
        def m = new PipelineMock('fail')
        Map r = m.run()
        assert r.exitCode == 1
        assert r.status == 'FAILED'
        assert m.calls('error').isEmpty()
        Map junit = only(m, 'junit').args[0]
        assert junit.testResults == 'paratest-out/junit/*.xml'
        assert junit.allowEmptyResults == false    // exit 1 promises reports
        only(m, 'archiveArtifacts')
        assert m.calls('unstable').isEmpty()       // junit recorded the failure itself
        sane(m)
    }

    void testTestsFailedWithoutJunitMarksUnstable() {
        def m = new PipelineMock('fail')
        Map r = m.run(publishJunit: false)
        assert r.status == 'FAILED'
        assert m.calls('junit').isEmpty()
        assert only(m, 'unstable').args[0].contains('tests failed (exit 1)')
        assert m.calls('error').isEmpty()
        sane(m)
    }

    void testTestsFailedButJunitCountsNoFailureMarksUnstable() {
        def m = new PipelineMock('fail')
        m.junitHook = { Map a -> [failCount: 0, totalCount: 2] }
        m.run()
        assert only(m, 'unstable').args[0].contains('exit 1')
        sane(m)
    }

    // -------------------------------------------------------------- timeline

    void testPublishesTheTimeline() {
        def m = new PipelineMock('fail')
        m.run()
        Map html = only(m, 'publishHTML').args[0]
        assert html == [target: [reportDir: 'paratest-out', reportFiles: 'timeline.html', reportName: 'paratest timeline',
                                 keepAll: true, allowMissing: true, alwaysLinkToLastBuild: false]]
        assert m.indexOf('archiveArtifacts') < m.indexOf('publishHTML')
        sane(m)
    }

    void testTimelineOfANamedCallIsItsOwnReport() {
        def m = new PipelineMock('pass')
        m.run(name: 'unit', out: 'out/unit')
        Map target = only(m, 'publishHTML').args[0].target
        assert target.reportName == 'paratest timeline (unit)'
        assert target.reportDir == 'out/unit'
        sane(m)
    }

    void testWithoutHtmlPublisherTheTimelineIsOnlyArchived() {
        def m = new PipelineMock('pass')
        m.missingSteps << 'publishHTML'
        Map r = m.run()
        assert r.status == 'PASSED'
        assert m.calls('error').isEmpty() && m.calls('unstable').isEmpty()
        only(m, 'archiveArtifacts')
        assert m.log.contains('paratest: no publishHTML step (HTML Publisher plugin) to link paratest-out/timeline.html ' +
                              'from the build; it is among the archived artifacts')
        sane(m)
    }

    void testPublishTimelineOff() {
        def m = new PipelineMock('pass')
        m.run(publishTimeline: false)
        assert m.calls('publishHTML').isEmpty()
        only(m, 'archiveArtifacts')
        sane(m)
    }

    // --------------------------------------------------------------- errors

    void testInfrastructureError() {
        def m = new PipelineMock('infra')
        Throwable e = m.runFails()
        assert e instanceof PipelineError
        assert e.message == 'paratest: exit 3 (infrastructure error): jenkins-paratest: all workers lost: host-a:22: ssh: connection refused'
        Map junit = only(m, 'junit').args[0]
        assert junit.allowEmptyResults == true
        only(m, 'archiveArtifacts')
        assert m.indexOf('junit') < m.indexOf('error')
        assert m.indexOf('archiveArtifacts') < m.indexOf('error')
        // the binary's error line is on the console too
        assert m.log.contains('jenkins-paratest: all workers lost: host-a:22: ssh: connection refused')
        sane(m)
    }

    void testInfrastructureErrorNamesTheBinarysLine() {
        def m = new PipelineMock('noisy-infra')
        Throwable e = m.runFails()
        assert e.message.startsWith('paratest: exit 3 (infrastructure error): ')
        assert e.message.endsWith('jenkins-paratest: host-b:22: ssh: handshake failed: knownhosts: key mismatch')
        sane(m)
    }

    void testJunitFailureDoesNotMaskTheError() {
        def m = new PipelineMock('infra-noreports')
        m.junitHook = { Map a -> throw new PipelineError('No test report files were found. Configuration error?') }
        m.archiveHook = { Map a -> throw new IOException('disk full') }
        Throwable e = m.runFails()
        assert e instanceof PipelineError
        assert e.message.contains('exit 3 (infrastructure error)')
        assert e.message.contains('cannot connect to the engine')
        only(m, 'archiveArtifacts')
        assert m.log.any { it.startsWith('WARNING: paratest: junit failed') }
        assert m.log.any { it.startsWith('WARNING: paratest: archiveArtifacts failed') }
        sane(m)
    }

    void testJunitFailureAfterSuccessIsNotHidden() {
        def m = new PipelineMock('pass')
        m.junitHook = { Map a -> throw new PipelineError('junit broke') }
        Throwable e = m.runFails()
        assert e.message == 'junit broke'
        only(m, 'archiveArtifacts')    // archived all the same
        sane(m)
    }

    void testUsageErrorPublishesNoStaleReports() {
        def m = new PipelineMock('usage')
        m.env.CHANGE_ID = '7'
        m.pullRequest = new FakePullRequest()
        // reports left in the workspace by an earlier build
        m.file('paratest-out/junit').mkdirs()
        m.file('paratest-out/junit/TEST-old.xml').text = '<testsuite name="old" tests="1"><testcase name="x"><failure/></testcase></testsuite>'
        m.file('paratest-out/summary.md').text = '### jenkins-paratest FAILED: old\n'
        m.file('paratest-out/.paratest-manifest').text = '# jenkins-paratest: the files of the last run here; the next run removes them\n'
        m.file('paratest-out/.paratest-manifest').lastModified = System.currentTimeMillis() - 3600 * 1000
        Throwable e = m.runFails()
        assert e.message == 'paratest: exit 2 (usage or configuration error): jenkins-paratest: paratest.yml:3: workers: want a whole number ≥ 1, got "four"'
        // the binary stopped before it emptied out: nothing there is this build's,
        // so nothing is published, and nothing is removed either
        assert m.calls('junit').isEmpty() && m.calls('archiveArtifacts').isEmpty()
        assert m.log.contains("paratest: jenkins-paratest stopped before it emptied paratest-out: nothing of this run to publish (what is there is an earlier build's)")
        assert m.file('paratest-out/junit/TEST-old.xml').exists()
        // the old summary is not this build's headline, nor its comment
        assert !e.message.contains('old')
        assert m.pullRequest.posted.size() == 1
        assert m.pullRequest.posted[0].startsWith(MARKER + '\n### jenkins-paratest ERROR')
        sane(m)
    }

    void testEarlierReportsStayForTheBinarysHistory() {
        def m = new PipelineMock('pass')
        m.file('paratest-out/junit').mkdirs()
        m.file('paratest-out/junit/TEST-old.xml').text = '<testsuite name="old" tests="1"><testcase name="x"/></testsuite>'
        m.run(args: ['--history', 'paratest-out/junit/*.xml'])
        // the binary found the last build's reports (it reads them before it
        // empties out), and this run's replaced them
        assert new File(m.record, 'seen-junit').readLines() == ['TEST-old.xml']
        assert !m.file('paratest-out/junit/TEST-old.xml').exists()
        assert only(m, 'junit').args[0].testResults == 'paratest-out/junit/*.xml'
        sane(m)
    }

    void testBinaryNotOnPath() {
        def m = new PipelineMock('pass')
        m.env.PATH = '/usr/bin:/bin'
        Throwable e = m.runFails()
        assert e.message.startsWith('paratest: exit 127 (jenkins-paratest not found on the agent): jenkins-paratest: not found on PATH')
        assert e.message.contains('version and sha256, or tool')
        sane(m)
    }

    void testInterruptedBySignal() {
        def m = new PipelineMock('signal')
        Throwable e = m.runFails()
        assert e.message == 'paratest: exit 143 (interrupted by SIGTERM): jenkins-paratest INTERRUPTED: 1 passed, 1 skipped of 2 in 0.5s'
        only(m, 'junit')
        sane(m)
    }

    void testFailOnErrorFalseReturnsTheError() {
        def m = new PipelineMock('infra')
        Map r = m.run(failOnError: false)
        assert r.exitCode == 3
        assert r.status == 'ERROR'
        assert r.message.contains('all workers lost')
        assert m.calls('error').isEmpty()
        assert m.log.any { it.startsWith('WARNING: paratest: exit 3') }
        sane(m)
    }

    void testAbortPublishesAndPropagates() {
        def m = new PipelineMock('pass')
        m.env.CHANGE_ID = '7'
        m.pullRequest = new FakePullRequest()
        def abort = new FakeFlowInterruptedException()
        // the build is aborted while the binary runs: its reports so far are this run's
        m.shHook = { Map a -> m.runShell(a); throw abort }
        Throwable e = m.runFails()
        assert e.is(abort)
        only(m, 'junit')
        only(m, 'archiveArtifacts')
        assert m.calls('error').isEmpty()
        assert m.pullRequest.posted.isEmpty() && m.pullRequest.edited.isEmpty()
        sane(m)
    }

    void testAbortBeforeTheBinaryRanPublishesNothing() {
        def m = new PipelineMock('pass')
        m.file('paratest-out/junit').mkdirs()
        m.file('paratest-out/junit/TEST-old.xml').text = '<testsuite name="old" tests="1"><testcase name="x"/></testsuite>'
        def abort = new FakeFlowInterruptedException()
        m.shHook = { Map a -> throw abort }
        Throwable e = m.runFails()
        assert e.is(abort)
        assert m.calls('junit').isEmpty() && m.calls('archiveArtifacts').isEmpty()
        sane(m)
    }

    // ---------------------------------------------------------- pull requests

    void testPullRequestEditsEarlierComment() {
        def m = new PipelineMock('fail')
        m.env.CHANGE_ID = '7'
        m.pullRequest = new FakePullRequest(comments: [
            [id: 101L, body: 'LGTM', user: 'alice'],
            [id: 555L, body: MARKER + '\n### jenkins-paratest PASSED: old', user: 'jenkins'],
            [id: 102L, body: 'mentions jenkins-paratest but is not ours', user: 'bob'],
        ])
        m.run()
        assert m.pullRequest.posted.isEmpty()
        assert m.pullRequest.edited.size() == 1
        Map ed = m.pullRequest.edited[0]
        assert ed.id == 555L
        assert ed.body == MARKER + '\n' + m.file('paratest-out/summary.md').text
        assert ed.body.contains('FAILED: 1 failed')
        assert m.log.contains('paratest: updated pull request comment 555')
        sane(m)
    }

    void testPullRequestWithoutEarlierCommentPosts() {
        def m = new PipelineMock('pass')
        m.env.CHANGE_ID = '7'
        m.pullRequest = new FakePullRequest(comments: [[id: 101L, body: 'LGTM', user: 'alice']])
        m.run()
        assert m.pullRequest.edited.isEmpty()
        assert m.pullRequest.posted == [MARKER + '\n' + m.file('paratest-out/summary.md').text]
        sane(m)
    }

    void testNamedCallsKeepTheirOwnComments() {
        def m = new PipelineMock('pass')
        m.env.CHANGE_ID = '7'
        m.pullRequest = new FakePullRequest(comments: [[id: 555L, body: MARKER + '\nother call', user: 'jenkins']])
        m.run(name: 'unit')
        assert m.pullRequest.edited.isEmpty()
        assert m.pullRequest.posted.size() == 1
        assert m.pullRequest.posted[0].startsWith('<!-- jenkins-paratest:unit -->\n')
        assert runCall(m).args[0].label == 'paratest: run (unit)'
        sane(m)
    }

    void testNamedCallsGetTheirOwnRunID() {
        def m = new PipelineMock('pass')
        m.env.BUILD_TAG = 'jenkins-team/My App-42'
        m.run(name: 'unit')
        assert m.argv() == ['run', '--out=paratest-out', '--run-id=jenkins-team-My-App-42-unit']
        sane(m)

        def given = new PipelineMock('pass')
        given.run(name: 'unit', args: ['--run-id', 'mine'])
        assert given.argv() == ['run', '--out=paratest-out', '--run-id', 'mine']
        sane(given)
    }

    void testPullRequestCommentAfterError() {
        def m = new PipelineMock('usage')
        m.env.CHANGE_ID = '7'
        m.pullRequest = new FakePullRequest(comments: [[id: 555L, body: MARKER + '\n### jenkins-paratest PASSED', user: 'jenkins']])
        Throwable e = m.runFails()
        assert e.message.contains('exit 2')
        assert m.pullRequest.edited.size() == 1
        String body = m.pullRequest.edited[0].body
        assert body.startsWith(MARKER + '\n### jenkins-paratest ERROR')
        assert body.contains('usage or configuration error')
        assert body.contains('[Jenkins build](https://ci.example.com/job/app/42/)')
        assert m.indexOf('archiveArtifacts') < m.indexOf('error')
        sane(m)
    }

    void testPullRequestCommentFailureIsAWarning() {
        def m = new PipelineMock('pass')
        m.env.CHANGE_ID = '7'
        m.pullRequest = new FakePullRequest(failure: new UncheckedIOException(new IOException('403 Forbidden')))
        Map r = m.run()
        assert r.status == 'PASSED'
        assert m.calls('error').isEmpty() && m.calls('unstable').isEmpty()
        assert m.log.any { it.startsWith('WARNING: paratest: could not comment on the pull request') && it.contains('403 Forbidden') }
        sane(m)
    }

    void testPullRequestWithoutPluginIsAWarning() {
        def m = new PipelineMock('pass')
        m.env.CHANGE_ID = '7'      // no pullRequest global: pipeline-github not installed
        Map r = m.run()
        assert r.status == 'PASSED'
        assert m.log.any { it.startsWith('WARNING: paratest: could not comment on the pull request') }
        sane(m)
    }

    void testNoCommentOutsidePullRequestsOrWhenOff() {
        def m = new PipelineMock('pass')
        m.pullRequest = new FakePullRequest()
        m.run()
        assert m.pullRequest.posted.isEmpty()
        def m2 = new PipelineMock('pass')
        m2.env.CHANGE_ID = '7'
        m2.pullRequest = new FakePullRequest()
        m2.run(commentOnPR: false)
        assert m2.pullRequest.posted.isEmpty() && m2.pullRequest.edited.isEmpty()
        sane(m)
        sane(m2)
    }

    // ------------------------------------------------------------ credentials

    void testSshPrivateKeyCredential() {
        def m = new PipelineMock('pass')
        m.run(credentialsId: 'paratest-hosts', matrix: 'ci/matrix.yml')
        Map wc = only(m, 'withCredentials')
        assert wc.args[0] == [[$class: 'sshUserPrivateKey', credentialsId: 'paratest-hosts',
                               keyFileVariable: 'PARATEST_IDENTITY', usernameVariable: 'PARATEST_SSH_USER',
                               passphraseVariable: 'PARATEST_SSH_PASSPHRASE']]
        assert m.calls('sshagent').isEmpty()
        Map seen = m.binaryEnv()
        assert seen.PARATEST_IDENTITY.contains('@tmp/secretFiles/')
        assert seen.PARATEST_SSH_USER == 'tester'
        assert seen.PARATEST_SSH_PASSPHRASE == 'pass phrase $x'
        assert new File(m.record, 'identity').text.contains('fake paratest-hosts')
        assert m.argv() == ['run', '--out=paratest-out', '--matrix=ci/matrix.yml']
        // the key is bound only around the run
        assert runCall(m).env.PARATEST_IDENTITY
        assert !m.calls('junit')[0].env.containsKey('PARATEST_IDENTITY')
        sane(m)
    }

    void testSshAgentCredentials() {
        def m = new PipelineMock('pass')
        m.run(sshagentCredentials: ['host-key-a', 'host-key-b'])
        assert only(m, 'sshagent').args[0] == [credentials: ['host-key-a', 'host-key-b']]
        assert m.calls('withCredentials').isEmpty()
        assert m.binaryEnv().SSH_AUTH_SOCK.endsWith('/agent.sock')
        assert !m.binaryEnv().containsKey('PARATEST_IDENTITY')

        def m2 = new PipelineMock('pass')
        m2.run(sshagentCredentials: 'one-key')
        assert only(m2, 'sshagent').args[0] == [credentials: ['one-key']]
        sane(m)
        sane(m2)
    }

    void testKnownHosts() {
        def m = new PipelineMock('pass')
        m.run(credentialsId: 'k', knownHostsCredentialsId: 'paratest-known-hosts')
        List bindings = only(m, 'withCredentials').args[0]
        assert bindings[1] == [$class: 'file', credentialsId: 'paratest-known-hosts', variable: 'PARATEST_KNOWN_HOSTS']
        assert m.binaryEnv().PARATEST_KNOWN_HOSTS

        def m2 = new PipelineMock('pass')
        m2.run(knownHosts: '/etc/paratest/known_hosts')
        assert m2.argv() == ['run', '--out=paratest-out', '--known-hosts=/etc/paratest/known_hosts']
        sane(m)
        sane(m2)
    }

    // --------------------------------------------------------------- download

    static String sha256(File f) {
        return java.security.MessageDigest.getInstance('SHA-256').digest(f.bytes).encodeHex().toString()
    }

    /** An archive like `make dist` makes, holding the fake binary; in m.root/dist. */
    static File fakeArchive(PipelineMock m, String version, String arch) {
        File dist = new File(m.root, 'dist')
        String name = 'jenkins-paratest-' + version + '-linux-' + arch
        File dir = new File(dist, name)
        dir.mkdirs()
        File bin = new File(dir, 'jenkins-paratest')
        bin.bytes = new File(m.fixtures, 'fake-paratest/jenkins-paratest').bytes
        bin.setExecutable(true)
        Process p = new ProcessBuilder('tar', '-C', dist.path, '-czf', name + '.tar.gz', name).directory(dist).redirectErrorStream(true).start()
        assert p.waitFor() == 0: p.inputStream.text
        dir.deleteDir()
        return new File(dist, name + '.tar.gz')
    }

    static PipelineMock downloadMock() {
        def m = new PipelineMock('pass')
        // curl and uname are fakes on PATH; jenkins-paratest is not, until the step installs it
        m.tool('fake-curl', 'curl')
        m.env.PATH = m.tool('fake-uname', 'uname').path + ':' + new File(m.root, 'tools/fake-curl').path + ':/usr/bin:/bin'
        m.env.FAKE_DOWNLOAD_FROM = new File(m.root, 'dist').path
        m.env.FAKE_CURL_LOG = new File(m.root, 'curl.log').path
        return m
    }

    static List<String> downloads(PipelineMock m) {
        File f = new File(m.env.FAKE_CURL_LOG)
        return f.exists() ? f.readLines() : []
    }

    void testPinnedDownload() {
        def m = downloadMock()
        String sum = sha256(fakeArchive(m, '1.4.0', 'amd64'))
        Map r = m.run(version: 'v1.4.0', sha256: sum.toUpperCase())
        assert r.status == 'PASSED'
        Map install = m.calls('sh').find { it.args[0].label == 'paratest: install 1.4.0' }
        assert install != null
        assert install.args[0].returnStatus == true
        assert install.args[0].script == m.resource('jenkins-paratest/install.sh')
        assert install.env.JENKINS_PARATEST_SHA256_AMD64 == sum      // the pinned sum, lower case
        String dir = m.workspace.path + '@tmp/jenkins-paratest/1.4.0'
        assert install.env.JENKINS_PARATEST_DIR == dir
        assert downloads(m) ==
               ['https://github.com/jenkins-paratest/jenkins-paratest/releases/download/v1.4.0/jenkins-paratest-1.4.0-linux-amd64.tar.gz']
        assert new File(dir, 'bin/jenkins-paratest').canExecute()
        Map run = runCall(m)
        assert run.env.JENKINS_PARATEST_HOME == dir + '/bin'
        assert run.env.PATH.startsWith(dir + '/bin:')
        assert m.indexOf('sh') == m.calls.indexOf(install)
        assert m.argv() == ['run', '--out=paratest-out']
        assert m.log.contains('jenkins-paratest 9.9.9-fake')
        sane(m)
    }

    void testPinnedDownloadPicksTheArchitecture() {
        def m = downloadMock()
        m.env.FAKE_UNAME_M = 'aarch64'
        Map sums = [amd64: sha256(fakeArchive(m, '1.4.0', 'amd64')), arm64: sha256(fakeArchive(m, '1.4.0', 'arm64'))]
        m.run(version: '1.4.0', sha256: sums)
        assert downloads(m) == ['https://github.com/jenkins-paratest/jenkins-paratest/releases/download/v1.4.0/jenkins-paratest-1.4.0-linux-arm64.tar.gz']
        assert m.log.contains('paratest: downloading ' + downloads(m)[0] + ' (linux-arm64)')
        sane(m)

        // an agent of another architecture: a clear error, nothing downloaded
        def other = downloadMock()
        other.env.FAKE_UNAME_M = 's390x'
        Throwable e = other.runFails(version: '1.4.0', sha256: sums)
        assert e.message.startsWith('paratest: could not install jenkins-paratest 1.4.0')
        assert other.log.any { it.contains("this agent's architecture is s390x; jenkins-paratest is released for linux amd64 (x86_64) and arm64 (aarch64)") }
        assert downloads(other).isEmpty()

        // an architecture the map has no sum for
        def unpinned = downloadMock()
        unpinned.env.FAKE_UNAME_M = 'arm64'
        unpinned.runFails(version: '1.4.0', sha256: [amd64: sums.amd64])
        assert unpinned.log.any { it.contains("this agent is linux-arm64, and the paratest step has no sha256 for it: give sha256: [arm64:") }
        assert downloads(unpinned).isEmpty()
    }

    void testPinnedDownloadReusesAVerifiedArchive() {
        def m = downloadMock()
        String sum = sha256(fakeArchive(m, '1.4.0', 'amd64'))
        Map opts = [version: '1.4.0', sha256: sum, binaryUrl: 'https://mirror.example.com/{version}/jenkins-paratest-{version}-linux-{arch}.tar.gz']
        m.run(opts)
        m.run(opts)
        assert downloads(m) == ['https://mirror.example.com/1.4.0/jenkins-paratest-1.4.0-linux-amd64.tar.gz']
        assert m.calls('sh').size() == 4
        // a kept archive that changed is downloaded again
        File kept = new File(m.workspace.path + '@tmp/jenkins-paratest/1.4.0/jenkins-paratest-linux-amd64.tar.gz')
        assert kept.exists()
        kept.bytes = 'tampered'.bytes
        m.run(opts)
        assert downloads(m).size() == 2
        assert sha256(kept) == sum
        sane(m)
    }

    void testPinnedDownloadWithWrongChecksumFails() {
        def m = downloadMock()
        fakeArchive(m, '1.4.0', 'amd64')
        Throwable e = m.runFails(version: '1.4.0', sha256: 'a' * 64)
        assert e instanceof PipelineError
        assert e.message.startsWith('paratest: could not install jenkins-paratest 1.4.0 from https://github.com/')
        assert m.calls('sh').size() == 1                 // jenkins-paratest never ran
        assert m.calls('junit').isEmpty() && m.calls('archiveArtifacts').isEmpty()
        String dir = m.workspace.path + '@tmp/jenkins-paratest/1.4.0'
        assert !new File(dir, 'bin/jenkins-paratest').exists()
        assert !new File(dir, 'jenkins-paratest-linux-amd64.tar.gz').exists()
        assert m.log.any { it.contains('not the pinned ' + 'a' * 64 + ': FAILED') }
        sane(m)
    }

    void testPinnedDownloadInsideADockerContainer() {
        // docker.inside: the sh steps run with the container's PATH, which a PATH+
        // entry does not change; run.sh finds the binary through JENKINS_PARATEST_HOME
        def m = downloadMock()
        m.inContainer = true
        String sum = sha256(fakeArchive(m, '1.4.0', 'amd64'))
        Map r = m.run(version: '1.4.0', sha256: sum)
        assert r.status == 'PASSED'
        assert !runCall(m).env.PATH.contains('jenkins-paratest')
        assert m.argv() == ['run', '--out=paratest-out']
        sane(m)
    }

    void testToolInstallation() {
        def m = new PipelineMock('pass')
        m.env.PATH = '/usr/bin:/bin'                      // not on PATH
        m.inContainer = true                             // and found all the same
        File home = new File(m.root, 'tools/jp-home/bin')
        home.mkdirs()
        File bin = new File(home, 'jenkins-paratest')
        bin.bytes = new File(m.fixtures, 'fake-paratest/jenkins-paratest').bytes
        bin.setExecutable(true)
        m.tools['jenkins-paratest-1.4'] = home.parent
        Map r = m.run(tool: 'jenkins-paratest-1.4')
        assert r.status == 'PASSED'
        assert only(m, 'tool').args[0] == [name: 'jenkins-paratest-1.4']
        assert runCall(m).env.JENKINS_PARATEST_HOME == home.parent
        assert m.argv() == ['run', '--out=paratest-out']
        sane(m)

        // a home without the binary: exit 127 that names the directory
        def empty = new PipelineMock('pass')
        empty.env.PATH = '/usr/bin:/bin'
        empty.tools['jp'] = new File(empty.root, 'nothing').path
        Throwable e = empty.runFails(tool: 'jp')
        assert e.message.startsWith('paratest: exit 127 (jenkins-paratest not found on the agent): jenkins-paratest: not found in JENKINS_PARATEST_HOME=')
    }

    // ------------------------------------------------------------ check hosts

    void testCheckHostsBeforeARunOnAMatrix() {
        def m = new PipelineMock('pass')
        m.run(matrix: 'ci/matrix.yml', credentialsId: 'k', args: ['--image', 'app:1', '--resume'])
        List<Map> shs = m.calls('sh')
        assert shs*.args*.getAt(0)*.label == ['paratest: check hosts', 'paratest: run']
        assert shs[0].args[0].returnStatus == true
        assert shs[0].args[0].script == m.resource('jenkins-paratest/run.sh')
        assert shs[0].env.PARATEST_IDENTITY                  // inside the credentials
        assert PipelineMock.splitNul(new File(m.record, 'check-argv').text) ==
               ['check', '--matrix=ci/matrix.yml', '--image', 'app:1']
        assert m.argv() == ['run', '--out=paratest-out', '--matrix=ci/matrix.yml', '--image', 'app:1', '--resume']
        assert m.log.contains('host-a  host-a:22     ok   key   ok        27.0')
        sane(m)

        // a host down: a warning, and the run goes on
        def down = new PipelineMock('pass')
        down.env.FAKE_PARATEST_CHECK = '3'
        Map r = down.run(matrix: 'ci/matrix.yml', name: 'it')
        assert r.status == 'PASSED'
        assert down.calls('sh')*.args*.getAt(0)*.label == ['paratest: check hosts (it)', 'paratest: run (it)']
        assert down.log.contains('WARNING: paratest: check hosts: exit 3 (infrastructure error); the run goes on, on the hosts that answer')
        assert down.log.contains('jenkins-paratest: 1 of 2 hosts unusable: host-b')

        // no matrix, or turned off: no check
        def local = new PipelineMock('pass')
        local.run()
        def off = new PipelineMock('pass')
        off.run(matrix: 'ci/matrix.yml', checkHosts: false)
        [local, off].each { PipelineMock x ->
            assert x.calls('sh')*.args*.getAt(0)*.label == ['paratest: run']
            assert !new File(x.record, 'check-argv').exists()
        }
    }

    // --------------------------------------------------------- failed tests

    static List<Map> labelled(PipelineMock m, String prefix) {
        return m.calls('sh').findAll { it.args[0].label?.startsWith(prefix) }
    }

    void testAStepPerFailedTest() {
        def m = new PipelineMock('many-fail')
        Map r = m.run()
        assert r.status == 'FAILED'
        List<Map> steps = labelled(m, 'paratest: failed ')
        // bounded: 10 of the 13, in report order, then one line for the rest
        assert steps*.args*.getAt(0)*.label == ['paratest: failed example.err.TestCrash'] +
               (1..9).collect { 'paratest: failed example.many.TestBad' + it }
        assert m.log.contains('paratest: 3 more failed tests are not shown as steps: see the Tests page')
        Map first = steps[1]
        assert first.args[0].script == m.resource('jenkins-paratest/show.sh')
        String shown = new File(first.env.JENKINS_PARATEST_SHOW).text
        assert shown.startsWith('message: round 1, worker w2 on local: want <1>, got "0"\n\nmany_test.go:1: want <1> & more\nsecond line of 1\n\nworker w2 on local, round 1\n=== RUN TestBad1\n')
        assert m.log.contains('many_test.go:1: want <1> & more')     // its log is the test's output
        assert new File(steps[0].env.JENKINS_PARATEST_SHOW).text.contains('panic: boom')
        // after the reports are published, before the verdict
        assert m.indexOf('junit') < m.calls.indexOf(steps[0])
        assert labelled(m, 'paratest: worker log').isEmpty()
        sane(m)

        def few = new PipelineMock('many-fail')
        few.run(failureSteps: 2, workerLogSteps: true)
        assert labelled(few, 'paratest: failed ').size() == 2
        assert few.log.contains('paratest: 11 more failed tests are not shown as steps: see the Tests page')
        List<Map> workers = labelled(few, 'paratest: worker log ')
        assert workers*.args*.getAt(0)*.label == ['paratest: worker log local_w2']   // the shown tests' workers
        String tail = new File(workers[0].env.JENKINS_PARATEST_SHOW).text
        assert tail.readLines().size() == 200 && tail.readLines().last() == 'w2 line 300'

        def none = new PipelineMock('many-fail')
        none.run(failureSteps: 0)
        assert labelled(none, 'paratest: failed').isEmpty()
        def passed = new PipelineMock('pass')
        passed.run()
        assert labelled(passed, 'paratest: failed').isEmpty()
    }

    void testHousekeepingCanBeHidden() {
        def m = new PipelineMock('fail')
        m.run(hideHousekeeping: true)
        List<String> quiet = ['pwd', 'libraryResource', 'fileExists', 'readFile']
        assert m.calls.findAll { quiet.contains(it.name) }.every { it.hidden }
        assert m.calls.findAll { it.name in ['sh', 'junit', 'archiveArtifacts', 'unstable', 'echo'] }.every { !it.hidden }
        assert !m.calls('hideFromView').isEmpty()

        def shown = new PipelineMock('pass')
        shown.run()
        assert shown.calls('hideFromView').isEmpty()     // off by default: the step may not exist
    }

    // ------------------------------------------------------------------- args

    void testArgumentsReachTheBinaryVerbatim() {
        List<String> hostile = [
            "'; rm -rf / #",
            '$HOME',
            '"$(touch pwned)"',
            '`touch pwned2`',
            'two words',
            'line one\nline two',
            '\\back\\slash',
            '--filter=^Test(A|B)$',
            '',
            '${PATH}',
            '-x',
        ]
        def m = new PipelineMock('pass')
        m.run(args: hostile + ["gstring-${1 + 1}"])
        assert m.argv() == ['run', '--out=paratest-out'] + hostile + ['gstring-2']
        assert !m.file('pwned').exists() && !m.file('pwned2').exists()
        // no user value is ever in a script text: the scripts are the constant resources
        m.calls('sh').each { Map c ->
            String script = c.args[0].script
            assert script == m.resource('jenkins-paratest/run.sh')
            assert !script.contains('rm -rf /')
            assert !script.contains('pwned')
            assert !script.contains('two words')
        }
        // and the values travelled as one variable each
        Map env = runCall(m).env
        assert env.JENKINS_PARATEST_ARGC == String.valueOf(2 + hostile.size() + 1)
        assert env.JENKINS_PARATEST_ARG_3 == "'; rm -rf / #"
        assert env.JENKINS_PARATEST_ARG_4 == '$HOME'
        sane(m)
    }

    void testOptionsBecomeFlags() {
        def m = new PipelineMock('pass')
        m.run(config: 'ci/paratest.yml', matrix: 'ci/matrix.yml', out: 'build/pt/', args: ['--workers', '8'])
        assert m.argv() == ['run', '--out=build/pt', '--config=ci/paratest.yml', '--matrix=ci/matrix.yml', '--workers', '8']
        assert only(m, 'junit').args[0].testResults == 'build/pt/junit/*.xml'
        assert only(m, 'archiveArtifacts').args[0].artifacts == 'build/pt/**'
        assert m.file('build/pt/summary.md').exists()
        sane(m)
    }

    // -------------------------------------------------------- junit options

    void testJunitPublishersAndKeepTestNames() {
        def m = new PipelineMock('pass')
        m.run(flakyHandler: true, attachments: true, keepTestNames: true)
        Map junit = only(m, 'junit').args[0]
        assert junit.testDataPublishers == [[$class: 'attachments'], [$class: 'junitFlakyTestPublisher']]
        assert junit.keepTestNames == true

        def m2 = new PipelineMock('pass')
        m2.run(flakyHandler: true)
        assert only(m2, 'junit').args[0].testDataPublishers == [[$class: 'junitFlakyTestPublisher']]
        sane(m)
        sane(m2)
    }

    void testPublishingCanBeTurnedOff() {
        def m = new PipelineMock('pass')
        m.run(publishJunit: false, archive: false)
        assert m.calls('junit').isEmpty()
        assert m.calls('archiveArtifacts').isEmpty()
        sane(m)
    }

    // ------------------------------------------------------------- validation

    void testBadOptionsFailBeforeRunning() {
        Map cases = [
            'unknown option \'credentialId\''               : [credentialId: 'x'],
            'args: want a List of strings'                  : [args: '--workers 8'],
            'version and sha256: give both'                 : [version: '1.0.0'],
            'sha256: want the 64 hex digits'                : [version: '1.0.0', sha256: 'abc'],
            'version: want a release version'               : [version: '1.0/../../x', sha256: 'a' * 64],
            'give the output directory as the out option'   : [args: ['--out=x']],
            'out: want a directory below the workspace'     : [out: '../elsewhere'],
            'publishJunit: want true or false'              : [publishJunit: 'yes'],
            'knownHosts and knownHostsCredentialsId'        : [knownHosts: 'k', knownHostsCredentialsId: 'c'],
            'name: want letters'                            : [name: 'a b'],
            'binaryUrl: want a URL template'                : [binaryUrl: 'https://example.com/latest'],
            'sha256: want the architectures amd64 and arm64': [version: '1.0.0', sha256: [x86: 'a' * 64]],
            'sha256: want the 64 hex digits of the release archive\'s sha256 (its line in SHA256SUMS) for arm64':
                                                              [version: '1.0.0', sha256: [amd64: 'a' * 64, arm64: 'b']],
            'version and tool: give one of them'            : [version: '1.0.0', sha256: 'a' * 64, tool: 'jp'],
            'failureSteps: want a whole number from 0'      : [failureSteps: -1],
            'checkHosts: want true or false'                : [checkHosts: 'no'],
            'publishTimeline: want true or false'           : [publishTimeline: 'yes'],
        ]
        cases.each { String want, Map cfg ->
            def m = new PipelineMock('pass')
            Throwable e = m.runFails(cfg)
            assert e instanceof PipelineError
            assert e.message.startsWith('paratest: ') && e.message.contains(want)
            assert m.calls('sh').isEmpty()
            assert m.calls('junit').isEmpty()
        }
    }
}
