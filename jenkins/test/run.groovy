// Runs the tests of the jenkins/ shared library: every void test*() method of the
// classes below, each on its own. Prints one line per test and, last,
// "N passed, N failed"; exits 1 when a test failed. A test that cannot run here
// (ContractTest without Docker) prints "skip" with the reason and counts as neither.
// Usage (from the repository root):
//   groovy -cp jenkins/test/stubs:jenkins/test:/usr/share/java/dom4j.jar jenkins/test/run.groovy [filter]

PipelineMock.repo = new File('.').canonicalFile
assert new File(PipelineMock.repo, 'jenkins/vars/paratest.groovy').exists(): 'run from the repository root'

String filter = args ? args[0] : null
int passed = 0
int failed = 0
int skipped = 0
[ParatestTest, CpsLintTest, SandboxTest, ExamplesTest, JunitPortTest, ContractTest].each { Class cls ->
    cls.declaredMethods.findAll { it.name.startsWith('test') && it.parameterTypes.length == 0 }
        .sort { it.name }
        .each { method ->
            String name = cls.simpleName + '.' + method.name
            if (filter && !name.contains(filter)) return
            long t0 = System.nanoTime()
            try {
                method.invoke(cls.newInstance())
                passed++
                println "ok   ${name} (${(System.nanoTime() - t0).intdiv(1000000)} ms)"
            } catch (java.lang.reflect.InvocationTargetException e) {
                Throwable t = e.cause
                if (t.class.simpleName == 'Skipped') { // ContractTest.Skipped
                    skipped++
                    println "skip ${name}: ${t.message}"
                    return
                }
                failed++
                println "FAIL ${name}: ${t.class.simpleName}: ${t.message}"
                if (!(t instanceof AssertionError)) {
                    t.stackTrace.findAll { it.fileName?.endsWith('.groovy') }.take(8).each { println "       at ${it}" }
                }
            }
        }
}
PipelineMock.cleanUp()
ContractTest.cleanUp()
JunitPortTest.cleanUp()
if (skipped) println "${skipped} skipped"
println "${passed} passed, ${failed} failed"
System.exit(failed ? 1 : 0)
