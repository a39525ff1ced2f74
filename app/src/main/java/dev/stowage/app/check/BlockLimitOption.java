package dev.stowage.app.check;

import java.util.OptionalLong;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;

/** {@code --block-limit N} of inspect and fsck: positive, or absent (then each workspace's recorded limit). */
final class BlockLimitOption {
  private BlockLimitOption() {}

  static OptionalLong of(CommandSpec spec, Long given) {
    if (given == null) {
      return OptionalLong.empty();
    }
    if (given <= 0) {
      throw new ParameterException(spec.commandLine(), "--block-limit must be positive, got " + given);
    }
    return OptionalLong.of(given);
  }
}
