import org.codehaus.groovy.control.CompilationFailedException
import org.codehaus.groovy.control.CompilerConfiguration
import org.codehaus.groovy.control.customizers.ImportCustomizer

/**
 * The example Jenkinsfiles compile as Groovy (with @Library resolved as Jenkins
 * does), run against a DSL stub (JenkinsfileScript), and call the paratest step
 * only with options the step accepts (its own settings() check), in the right
 * place. Also: every option is documented in vars/paratest.txt and examples/README.md.
 */
class ExamplesTest {

    static File example(String name) {
        return new File(PipelineMock.repo, 'examples/' + name)
    }

    static JenkinsfileScript evaluate(String text, String name) {
        CompilerConfiguration cc = new CompilerConfiguration()
        cc.scriptBaseClass = JenkinsfileScript.name
        ImportCustomizer ic = new ImportCustomizer()
        ic.addImports('org.jenkinsci.plugins.workflow.libs.Library')   // Jenkins adds this import too
        cc.addCompilationCustomizers(ic)
        Binding b = new Binding()
        b.setVariable('env', [GIT_COMMIT: '0123abc', BUILD_TAG: 'jenkins-app-42', BUILD_URL: 'https://ci/job/app/42/'])
        b.setVariable('currentBuild', [:])
        b.setVariable('params', [:])
        JenkinsfileScript s = (JenkinsfileScript) new GroovyShell(ExamplesTest.classLoader, b, cc).parse(text, name)
        s.run()
        return s
    }

    static JenkinsfileScript evaluate(String name) {
        File f = example(name)
        String text = f.getText('UTF-8')
        assert text.readLines().find { it.trim() && !it.trim().startsWith('//') } == "@Library('jenkins-paratest') _"
        return evaluate(text, name.replaceAll('[^A-Za-z0-9]', '_'))
    }

    /** What the real step says about config: [] when it accepts it. */
    static List<String> problems(Map config) {
        return new PipelineMock().load().settings(config).problems
    }

    void testDeclarative() {
        JenkinsfileScript s = evaluate('Jenkinsfile')
        assert s.paratestCalls.size() == 1
        Map call = s.paratestCalls[0]
        assert call.sections.take(1) == ['pipeline']
        assert call.sections.containsAll(['stages', 'stage', 'steps'])
        assert problems(call.config) == []
        assert call.config.matrix && call.config.credentialsId
        assert call.config.args.every { it instanceof CharSequence }
    }

    void testScripted() {
        JenkinsfileScript s = evaluate('Jenkinsfile.scripted')
        assert s.paratestCalls.size() == 1
        Map call = s.paratestCalls[0]
        assert call.sections.take(1) == ['node']
        assert !call.sections.contains('pipeline')
        assert problems(call.config) == []
        assert call.config.version && call.config.sha256
        assert s.binding.getVariable('currentBuild').description.startsWith('jenkins-paratest PASSED')
    }

    void testParallel() {
        JenkinsfileScript s = evaluate('Jenkinsfile.parallel')
        assert s.paratestCalls.size() == 2
        s.paratestCalls.each { Map call ->
            assert call.sections.contains('parallel') && call.sections.contains('steps')
            assert call.config.keepTestNames == true
            assert problems(call.config) == []
        }
        assert s.paratestCalls*.config*.name.unique().size() == 2
        assert s.paratestCalls*.config*.out.unique().size() == 2
        assert example('Jenkinsfile.parallel').text.contains('Stage / Branch / test')
        assert s.paratestCalls.any { it.config.sshagentCredentials }
    }

    void testSmoke() {
        JenkinsfileScript s = evaluate('Jenkinsfile.smoke')
        assert s.paratestCalls.size() == 1
        Map call = s.paratestCalls[0]
        assert call.sections.take(1) == ['pipeline'] && call.sections.contains('steps')
        assert problems(call.config) == []
        assert call.config.name && call.config.out != 'paratest-out'
        assert s.stepsCalled.indexOf('sh') < s.stepsCalled.indexOf('paratest')    // the version first
        // the config it writes is the one it runs, and uses only keys jenkins-paratest knows
        Map written = s.written.find { it.file == call.config.config }
        assert written != null
        Set<String> known = configKeys()
        List<String> keys = written.text.readLines().findAll { it =~ /^[a-z_]+:/ }.collect { it.substring(0, it.indexOf(':')) }
        assert keys == ['image', 'list', 'command']
        assert known.containsAll(keys)
    }

    void testLockable() {
        JenkinsfileScript s = evaluate('Jenkinsfile.lockable')
        assert s.paratestCalls.size() == 1
        Map call = s.paratestCalls[0]
        assert call.sections.contains('lock')       // the run holds the hosts' lock
        assert call.sections.indexOf('lock') > call.sections.indexOf('steps')
        assert problems(call.config) == []
        assert call.config.matrix
        assert s.locks == [[resource: 'paratest-hosts-ci']]
    }

    /** The configuration keys of jenkins-paratest (internal/config/keys.go). */
    static Set<String> configKeys() {
        String keys = new File(PipelineMock.repo, 'internal/config/keys.go').getText('UTF-8')
        Set<String> found = (keys =~ /key\w+\s*=\s*"([a-z_]+)"/).collect { it[1] } as Set
        assert found.containsAll(['image', 'list', 'command', 'matrix'])
        return found
    }

    void testTheChecksCanFail() {
        try {
            evaluate('pipeline { stages { stage("x") { steps { paratest(out: "a" }}}}', 'Broken')
            assert false: 'a syntax error compiled'
        } catch (CompilationFailedException expected) {
        }
        JenkinsfileScript s = evaluate("pipeline { stages { stage('x') { steps { paratest(credentialId: 'k') } } } }", 'Typo')
        assert problems(s.paratestCalls[0].config).any { it.contains("unknown option 'credentialId'") }
    }

    void testEveryOptionIsDocumented() {
        Set<String> options = new PipelineMock().load().defaults().keySet()
        String help = new File(PipelineMock.repo, 'jenkins/vars/paratest.txt').getText('UTF-8')
        String readme = example('README.md').getText('UTF-8')
        List<String> missing = []
        options.each { String o ->
            if (!help.contains('<code>' + o + '</code>')) missing << ('paratest.txt: ' + o)
            if (!readme.contains('`' + o + '`')) missing << ('README.md: ' + o)
        }
        assert missing == []
    }
}
