import org.dom4j.Document
import org.dom4j.DocumentException
import org.dom4j.Element
import org.dom4j.io.SAXReader

import java.text.DecimalFormat
import java.text.ParseException

/**
 * How Jenkins reads our JUnit files, without Jenkins: a port, on Debian's dom4j
 * (libdom4j-java, the XML library the plugins use), of the parts of two plugins
 * that decide names, durations, status and flaky or rerun data.
 *
 * - The JUnit plugin (jenkinsci/junit-plugin, hudson.tasks.junit): TestResult's
 *   per-file parse (an empty file is an "[empty]" failure, an unreadable one a
 *   "[failed-to-read]" failure, suites of the same name merged), SuiteResult's
 *   parse (nested testsuites, the name with a package attribute in front, time
 *   from the time attribute or the sum of the cases), CaseResult's constructor
 *   and getters (className from classname or the suite's name, package and simple
 *   class split at the last dot with "(root)" when there is none, TimeToFloat
 *   clamped to 0 s..1 year, failed when there is an error or failure element,
 *   skipped, and getFlakyFailures/getRerunFailures, which read only the
 *   flakyFailure and rerunFailure elements).
 * - The Flaky Test Handler (jenkinsci/flaky-test-handler-plugin,
 *   FlakySuiteResult, FlakyCaseResult, FlakyTestResult): the same names and
 *   times, but its own flaky runs, taken from every flakyFailure, flakyError,
 *   rerunFailure and rerunError element, a test "flaked" when it passed with at
 *   least one of them, and the build's failed, flaky and passed lists.
 *
 * Left out: stdout trimming, properties, test-name transformers, enclosing
 * Pipeline block names (keepTestNames), history and the file-age check.
 */
class JunitPluginPort {

    /** One testcase as hudson.tasks.junit.CaseResult exposes it. */
    static class Case {
        Suite suite
        String className
        String testName
        float duration
        boolean skipped
        String skippedMessage
        String errorStackTrace
        String errorDetails
        String stdout
        String stderr
        List<Map> flakyFailures      // null when none, as the plugin's getFlakyFailures()
        List<Map> rerunFailures      // null when none, as getRerunFailures()

        String getName() { testName == null || testName.isEmpty() ? '(?)' : testName }
        String getFullName() { className + '.' + getName() }
        String getSimpleName() { className.substring(className.lastIndexOf('.') + 1) }

        String getPackageName() {
            int i = className.lastIndexOf('.')
            return i < 0 ? '(root)' : className.substring(0, i)
        }

        boolean isPassed() { !skipped && errorDetails == null && errorStackTrace == null }
        boolean isFailed() { !isPassed() && !skipped }

        /** CaseResult.getStatus() without a previous build: PASSED, SKIPPED or FAILED. */
        String getStatus() { skipped ? 'SKIPPED' : (isPassed() ? 'PASSED' : 'FAILED') }

        /** Which element made it fail: 'error', 'failure' or null. */
        String failedBy

        String toString() { getFullName() + ' ' + getStatus() }
    }

    /** One testsuite as SuiteResult exposes it. */
    static class Suite {
        String file
        String name
        String timestamp
        String id
        String time
        float duration
        List<Case> cases = []

        void addCase(Case c) {
            cases << c
            c.suite = this
            if (time == null) {
                duration += c.duration
            }
        }
    }

    /** The build's result as hudson.tasks.junit.TestResult tallies it. */
    static class Result {
        List<Suite> suites = []
        float duration

        List<Case> getCases() { suites.collectMany { it.cases } }
        int getTotalCount() { getCases().size() }
        int getFailCount() { getCases().count { it.isFailed() } as int }
        int getSkipCount() { getCases().count { it.skipped } as int }
        int getPassCount() { getTotalCount() - getFailCount() - getSkipCount() }

        /** The Test Result page's tree: package -> class (simple name) -> cases. */
        Map<String, Map<String, List<Case>>> getByPackage() {
            Map<String, Map<String, List<Case>>> tree = new TreeMap<>()
            getCases().each { Case c ->
                Map<String, List<Case>> classes = tree.computeIfAbsent(c.getPackageName()) { new TreeMap<>() }
                classes.computeIfAbsent(c.getSimpleName()) { [] } << c
            }
            return tree
        }

        /** The case with this suite name and full name, as test history finds it. */
        Case find(String suiteName, String fullName) {
            Suite s = suites.find { it.name == suiteName }
            return s?.cases?.find { it.getFullName() == fullName }
        }

