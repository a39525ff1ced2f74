// Run by the build's it/ module after this project's builds passed (invoker.properties): the example
// printed its line on both runs, the second on the workspace and key the first one created.
def log = new File(basedir, 'build.log').text
assert (log =~ /(?m)^stored [0-9a-f-]{36}$/).size() == 2
def key = new File(basedir, 'target/stowage-example.key')
assert key.length() == 65
assert new File(basedir, 'target/stowage-example/my-workspace/data_v1.sqlite').isFile()
