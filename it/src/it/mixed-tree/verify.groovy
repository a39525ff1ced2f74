// It failed, and for the right reason: the rule found the mixed Jackson versions.
def log = new File(basedir, 'build.log').text
assert log.contains('DependencyConvergence failed')
assert log.contains('Dependency convergence error for com.fasterxml.jackson.core:jackson-core')
