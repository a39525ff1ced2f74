package dev.stowage.app.check;

import dev.stowage.storage.BlockLimitTable;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * The block limit an offline tool judges a workspace's block cache by, and where it comes from.
 *
 * <p>A tool knows no workspace's limit of its own: the CLI's configuration is the demo's, and a
 * host configures its own. So the limit is the one the workspace records (the library records its
 * limit in the cache database at each open, {@link BlockLimitTable}), or the one the user gives
 * ({@code --block-limit N}). The user's wins when both are there: the user is telling the tool the
 * limit the host runs with now (e.g. lowered in the host's configuration since its last open), and
 * the host would evict down to it at its next open anyway; the output says when the two differ.
 * With neither (a cache last opened by a Stowage from before the record), the blocks are counted
 * and not judged, and a repair drops none of them for the limit.
 *
 * @param blocks the limit, or empty when it is not known
 * @param recorded what the workspace records, if anything
 * @param given whether the limit is the user's {@code --block-limit}
 */
public record JudgedLimit(OptionalLong blocks, Optional<BlockLimitTable.Recorded> recorded, boolean given) {

  /** The limit by {@code given} (the user's, if any), else by what the workspace records. */
  public static JudgedLimit of(OptionalLong given, Optional<BlockLimitTable.Recorded> recorded) {
    if (given.isPresent()) {
      return new JudgedLimit(given, recorded, true);
    }
    return new JudgedLimit(recorded.map(r -> OptionalLong.of(r.blocks())).orElse(OptionalLong.empty()), recorded, false);
  }

  /** Whether {@code count} blocks are over the limit; never true when the limit is not known. */
  public boolean exceededBy(long count) {
    return blocks.isPresent() && count > blocks.getAsLong();
  }

  /** Where the limit comes from, in words: "recorded by its host", "--block-limit; the workspace records 2048". */
  public String source() {
    if (!given) {
      return "the limit its host recorded";
    }
    return recorded.map(r -> r.blocks() == blocks.getAsLong() ? "--block-limit, as the workspace records"
        : "--block-limit; the workspace records " + r.blocks()).orElse("--block-limit; the workspace records none");
  }

  /** {@code count} blocks against the limit, in words, for inspect and fsck. */
  public String describe(long count) {
    if (blocks.isEmpty()) {
      return count + " blocks; no limit recorded (a cache from before Stowage recorded it): not judged;"
          + " --block-limit N judges it";
    }
    return count + " of at most " + blocks.getAsLong() + " (" + source() + ")";
  }
}
