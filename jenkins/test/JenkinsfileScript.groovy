/**
 * The base class example Jenkinsfiles are evaluated with in ExamplesTest: every
 * DSL section and step is accepted (a closure argument is run, so nested sections
 * are visited), calls of the paratest step are recorded with the sections they
 * sit in, and scripted `parallel([a: {…}, b: {…}])` runs its branches.
 */
abstract class JenkinsfileScript extends Script {
    List<Map> paratestCalls = []
    List<String> sections = []
    List<String> stepsCalled = []
    List<Map> written = []           // writeFile calls: [file:, text:]
    List<Map> locks = []             // lock calls, their arguments

    def methodMissing(String name, Object args) {
        Object[] a = args instanceof Object[] ? (Object[]) args : [args] as Object[]
        stepsCalled << name
        if (name == 'paratest') {
            Map config = a.length > 0 ? (Map) a[0] : [:]
            paratestCalls << [config: config, sections: new ArrayList(sections)]
            return [exitCode: 0, status: 'PASSED', headline: 'jenkins-paratest PASSED: 2 passed of 2 in 1s',
                    out: config.out ?: 'paratest-out', message: null]
        }
        if (name == 'writeFile' && a.length == 1 && a[0] instanceof Map) {
            written << (Map) a[0]
        }
        if (name == 'lock' && a.length > 0 && a[0] instanceof Map) {
            locks << (Map) a[0]
        }
        if (name == 'parallel' && a.length == 1 && a[0] instanceof Map) {
            return inSection(name) {
                ((Map) a[0]).each { k, v -> if (v instanceof Closure) ((Closure) v).call() }
            }
        }
        if (a.length > 0 && a[a.length - 1] instanceof Closure) {
            return inSection(name, (Closure) a[a.length - 1])
        }
        return null
    }

    def propertyMissing(String name) {
        return name     // agent any, checkout scm, …
    }

    private Object inSection(String name, Closure body) {
        sections << name
        try {
            return body.call()
        } finally {
            sections.remove(sections.size() - 1)
        }
    }
}
