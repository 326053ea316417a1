import groovy.transform.TypeChecked
import org.codehaus.groovy.ast.ClassHelper
import org.codehaus.groovy.ast.ClassNode
import org.codehaus.groovy.ast.CodeVisitorSupport
import org.codehaus.groovy.ast.ConstructorNode
import org.codehaus.groovy.ast.MethodNode
import org.codehaus.groovy.ast.Parameter
import org.codehaus.groovy.ast.expr.BinaryExpression
import org.codehaus.groovy.ast.expr.ClassExpression
import org.codehaus.groovy.ast.expr.ConstructorCallExpression
import org.codehaus.groovy.ast.expr.DeclarationExpression
import org.codehaus.groovy.ast.expr.Expression
import org.codehaus.groovy.ast.expr.MethodCallExpression
import org.codehaus.groovy.ast.expr.PropertyExpression
import org.codehaus.groovy.ast.expr.StaticMethodCallExpression
import org.codehaus.groovy.ast.expr.VariableExpression
import org.codehaus.groovy.ast.stmt.ForStatement
import org.codehaus.groovy.control.CompilationUnit
import org.codehaus.groovy.control.CompilerConfiguration
import org.codehaus.groovy.control.Phases
import org.codehaus.groovy.control.customizers.ASTTransformationCustomizer
import org.codehaus.groovy.transform.stc.ExtensionMethodNode
import org.codehaus.groovy.transform.stc.StaticTypesMarker

/**
 * The library in the script sandbox (a folder-level library runs there): every
 * call vars/paratest.groovy makes, in CPS and @NonCPS code alike, must be allowed
 * by script-security's whitelists, of which fixtures/whitelists/ holds a snapshot
 * (its README says which lines, from which commit).
 *
 * How: the script is compiled with Groovy's static type checker (an extension,
 * sandbox-dynamic.groovy, turns what it cannot resolve into dynamic calls), and
 * the typed AST is walked. Each call becomes the signature the sandbox checks:
 *
 *   method java.util.Map containsKey java.lang.Object        an instance method,
 *       allowed when the line names its class or a supertype that declares it
 *   staticMethod java.lang.String valueOf java.lang.Object   a static method
 *   new java.util.ArrayList java.util.Collection             a constructor
 *   staticMethod org.codehaus.groovy.runtime.DefaultGroovyMethods join java.lang.Iterable java.lang.String
 *       a GDK method: allowed when DefaultGroovyMethods or StringGroovyMethods
 *       has a whitelisted overload the argument types fit (the sandbox picks one
 *       from the runtime types, among those classes), or the receiver has a
 *       whitelisted instance method of that name and arguments
 *   map.key, map[key], map[key] = v   Map get / DGM getAt, putAt (put for map.key = v)
 *   a == b, a < b, …                  ScriptBytecodeAdapter compareEqual, compareLessThan, …
 *   for (x : c)                       Iterable iterator, or DGM iterator for an array
 *
 * Not checked, because the sandbox does not check them either: calls to pipeline
 * steps and global variables (STEPS, checked by name: a typo fails), calls to
 * the script's own methods, arithmetic on numbers, array element access and
 * length, casts to a type the value already has, instanceof, and the truth of a
 * value in a condition. What static types cannot tell (a value of a step or a
 * global: env, pullRequest, junit's result) is a dynamic call; each one must be
 * in DYNAMIC, with the reason it is allowed at run time. Anything else unresolved
 * fails the test: give the value a type (String s = cfg.x) rather than widen the
 * allowlist.
 */
class SandboxTest {

    static final String DGM = 'org.codehaus.groovy.runtime.DefaultGroovyMethods'
    static final String SGM = 'org.codehaus.groovy.runtime.StringGroovyMethods'

    /** The pipeline steps and global variables the library calls. */
    static final Set<String> STEPS = ['archiveArtifacts', 'attachments', 'echo', 'error', 'file', 'fileExists',
        'hideFromView', 'junit', 'junitFlakyTestPublisher', 'libraryResource', 'publishHTML', 'pwd', 'readFile', 'sh',
        'sshUserPrivateKey', 'sshagent', 'tool', 'unstable', 'withCredentials', 'withEnv'] as Set

