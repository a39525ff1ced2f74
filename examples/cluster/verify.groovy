// Run by the build's it/ module after this project's build passed: the example printed its line.
def log = new File(basedir, 'build.log').text
assert log =~ /(?m)^stored [0-9a-f-]{36} in cluster mode$/
