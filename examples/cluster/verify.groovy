// Run by the build's it/ module after this project's builds passed (invoker.properties): the example
// printed its line on both runs, the second on the block cache and key the first one created.
def log = new File(basedir, 'build.log').text
assert (log =~ /(?m)^stored [0-9a-f-]{36} in cluster mode$/).size() == 2
assert new File(basedir, 'target/data.key').length() == 65
assert new File(basedir, 'target/data/my-workspace/cache_v1.sqlite').isFile()
