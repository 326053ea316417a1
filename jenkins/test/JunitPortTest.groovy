/**
 * Tests of JunitPluginPort itself (that it reads as the plugins do), then the
 * binary's JUnit golden files (internal/junit/testdata) read through it: what
 * Jenkins makes of every kind of test the binary writes. No Docker needed.
 */
class JunitPortTest {

    static File dir = java.nio.file.Files.createTempDirectory('paratest-junit-port').toFile()

    static File xml(String name, String text) {
        File f = new File(dir, name)
        f.setText(text, 'UTF-8')
        return f
    }

    static List<File> golden() {
        File d = new File(PipelineMock.repo, 'internal/junit/testdata')
        List<File> files = d.listFiles().findAll { it.name.endsWith('.xml') }.sort { it.name }
        assert files.size() >= 10: 'internal/junit/testdata has ' + files.size() + ' XML files'
        return files
    }

    static void cleanUp() {
        dir.deleteDir()
    }

    // ------------------------------------------------------------ the port

    void testTimeParsingAsTimeToFloat() {
        assert JunitPluginPort.parseTime('1.5') == 1.5f
        assert JunitPluginPort.parseTime('1,234.5') == 1234.5f       // grouping commas dropped
        assert JunitPluginPort.parseTime('2.000') == 2.0f
        assert JunitPluginPort.parseTime('1e3') == 1000.0f
        assert JunitPluginPort.parseTime('abc') == 0.0f
        assert JunitPluginPort.parseTime(null) == 0.0f
        assert JunitPluginPort.parseTime('-3') == 0.0f              // clamped
        assert JunitPluginPort.parseTime('99999999999') == 365.0f * 24 * 60 * 60
    }

    void testNamesAndTree() {
        File f = xml('TEST-names.xml', '''<?xml version="1.0"?>
<testsuites>
  <testsuite name="Outer" package="org.example" time="3">
    <testcase classname="org.example.calc.AddTest" name="adds" time="1"/>
    <testcase classname="RootClass" name="noPackage" time="1"/>
    <testcase name="fromSuite" time="1"/>
  </testsuite>
  <testsuite name="a/b:c">
    <testcase classname="x.Y" name="z" time="0.25"/>
    <testcase classname="x.Y" name="w" time="0.5"/>
  </testsuite>
</testsuites>''')
        def r = JunitPluginPort.parse([f])
        assert r.suites*.name == ['org.example.Outer', 'a_b_c']   // package in front; URL-unsafe characters '_'
        assert r.suites[0].duration == 3.0f                          // the time attribute
        assert r.suites[1].duration == 0.75f                         // else the cases' sum
        def cases = r.cases
        assert cases*.packageName == ['org.example.calc', '(root)', '(root)', 'x', 'x']
        assert cases*.simpleName == ['AddTest', 'RootClass', 'Outer', 'Y', 'Y']
        assert cases[2].className == 'Outer'                         // the suite's name attribute
        assert r.byPackage.keySet() as List == ['(root)', 'org.example.calc', 'x']
        assert r.find('a_b_c', 'x.Y.w').duration == 0.5f
    }

    void testStatusAndAttempts() {
        File f = xml('TEST-status.xml', '''<testsuite name="s">
  <testcase classname="s" name="pass"/>
  <testcase classname="s" name="emptyFailure"><failure/></testcase>
  <testcase classname="s" name="emptyError"><error></error></testcase>
  <testcase classname="s" name="error"><error message="boom">trace</error></testcase>
  <testcase classname="s" name="skip"><skipped>not here</skipped></testcase>
  <testcase classname="s" name="flaky">
    <flakyFailure message="m1" type="t"><stackTrace>st</stackTrace><system-out>o1</system-out></flakyFailure>
    <flakyError message="m2"/>
  </testcase>
  <testcase classname="s" name="failing"><failure message="f"/><rerunFailure message="r1"/><rerunError message="r2"/></testcase>
</testsuite>''')
        def r = JunitPluginPort.parse([f])
        Map byName = r.cases.collectEntries { [it.name, it] }
        assert byName.pass.status == 'PASSED'
        assert byName.emptyFailure.status == 'FAILED'                 // an empty element still fails
        assert byName.emptyError.status == 'FAILED' && byName.emptyError.failedBy == 'error'
        assert byName.error.status == 'FAILED' && byName.error.failedBy == 'error' && byName.error.errorDetails == 'boom'
        assert byName.skip.status == 'SKIPPED' && byName.skip.skippedMessage == 'not here'
        assert r.summary() == [totalCount: 7, failCount: 4, skipCount: 1, passCount: 2]
        // the JUnit plugin reads flakyFailure and rerunFailure only
        assert byName.flaky.status == 'PASSED'
        assert byName.flaky.flakyFailures*.message == ['m1']
        assert byName.flaky.flakyFailures[0].stackTrace == 'st' && byName.flaky.flakyFailures[0].stdout == 'o1'
        assert byName.failing.rerunFailures*.message == ['r1']
        assert byName.pass.flakyFailures == null && byName.pass.rerunFailures == null
        // the Flaky Test Handler reads all four
        def h = JunitPluginPort.parseFlaky([f])
        assert h.find('s.flaky').flakyRuns*.errorDetails == ['m1', 'm2']
        assert h.find('s.failing').flakyRuns*.errorDetails == ['r1', 'r2']
        assert h.flakyTests*.testName == ['flaky']
        assert h.failedTests*.testName == ['emptyFailure', 'emptyError', 'error', 'failing']
    }

