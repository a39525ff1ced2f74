import java.util.zip.ZipFile

// Run by the build's it/ module after this project's builds passed (invoker.properties): the example
// printed its line on both runs, the second on the workspace and key the first one created.
def log = new File(basedir, 'build.log').text
assert (log =~ /(?m)^stored [0-9a-f-]{36}$/).size() == 2
assert new File(basedir, 'target/stowage-example.key').length() == 65
assert new File(basedir, 'target/stowage-example/my-workspace/data_v1.sqlite').isFile()

// What the host got from the repository: each jar with its sources and javadoc beside it, for an IDE,
// and the javadoc says what a manifest's components mean.
def jars = { String module, String classifier ->
  new File(localRepositoryPath, "dev/stowage/stowage-${module}").listFiles().collectMany { version ->
    version.listFiles().findAll { it.name.endsWith("-${classifier}.jar") }
  }
}
['protocol', 'storage', 'actors'].each { module ->
  ['sources', 'javadoc'].each { classifier ->
    assert !jars(module, classifier).isEmpty() : "no ${classifier} jar of stowage-${module} in ${localRepositoryPath}"
  }
}
new ZipFile(jars('protocol', 'javadoc').first()).withCloseable { javadoc ->
  def page = javadoc.getInputStream(javadoc.getEntry('dev/stowage/protocol/FileManifest.html')).text
  assert page.contains('the size in bytes of the blocks the file')
}
