package dev.stowage.app;

import com.typesafe.config.Config;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** {@code --config FILE}, of every command that reads the configuration (a picocli mixin). */
public final class ConfigOption {
  @Option(names = "--config", paramLabel = "FILE", description = "HOCON file overriding the packaged application.conf.")
  Path file;

  private Config loaded;

  /** The configuration, loaded once. */
  public Config config() {
    if (loaded == null) {
      loaded = AppConfig.load(file);
    }
    return loaded;
  }
}