    void testBrokenFilesAreFailures() {
        File empty = xml('TEST-empty.xml', '')
        File broken = xml('TEST-broken.xml', '<testsuite name="x"><testcase name="a">')
        File dup1 = xml('TEST-one.xml', '<testsuite name="same" timestamp="t1"><testcase classname="c" name="a"/></testsuite>')
        File dup2 = xml('TEST-two.xml', '<testsuite name="same" timestamp="t2"><testcase classname="c" name="b"/></testsuite>')
        File dup3 = xml('TESTS-all.xml', '<testsuite name="same" timestamp="t1"><testcase classname="c" name="a"/></testsuite>')
        def r = JunitPluginPort.parse([empty, broken, dup1, dup2, dup3])
        assert r.cases*.name == ['[empty]', '[failed-to-read]', 'a', 'b']   // same name merged, same timestamp dropped
        assert r.failCount == 2
    }

    // ------------------------------------------------------------ the binary's golden files

    void testGoldenFilesReadAsJenkinsReadsThem() {
        golden().each { File f ->
            def r = JunitPluginPort.parse([f])
            assert r.suites.size() == 1: f.name + ': ' + r.suites*.name
            assert !(r.cases*.name.any { it in ['[empty]', '[failed-to-read]', '(?)'] }): f.name
            def root = JunitPluginPort.read(f).rootElement
            assert root.name == 'testsuite': f.name
            assert r.suites[0].name == root.attributeValue('name')   // nothing for Jenkins to rewrite
            assert r.suites[0].time != null
            assert r.totalCount == (root.attributeValue('tests') as int): f.name
            assert r.failCount == (root.attributeValue('failures') as int) + (root.attributeValue('errors') as int): f.name
            assert r.skipCount == (root.attributeValue('skipped') as int): f.name
            r.cases.each { c ->
                assert c.packageName != '(root)': f.name + ': ' + c.fullName   // classname is pkg.Class
                assert c.duration >= 0.0f
                assert !(c.name =~ /\b(w\d+|round \d+|attempt)\b/): f.name + ': ' + c.name
            }
            assert r.cases*.fullName.unique().size() == r.cases.size(): f.name
        }
    }

    /**
     * What the binary promises about retries, as the plugins' APIs show it: a
     * test with flaky attempts passed, and the JUnit plugin sees every one of its
     * bad attempts as a flakyFailure; a test that failed every attempt failed, and
     * the Flaky Test Handler sees every later attempt as a rerun.
     */
    void testGoldenRetriesAsThePluginsSeeThem() {
        int flakyCases = 0
        int rerunCases = 0
        golden().each { File f ->
            def r = JunitPluginPort.parse([f])
            def h = JunitPluginPort.parseFlaky([f])
            def root = JunitPluginPort.read(f).rootElement
            root.elements('testcase').each { tc ->
                String full = tc.attributeValue('classname') + '.' + tc.attributeValue('name')
                List<String> kids = tc.elements()*.name
                int flakyAttempts = kids.count { it in ['flakyFailure', 'flakyError'] } as int
                int reruns = kids.count { it in ['rerunFailure', 'rerunError'] } as int
                def c = r.find(root.attributeValue('name'), full)
                def hc = h.find(full)
                if (flakyAttempts > 0) {
                    flakyCases++
                    assert c.status == 'PASSED': f.name + ': ' + full
                    assert c.flakyFailures?.size() == flakyAttempts:
                        f.name + ': ' + full + ': the JUnit plugin sees ' + (c.flakyFailures?.size() ?: 0) +
                        ' of its ' + flakyAttempts + ' bad attempts (' + kids + ')'
                    assert hc.isFlaked()
                }
                if (reruns > 0) {
                    rerunCases++
                    assert c.status == 'FAILED': f.name + ': ' + full
                    assert hc.isFailed() && hc.flakyRuns.size() == reruns
                }
            }
        }
        assert flakyCases >= 2 && rerunCases >= 2: 'the golden files lost their retried tests'
    }
}
