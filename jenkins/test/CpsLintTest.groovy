import org.codehaus.groovy.ast.ClassNode
import org.codehaus.groovy.ast.CodeVisitorSupport
import org.codehaus.groovy.ast.MethodNode
import org.codehaus.groovy.ast.expr.ArgumentListExpression
import org.codehaus.groovy.ast.expr.ClosureExpression
import org.codehaus.groovy.ast.expr.Expression
import org.codehaus.groovy.ast.expr.MethodCallExpression
import org.codehaus.groovy.ast.expr.TupleExpression
import org.codehaus.groovy.control.CompilationUnit
import org.codehaus.groovy.control.CompilerConfiguration
import org.codehaus.groovy.control.Phases

/**
 * Static checks of vars/paratest.groovy for what Jenkins' CPS interpreter rejects
 * or runs wrongly, which a plain Groovy run cannot show:
 *  - a @NonCPS method calls only other @NonCPS methods of the script (never a step
 *    or a CPS method);
 *  - CPS methods pass no closure to collection methods such as each or collect
 *    (JENKINS-26481 and friends);
 *  - no @Grab; the step is `call(Map config = [:])`.
 */
class CpsLintTest {

    static final List<String> CLOSURE_METHODS = ['each', 'eachWithIndex', 'collect', 'collectEntries',
        'collectMany', 'find', 'findAll', 'findResult', 'findIndexOf', 'any', 'every', 'inject', 'sum',
        'sort', 'toSorted', 'groupBy', 'countBy', 'count', 'max', 'min', 'unique', 'split', 'times', 'upto',
        'downto', 'step', 'with', 'tap', 'eachLine', 'withCloseable', 'takeWhile', 'dropWhile', 'removeAll',
        'retainAll', 'eachFile', 'eachDir']

    static File source() {
        return new File(PipelineMock.repo, 'jenkins/vars/paratest.groovy')
    }

    static ClassNode parse(File f) {
        CompilationUnit cu = new CompilationUnit(new CompilerConfiguration(), null, new GroovyClassLoader())
        cu.addSource(f)
        cu.compile(Phases.CONVERSION)
        return cu.AST.modules[0].classes.find { it.script }
    }

    static boolean nonCps(MethodNode m) {
        return m.annotations.any { it.classNode.name.endsWith('NonCPS') }
    }

    static List<Expression> argsOf(MethodCallExpression call) {
        Expression a = call.arguments
        return a instanceof TupleExpression ? ((TupleExpression) a).expressions : [a]
    }

    /** Every method call in m: [name, implicitThis, hasClosureArgument, line]. */
    static List<Map> callsIn(MethodNode m) {
        List<Map> found = []
        m.code?.visit(new CodeVisitorSupport() {
            @Override
            void visitMethodCallExpression(MethodCallExpression call) {
                found << [name: call.methodAsString, implicitThis: call.implicitThis,
                          closure: argsOf(call).any { it instanceof ClosureExpression },
                          line: call.lineNumber]
                super.visitMethodCallExpression(call)
            }
        })
        return found
    }

    void testNonCpsMethodsCallOnlyNonCpsMethods() {
        ClassNode script = parse(source())
        Set<String> nonCpsNames = script.methods.findAll { nonCps(it) }*.name as Set
        assert nonCpsNames.containsAll(['defaults', 'settings', 'upsertComment'])
        List<String> problems = []
        script.methods.findAll { nonCps(it) }.each { MethodNode m ->
            callsIn(m).findAll { it.implicitThis && !nonCpsNames.contains(it.name) }.each {
                problems << "${m.name} (line ${it.line}) calls ${it.name}, a step or CPS method"
            }
        }
        assert problems == []
    }

    void testCpsMethodsPassNoClosuresToCollectionMethods() {
        ClassNode script = parse(source())
        List<String> problems = []
        script.methods.findAll { !nonCps(it) }.each { MethodNode m ->
            callsIn(m).findAll { it.closure && CLOSURE_METHODS.contains(it.name) }.each {
                problems << "${m.name} (line ${it.line}) passes a closure to ${it.name}: move it to a @NonCPS method"
            }
        }
        assert problems == []
    }

    void testTheLintSeesAViolation() {
        // The checks above must be able to fail: a CPS method with .each { } and a
        // @NonCPS method calling a step.
        File bad = File.createTempFile('bad-step', '.groovy')
        bad.text = '''
            import com.cloudbees.groovy.cps.NonCPS
            def call(Map c = [:]) { [1, 2].each { echo "${it}" } }
            @NonCPS
            def helper() { sh 'true' }
        '''
        ClassNode script = parse(bad)
        bad.delete()
        MethodNode call = script.methods.find { it.name == 'call' && it.parameters.length == 1 }
        assert callsIn(call).any { it.name == 'each' && it.closure }
        MethodNode helper = script.methods.find { it.name == 'helper' }
        assert nonCps(helper) && callsIn(helper).any { it.name == 'sh' && it.implicitThis }
    }

    void testNoGrabAndCallSignature() {
        String text = source().text
        assert !text.contains('@Grab')
        Class c = new GroovyShell(getClass().classLoader).parse(source()).getClass()
        assert c.getMethod('call', Map) != null
        assert c.getMethod('call') != null   // paratest() with no options
    }
}