    /**
     * Dynamic calls, by "<receiver>.<name>" as written, and why the sandbox allows
     * them at run time.
     */
    static final Map<String, String> DYNAMIC = [
        'env.BUILD_TAG'   : 'env is the EnvActionImpl global: reading a variable is GroovyObject.getProperty, whitelisted by workflow-cps (EnvActionImpl#getProperty is @Whitelisted)',
        'env.BUILD_URL'   : 'the same: an env variable',
        'env.CHANGE_ID'   : 'the same: an env variable',
        'result.failCount': "junit's return value is a TestResultSummary, whose getFailCount is @Whitelisted (junit plugin)",
        'pr.comments'     : 'pullRequest is the pipeline-github global (PullRequestGroovyObject); its getComments is @Whitelisted',
        'pr.comments.iterator': 'pullRequest.comments is an Iterable of comments; a for loop over it calls Iterable.iterator, whitelisted',
        'c.body'          : 'a comment of pullRequest.comments (CommentGroovyObject); getBody is @Whitelisted',
        'c.id'            : 'the same: CommentGroovyObject#getId is @Whitelisted',
        'pr.editComment'  : 'PullRequestGroovyObject#editComment(long, String) is @Whitelisted (pipeline-github)',
        'pr.comment'      : 'PullRequestGroovyObject#comment(String) is @Whitelisted (pipeline-github)',
    ]

    static final Map<String, String> COMPARISONS = ['==': 'compareEqual', '!=': 'compareNotEqual',
        '<': 'compareLessThan', '<=': 'compareLessThanEqual', '>': 'compareGreaterThan',
        '>=': 'compareGreaterThanEqual', '<=>': 'compareTo']

    static File source() {
        return new File(PipelineMock.repo, 'jenkins/vars/paratest.groovy')
    }

    /** The whitelist lines of the snapshot. */
    static Set<String> whitelist() {
        Set<String> lines = [] as Set
        ['generic-whitelist', 'jenkins-whitelist'].each { String name ->
            new File(PipelineMock.repo, 'jenkins/test/fixtures/whitelists/' + name).eachLine { String l ->
                String t = l.trim()
                if (t && !t.startsWith('#')) lines << t
            }
        }
        return lines
    }

    /** The script class of f, type-checked. */
    static ClassNode typed(File f) {
        CompilerConfiguration cc = new CompilerConfiguration()
        cc.addCompilationCustomizers(new ASTTransformationCustomizer([extensions: ['sandbox-dynamic.groovy']], TypeChecked))
        GroovyClassLoader gcl = new GroovyClassLoader(SandboxTest.classLoader, cc)
        CompilationUnit cu = new CompilationUnit(cc, null, gcl)
        cu.addSource(f)
        cu.compile(Phases.INSTRUCTION_SELECTION)
        return cu.AST.modules[0].classes.find { it.script }
    }

    /** A type as the whitelists write it: java.lang.Object[], int, java.util.Map$Entry. */
    static String name(ClassNode t) {
        return t.isArray() ? name(t.componentType) + '[]' : t.name
    }

    static String params(Parameter[] ps) {
        return ps.collect { ' ' + name(it.type) }.join('')
    }

    /** t, its superclasses and its interfaces. */
    static List<ClassNode> hierarchy(ClassNode t) {
        List<ClassNode> all = []
        for (ClassNode c = t; c != null; c = c.superClass) {
            all << c
            all.addAll(c.allInterfaces)
        }
        all << ClassHelper.OBJECT_TYPE
        return all.unique { it.name }
    }

    static boolean fits(String declared, ClassNode actual) {
        if (declared == name(actual)) return true
        ClassNode d = ClassHelper.make(declared.replace('[]', ''))
        if (declared.endsWith('[]') != actual.isArray()) return declared == 'java.lang.Object'
        ClassNode a = actual.isArray() ? actual.componentType : actual
        if (ClassHelper.isPrimitiveType(a)) a = ClassHelper.getWrapper(a)
        if (ClassHelper.isPrimitiveType(d)) d = ClassHelper.getWrapper(d)
        return hierarchy(a).any { it.name == d.name }
    }

