// A type checking extension for SandboxTest: the static type checker then
// accepts vars/paratest.groovy as it is (steps, globals such as env, values of an
// untyped Map) and marks what it cannot resolve as dynamic instead of failing;
// SandboxTest reports every dynamic call that its allowlist does not explain.
unresolvedVariable { var -> makeDynamic(var) }
unresolvedProperty { pexp -> makeDynamic(pexp) }
unresolvedAttribute { aexp -> makeDynamic(aexp) }
methodNotFound { receiver, name, argList, argTypes, call -> makeDynamic(call) }
incompatibleAssignment { lhsType, rhsType, expr -> handled = true }
incompatibleReturnType { returnStmt, inferredReturnType -> handled = true }
