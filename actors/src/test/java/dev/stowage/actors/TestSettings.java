package dev.stowage.actors;

import com.typesafe.config.ConfigFactory;
import java.nio.file.Path;

/** Settings for tests: the reference defaults with overrides, under a temporary base directory. */
public final class TestSettings {
  private TestSettings() {}

  public static StorageSettings in(Path baseDir) {
    return in(baseDir, "");
  }

  public static StorageSettings in(Path baseDir, String overrides) {
    return StorageSettings.fromConfig(
            ConfigFactory.parseString(overrides).withFallback(ConfigFactory.defaultReference()).resolve())
        .withBaseDir(baseDir);
  }
}