    /**
     * Every call of the script at f the sandbox would check, as
     * [line:, what:, signature:, ok:, why:]; ok false means it is not allowed.
     */
    static List<Map> audit(File f) {
        Set<String> allowed = whitelist()
        ClassNode script = typed(f)
        Set<String> own = script.methods*.name as Set
        List<Map> found = []

        Closure<ClassNode> typeOf = { Expression e ->
            ClassNode t = e.getNodeMetaData(StaticTypesMarker.INFERRED_TYPE)
            if (t == null && e instanceof VariableExpression) t = ((VariableExpression) e).originType
            return t ?: e.type
        }
        Closure report = { Expression e, String what, String sig, boolean ok, String why ->
            found << [line: e.lineNumber, what: what, signature: sig, ok: ok, why: why]
        }
        Closure<Boolean> instanceAllowed = { ClassNode recv, String method, String ps ->
            hierarchy(recv).any { allowed.contains('method ' + name(it) + ' ' + method + ps) }
        }
        // A GDK method: an overload in DGM or SGM the types fit, or a real method.
        Closure<String> gdk = { String method, List<ClassNode> types ->
            for (String cls : [DGM, SGM]) {
                String prefix = 'staticMethod ' + cls + ' ' + method + ' '
                for (String line : allowed) {
                    if (!line.startsWith(prefix)) continue
                    List<String> ps = line.substring(prefix.length()).split(' ') as List
                    if (ps.size() == types.size() && (0..<ps.size()).every { fits(ps[it], types[it]) }) {
                        return line
                    }
                }
            }
            ClassNode recv = types[0]
            String ps = types.drop(1).collect { ' ' + name(it) }.join('')
            for (ClassNode c : hierarchy(recv)) {
                if (allowed.contains('method ' + name(c) + ' ' + method + ps)) return 'method ' + name(c) + ' ' + method + ps
            }
            return null
        }
        Closure checkTarget = { Expression e, String what, MethodNode target, ClassNode recv ->
            if (target instanceof ExtensionMethodNode) {
                MethodNode ext = ((ExtensionMethodNode) target).extensionMethodNode
                List<ClassNode> types = ext.parameters*.type
                String line = gdk(target.name, types)
                report(e, what, line ?: 'staticMethod ' + ext.declaringClass.name + ' ' + ext.name + params(ext.parameters),
                       line != null, line ? 'whitelisted' : 'no whitelisted GDK overload or method fits')
            } else if (target.declaringClass.name == script.name) {
                report(e, what, null, true, 'the script\'s own method')
            } else if (target.isStatic()) {
                String sig = 'staticMethod ' + name(target.declaringClass) + ' ' + target.name + params(target.parameters)
                report(e, what, sig, allowed.contains(sig), allowed.contains(sig) ? 'whitelisted' : 'not whitelisted')
            } else {
                ClassNode r = recv ?: target.declaringClass
                boolean ok = instanceAllowed(r, target.name, params(target.parameters)) ||
                             instanceAllowed(target.declaringClass, target.name, params(target.parameters))
                report(e, what, 'method ' + name(target.declaringClass) + ' ' + target.name + params(target.parameters),
                       ok, ok ? 'whitelisted' : 'not whitelisted')
            }
        }
        Closure dynamic = { Expression e, Expression receiver, String member ->
            String key = receiver.text + '.' + member
            String why = DYNAMIC[key]
            report(e, key, null, why != null, why ?: 'the type is not known statically: give it one, or add it to DYNAMIC with the reason the sandbox allows it')
        }
        Set<Expression> assigned = [] as Set

        CodeVisitorSupport visitor = new CodeVisitorSupport() {
            @Override
            void visitMethodCallExpression(MethodCallExpression call) {
                String m = call.methodAsString
                MethodNode target = call.getNodeMetaData(StaticTypesMarker.DIRECT_METHOD_CALL_TARGET)
                boolean dyn = call.getNodeMetaData(StaticTypesMarker.DYNAMIC_RESOLUTION) != null
                if (call.implicitThis) {
                    if (own.contains(m)) report(call, m + '()', null, true, 'the script\'s own method')
                    else if (STEPS.contains(m)) report(call, m + '()', null, true, 'a pipeline step or global')
                    else report(call, m + '()', null, false, 'not a step the library is known to call (STEPS), nor a method of the script')
                } else if (dyn || target == null) {
                    dynamic(call, call.objectExpression, m)
                } else if (target.declaringClass.name == 'groovy.lang.Closure' && m == 'call') {
                    // body(): Closure.call, whatever the number of arguments
                    String sig = 'method groovy.lang.Closure call java.lang.Object[]'
                    report(call, 'call', sig, allowed.contains(sig), 'whitelisted')
                } else {
                    checkTarget(call, m, target, typeOf(call.objectExpression))
                }
                super.visitMethodCallExpression(call)
            }

            @Override
            void visitStaticMethodCallExpression(StaticMethodCallExpression call) {
                MethodNode target = call.getNodeMetaData(StaticTypesMarker.DIRECT_METHOD_CALL_TARGET)
                if (own.contains(call.method)) report(call, call.method + '()', null, true, 'the script\'s own method')
                else if (target != null) checkTarget(call, call.method, target, null)
                else report(call, call.method, null, false, 'an unresolved static call')
                super.visitStaticMethodCallExpression(call)
            }

            @Override
            void visitConstructorCallExpression(ConstructorCallExpression call) {
                ConstructorNode target = call.getNodeMetaData(StaticTypesMarker.DIRECT_METHOD_CALL_TARGET)
                String sig = 'new ' + name(call.type) + (target != null ? params(target.parameters) : ' ?')
                report(call, sig, sig, allowed.contains(sig), allowed.contains(sig) ? 'whitelisted' : 'not whitelisted')
                super.visitConstructorCallExpression(call)
            }

            @Override
            void visitPropertyExpression(PropertyExpression p) {
                Expression recv = p.objectExpression
                String prop = p.propertyAsString
                ClassNode t = typeOf(recv)
                if (recv instanceof ClassExpression) {
                    String sig = 'staticField ' + name(recv.type) + ' ' + prop
                    report(p, sig, sig, allowed.contains(sig), allowed.contains(sig) ? 'whitelisted' : 'not whitelisted')
                } else if (t != null && hierarchy(t).any { it.name == 'java.util.Map' }) {
                    String sig = assigned.contains(p) ? 'method java.util.Map put java.lang.Object java.lang.Object'
                                                      : 'method java.util.Map get java.lang.Object'
                    report(p, recv.text + '.' + prop, sig, allowed.contains(sig), 'a Map\'s key')
                } else if (t != null && t.isArray() && prop == 'length') {
                    report(p, 'length', null, true, 'an array\'s length')
                } else if (t != null && t.name != 'java.lang.Object') {
                    String getter = (t.getMethod('is' + prop.capitalize(), Parameter.EMPTY_ARRAY) != null ? 'is' : 'get') + prop.capitalize()
                    boolean ok = instanceAllowed(t, getter, '')
                    report(p, recv.text + '.' + prop, 'method ' + name(t) + ' ' + getter, ok, ok ? 'whitelisted' : 'not whitelisted')
                } else {
                    dynamic(p, recv, prop)
                }
                super.visitPropertyExpression(p)
            }

            @Override
            void visitDeclarationExpression(DeclarationExpression d) {
                super.visitDeclarationExpression(d)
            }

            @Override
            void visitBinaryExpression(BinaryExpression b) {
                String op = b.operation.text
                ClassNode left = typeOf(b.leftExpression)
                if (op == '=' && b.leftExpression instanceof PropertyExpression) {
                    assigned << b.leftExpression
                }
                if (op == '=' && b.leftExpression instanceof BinaryExpression &&
                        ((BinaryExpression) b.leftExpression).operation.text == '[') {
                    assigned << b.leftExpression
                }
                if (op == '[') {
                    boolean put = assigned.contains(b)
                    if (left != null && left.isArray()) {
                        report(b, '[]', null, true, 'an array element')
                    } else if (left != null && hierarchy(left).any { it.name == 'java.util.Map' }) {
                        String sig = 'staticMethod ' + DGM + (put ? ' putAt java.util.Map java.lang.Object java.lang.Object' : ' getAt java.util.Map java.lang.Object')
                        report(b, '[]', sig, allowed.contains(sig), 'a Map subscript')
                    } else if (left != null && hierarchy(left).any { it.name == 'java.util.List' }) {
                        String sig = 'staticMethod ' + DGM + (put ? ' putAt java.util.List int java.lang.Object' : ' getAt java.util.List int')
                        report(b, '[]', sig, allowed.contains(sig), 'a List subscript')
                    } else {
                        dynamic(b, b.leftExpression, '[]')
                    }
                } else if (COMPARISONS.containsKey(op)) {
                    String sig = 'staticMethod org.codehaus.groovy.runtime.ScriptBytecodeAdapter ' + COMPARISONS[op] + ' java.lang.Object java.lang.Object'
                    report(b, op, sig, allowed.contains(sig), 'a comparison')
                } else if (op in ['=', '&&', '||', 'instanceof', '?:']) {
                    // no call
                } else {
                    MethodNode target = b.getNodeMetaData(StaticTypesMarker.DIRECT_METHOD_CALL_TARGET)
                    ClassNode right = typeOf(b.rightExpression)
                    boolean numbers = [left, right].every { it != null && ClassHelper.isNumberType(ClassHelper.getWrapper(it)) }
                    if (numbers) {
                        report(b, op, null, true, 'arithmetic on numbers')
                    } else if (target != null) {
                        checkTarget(b, op, target, left)
                    } else {
                        dynamic(b, b.leftExpression, op)
                    }
                }
                super.visitBinaryExpression(b)
            }

            @Override
            void visitForLoop(ForStatement loop) {
                Expression coll = loop.collectionExpression
                ClassNode t = typeOf(coll)
                if (loop.variable != ForStatement.FOR_LOOP_DUMMY) {
                    if (t != null && t.isArray()) {
                        String sig = 'staticMethod ' + DGM + ' iterator java.lang.Object'
                        report(coll, 'for (…: array)', sig, allowed.contains(sig), 'a loop over an array')
                    } else if (t != null && hierarchy(t).any { it.name == 'java.lang.Iterable' }) {
                        String sig = 'method java.lang.Iterable iterator'
                        report(coll, 'for (…: ' + name(t) + ')', sig, allowed.contains(sig), 'a loop over an Iterable')
                    } else {
                        dynamic(coll, coll, 'iterator')
                    }
                }
                super.visitForLoop(loop)
            }
        }
        // main and run are the script class's own, made by the compiler
        script.methods.findAll { !(it.name in ['main', 'run']) }.each { MethodNode m -> m.code?.visit(visitor) }
        return found.sort { a, b -> a.line <=> b.line }
    }

