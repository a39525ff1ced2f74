package dev.stowage.app.demo;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import dev.stowage.app.CliError;

/**
 * Size of the demo workload: the {@code stowage.demo} section of the configuration, each value
 * overridable by a command-line flag.
 *
 * @param editors concurrent editors, each owning its own files
 * @param filesPerEditor files each editor creates and then edits
 * @param editsPerEditor edits each editor makes (a new chunk replacing an old one)
 * @param chunksPerFile chunks of a new file
 * @param chunkSize bytes of one chunk
 * @param ensureEvery an editor makes its file durable ({@code ensureManifestPersistent}) every so many edits
 * @param readers concurrent readers reading random files back
 * @param readsPerReader files each reader reads
 * @param blockFill blocks downloaded, as a multiple of the block cache's limit (above 1 forces eviction)
 */
record DemoSettings(
    String workspace,
    int editors,
    int filesPerEditor,
    int editsPerEditor,
    int chunksPerFile,
    int chunkSize,
    int ensureEvery,
    int readers,
    int readsPerReader,
    double blockFill) {

  DemoSettings {
    positive("stowage.demo.editors", editors);
    positive("stowage.demo.files-per-editor", filesPerEditor);
    notNegative("stowage.demo.edits-per-editor", editsPerEditor);
    positive("stowage.demo.chunks-per-file", chunksPerFile);
    positive("stowage.demo.chunk-size", chunkSize);
    positive("stowage.demo.ensure-every", ensureEvery);
    notNegative("stowage.demo.readers", readers);
    notNegative("stowage.demo.reads-per-reader", readsPerReader);
    if (!(blockFill >= 0 && blockFill <= 100)) {
      throw invalid("stowage.demo.block-fill", "must be between 0 and 100, got " + blockFill);
    }
    if (workspace == null || workspace.isBlank()) {
      throw invalid("stowage.demo.workspace", "must not be empty");
    }
  }

  static DemoSettings fromConfig(Config config) {
    try {
      Config demo = config.getConfig("stowage.demo");
      return new DemoSettings(
          demo.getString("workspace"),
          demo.getInt("editors"),
          demo.getInt("files-per-editor"),
          demo.getInt("edits-per-editor"),
          demo.getInt("chunks-per-file"),
          Math.toIntExact(demo.getBytes("chunk-size")),
          demo.getInt("ensure-every"),
          demo.getInt("readers"),
          demo.getInt("reads-per-reader"),
          demo.getDouble("block-fill"));
    } catch (ConfigException | ArithmeticException e) {
      throw new CliError("invalid configuration: " + e.getMessage(), e);
    }
  }

  int files() {
    return editors * filesPerEditor;
  }

  private static void positive(String key, int value) {
    if (value <= 0) {
      throw invalid(key, "must be positive, got " + value);
    }
  }

  private static void notNegative(String key, int value) {
    if (value < 0) {
      throw invalid(key, "must not be negative, got " + value);
    }
  }

  private static CliError invalid(String key, String why) {
    return new CliError("invalid configuration: " + key + " " + why);
  }
}