        /** What the junit step returns and its build result decision. */
        Map summary() {
            return [totalCount: getTotalCount(), failCount: getFailCount(), skipCount: getSkipCount(),
                    passCount : getPassCount()]
        }
    }

    /** TimeToFloat, then CaseResult.clampDuration. */
    static float parseTime(String time) {
        float f = 0.0f
        if (time != null) {
            String t = time.replace(',', '')
            try {
                f = Float.parseFloat(t)
            } catch (NumberFormatException e) {
                try {
                    f = new DecimalFormat().parse(t).floatValue()
                } catch (ParseException x) {
                    f = 0.0f
                }
            }
        }
        return Math.min(365.0f * 24 * 60 * 60, Math.max(0.0f, f))
    }

    /** hudson.tasks.test.TestObject.safe: the characters a URL segment cannot hold become '_'. */
    static String safe(String s) {
        return s.replace('/', '_').replace('\\', '_').replace(':', '_').replace('?', '_')
                .replace('#', '_').replace('%', '_').replace('<', '_').replace('>', '_')
    }

    static Document read(File f) {
        SAXReader reader = new SAXReader()
        try {
            reader.setFeature('http://xml.org/sax/features/external-general-entities', false)
        } catch (Exception ignored) {
            // as SuiteResult's setFeatureQuietly
        }
        return reader.read(f)
    }

    /** TestResult.parse over files: every file, then suites of one name merged. */
    static Result parse(List<File> files) {
        Result r = new Result()
        files.each { File f ->
            List<Suite> parsed
            if (f.length() == 0) {
                parsed = [fakeSuite(f, '[empty]', 'Test report file ' + f.absolutePath + ' was length 0')]
            } else {
                try {
                    parsed = parseFile(f)
                } catch (DocumentException e) {
                    parsed = [fakeSuite(f, '[failed-to-read]', 'Failed to read test report file ' + f.absolutePath + '\n' + e)]
                }
            }
            parsed.each { add(r, it) }
        }
        return r
    }

    private static Suite fakeSuite(File f, String testName, String trace) {
        Suite s = new Suite(name: f.name, file: f.absolutePath)
        s.addCase(new Case(className: s.name, testName: testName, errorStackTrace: trace, errorDetails: '',
                           failedBy: 'error'))
        return s
    }

    private static void add(Result r, Suite s) {
        Suite same = r.suites.find { it.name == s.name && it.id == s.id }
        if (same != null) {
            // TESTS-TestSuite.xml next to TEST-*.xml: the same timestamp is a duplicate
            if (same.timestamp != null && same.timestamp == s.timestamp) {
                return
            }
            s.cases.each { same.addCase(it) }
        } else {
            r.suites << s
        }
        r.duration += s.duration
    }

    /** SuiteResult.parse: the suites of one file. */
    static List<Suite> parseFile(File f) {
        List<Suite> out = []
        parseSuite(f, read(f).rootElement, out)
        return out
    }

    private static void parseSuite(File f, Element root, List<Suite> out) {
        root.elements('testsuite').each { Element e -> parseSuite(f, e, out) }
        if (root.element('testcase') != null || root.element('error') != null) {
            out << suite(f, root)
        }
    }

    private static Suite suite(File f, Element e) {
        String name = e.attributeValue('name')
        if (name == null) {
            name = '(' + f.name + ')'
        } else {
            String pkg = e.attributeValue('package')
            if (pkg) {
                name = pkg + '.' + name
            }
        }
        Suite s = new Suite(file: f.absolutePath, name: safe(name), timestamp: e.attributeValue('timestamp'),
                            id: e.attributeValue('id'), time: e.attributeValue('time'))
        if (s.time != null) {
            s.duration = parseTime(s.time)
        }
        if (e.element('error') != null) {
            s.addCase(testCase(e, '<init>'))   // the class failed to load
        }
        e.elements('testcase').each { Element tc ->
            String className = tc.attributeValue('classname')
            s.addCase(testCase(tc, className != null ? className : e.attributeValue('name')))
        }
        return s
    }