    static List<String> violations(File f) {
        return audit(f).findAll { !it.ok }.collect { Map c ->
            f.name + ':' + c.line + ': ' + c.what + (c.signature ? ' (' + c.signature + ')' : '') + ': ' + c.why
        }.unique()
    }

    void testEveryCallIsAllowedInTheSandbox() {
        List<Map> calls = audit(source())
        assert calls.size() > 200      // the walk saw the whole script
        assert violations(source()) == []
    }

    void testEveryStepAndDynamicCallIsUsed() {
        // the allowlists stay small: what the script no longer calls goes
        List<Map> calls = audit(source())
        Set<String> steps = calls.findAll { it.why == 'a pipeline step or global' }*.what.collect { it - '()' } as Set
        assert steps == STEPS
        Set<String> dynamic = calls.findAll { DYNAMIC.containsKey(it.what) }*.what as Set
        assert dynamic == DYNAMIC.keySet()
    }

    void testTheCheckSeesCallsTheSandboxRejects() {
        // The check must be able to fail: the constructor the library once used
        // (new LinkedHashMap(Map) is not whitelisted, new HashMap(Map) is), a
        // method of no whitelist, a typo'd step and an untyped value.
        File bad = File.createTempFile('bad-step', '.groovy')
        bad.text = '''
            import com.cloudbees.groovy.cps.NonCPS
            def call(Map config = [:]) { echo(helper(config)) ; ech('x') }
            @NonCPS
            String helper(Map d) {
                Map copy = new LinkedHashMap(d)
                Map fine = new HashMap(d)
                String s = d.keySet().join(',')
                def x = d.a
                return s.toUpperCase() + s.intern() + x.foo()
            }
        '''
        List<String> v = violations(bad)
        bad.delete()
        assert v.any { it.contains('new java.util.LinkedHashMap java.util.Map') }
        assert !v.any { it.contains('new java.util.HashMap java.util.Map') }
        assert v.any { it.contains('method java.lang.String intern') }
        assert !v.any { it.contains('toUpperCase') || it.contains('join') }
        assert v.any { it.contains('ech()') && it.contains('STEPS') }
        assert v.any { it.contains('x.foo') && it.contains('not known statically') }
        assert v.size() == 4
    }

    void testTheSnapshotIsTheUpstreamText() {
        File dir = new File(PipelineMock.repo, 'jenkins/test/fixtures/whitelists')
        // jenkins-whitelist is whole: 1692 characters at the commit the README names
        assert new File(dir, 'jenkins-whitelist').text.length() == 1692
        String readme = new File(dir, 'README.md').text
        assert readme.contains('e0ab4b307eb35bb477364ce8f317811f46cba125')
        assert readme.contains('39ca7f7ed0ace95844ed2a991efd250c477e1b4a')
        // the excerpt keeps upstream's lines as they are: every line a signature
        new File(dir, 'generic-whitelist').eachLine { String l ->
            assert l.isEmpty() || l.startsWith('#') || l ==~ /(method|staticMethod|new|staticField|field) [\w.$]+( [\w.$\[\]]+)*/
        }
    }
}
