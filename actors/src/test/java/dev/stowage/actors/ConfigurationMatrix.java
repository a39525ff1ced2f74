package dev.stowage.actors;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.params.provider.Arguments;

/**
 * The configuration matrix the contract and linearizability suites run over (issue 14):
 * durability {normal, full} × group-commit max-batch {1000, 1} × entity.max-active {large, small} ×
 * passivate-after {2 minutes, 1 ms}, in both modes. A point is a line of settings under {@code
 * stowage}, comma-separated (HOCON).
 */
public final class ConfigurationMatrix {
  private ConfigurationMatrix() {}

  /** Whether {@code -Dstowage.test.matrix=full} (the {@code reliability} profile) asks for every point where a mode runs a subset by default. */
  public static boolean full() {
    return "full".equals(System.getProperty("stowage.test.matrix"));
  }

  /** Every point, the default configuration (normal, 1000, large, 2 minutes) first. */
  public static List<String> product(int smallMaxActive) {
    List<String> points = new ArrayList<>();
    for (String durability : List.of("normal", "full")) {
      for (int maxBatch : List.of(1000, 1)) {
        for (int maxActive : List.of(100_000, smallMaxActive)) {
          for (String passivateAfter : List.of("2 minutes", "1 ms")) {
            points.add("durability = " + durability + ", group-commit.max-batch = " + maxBatch
                + ", entity.max-active = " + maxActive + ", entity.passivate-after = " + passivateAfter);
          }
        }
      }
    }
    return points;
  }

  /** Every point but the first, the default configuration, which each mode's own contract test runs. */
  /**
   * With {@code -Dstowage.test.matrix=full}, one parameterized run per point of {@link #product}:
   * (seed, settings), the seeds counting from {@code firstSeed}, each point's settings after {@code
   * prefix}; nothing otherwise.
   */
  public static Stream<Arguments> fullProductIfAsked(long firstSeed, String prefix, int smallMaxActive) {
    if (!full()) {
      return Stream.empty();
    }
    List<String> points = product(smallMaxActive);
    return IntStream.range(0, points.size()).mapToObj(i -> Arguments.of(firstSeed + i, prefix + points.get(i)));
  }

  public static List<String> beyondTheDefault() {
    List<String> points = product(1);
    return points.subList(1, points.size());
  }

  /** The point as a configuration: each setting on a line of its own, under {@code stowage}. */
  public static String configuration(String point) {
    return "stowage { " + point.replace(", ", "\n") + " }\n";
  }

  /** Whether entities stay live between a test's calls at {@code point} (no passivation, room for each). */
  public static boolean entriesStayCached(String point) {
    return point.contains("max-active = 100000") && point.contains("2 minutes");
  }
}