    /** The CaseResult constructor. */
    static Case testCase(Element tc, String className) {
        String name = tc.attributeValue('name')
        if (className == null && name?.contains('.')) {
            className = name.substring(0, name.lastIndexOf('.'))
            name = name.substring(name.lastIndexOf('.') + 1)
        }
        Element bad = tc.element('error') != null ? tc.element('error') : tc.element('failure')
        Element skipped = tc.element('skipped')
        String skippedMessage = skipped?.attributeValue('message')
        if (skipped != null && skippedMessage == null) {
            skippedMessage = skipped.text
        }
        return new Case(
            className: className,
            testName: name,
            duration: parseTime(tc.attributeValue('time')),
            errorStackTrace: error(tc),
            errorDetails: bad?.attributeValue('message'),
            failedBy: bad?.name,
            skipped: skipped != null,
            skippedMessage: skippedMessage,
            stdout: tc.elementText('system-out'),
            stderr: tc.elementText('system-err'),
            flakyFailures: attempts(tc, ['flakyFailure']),
            rerunFailures: attempts(tc, ['rerunFailure']),
        )
    }

    /** CaseResult.getError: the error element's text, else the failure's (null only without both; "" is a failure). */
    static String error(Element tc) {
        String msg = tc.elementText('error')
        return msg != null ? msg : tc.elementText('failure')
    }

    /** FlakyFailure / RerunFailure objects: message, type, stackTrace, stdout, stderr; null if none. */
    private static List<Map> attempts(Element tc, List<String> names) {
        List<Map> out = tc.elements().findAll { Element e -> e.name in names }.collect { Element e ->
            [element   : e.name, message: e.attributeValue('message'), type: e.attributeValue('type'),
             stackTrace: e.elementText('stackTrace'), stdout: e.elementText('system-out'),
             stderr    : e.elementText('system-err')]
        }
        return out ?: null
    }

    // ------------------------------------------------------- Flaky Test Handler

    /** One testcase as FlakyCaseResult sees it. */
    static class FlakyCase {
        String className
        String testName
        float duration
        boolean skipped
        String errorStackTrace
        List<Map> flakyRuns = []     // FlakyRunInformation: errorDetails, stackTrace (the element's text), stdout, stderr

        String getFullName() { className + '.' + testName }
        boolean isPassed() { !skipped && errorStackTrace == null }
        boolean isFailed() { !isPassed() && !skipped }
        boolean isFlaked() { isPassed() && !flakyRuns.isEmpty() }
    }

    /** The build as FlakyTestResult tallies it. */
    static class FlakyResult {
        List<FlakyCase> cases = []

        List<FlakyCase> getFailedTests() { cases.findAll { it.isFailed() } }
        List<FlakyCase> getFlakyTests() { cases.findAll { it.isFlaked() } }
        List<FlakyCase> getPassedTests() { cases.findAll { it.isPassed() && !it.isFlaked() } }
        FlakyCase find(String fullName) { cases.find { it.getFullName() == fullName } }
    }

    /**
     * FlakyTestResult over the files the JUnit plugin read (FlakySuiteResult.parse
     * per file; an unreadable file is an "<init>" failure).
     */
    static FlakyResult parseFlaky(List<File> files) {
        FlakyResult r = new FlakyResult()
        files.each { File f ->
            if (f.length() == 0) {
                r.cases << new FlakyCase(className: f.name, testName: '<init>', errorStackTrace: 'was length 0')
                return
            }
            Document d
            try {
                d = read(f)
            } catch (DocumentException e) {
                r.cases << new FlakyCase(className: f.name, testName: '<init>', errorStackTrace: e.toString())
                return
            }
            flakySuites(d.rootElement, r)
        }
        return r
    }

    private static void flakySuites(Element root, FlakyResult r) {
        root.elements('testsuite').each { Element e -> flakySuites(e, r) }
        if (root.element('testcase') == null && root.element('error') == null) {
            return
        }
        root.elements('testcase').each { Element tc ->
            String className = tc.attributeValue('classname')
            if (className == null) {
                className = root.attributeValue('name')
            }
            String name = tc.attributeValue('name')
            if (className == null && name?.contains('.')) {
                className = name.substring(0, name.lastIndexOf('.'))
                name = name.substring(name.lastIndexOf('.') + 1)
            }
            FlakyCase c = new FlakyCase(className: className, testName: name,
                                        duration: parseTime(tc.attributeValue('time')),
                                        skipped: tc.element('skipped') != null,
                                        errorStackTrace: error(tc))
            tc.elements().each { Element e ->
                if (e.name in ['flakyFailure', 'flakyError', 'rerunFailure', 'rerunError']) {
                    c.flakyRuns << [element: e.name, errorDetails: e.attributeValue('message'), stackTrace: e.text,
                                    stdout : e.elementText('system-out'), stderr: e.elementText('system-err')]
                }
            }
            r.cases << c
        }
    }
}
