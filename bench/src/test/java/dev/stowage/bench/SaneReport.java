package dev.stowage.bench;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.HashSet;
import java.util.Set;

/** The sanity checks every smoke run of the harness makes on its JSON report. Never a timing threshold. */
final class SaneReport {
  private SaneReport() {}

  /**
   * Checks that the run had no failures and that every result counted operations without errors,
   * with p50 ≤ p99 ≤ p99.9 ≤ max.
   *
   * @return the results seen, as {@code "<scenario> on <system>"}
   */
  static Set<String> check(JsonNode report) {
    assertThat(report.get("failures")).as("failures: %s", report.get("failures")).isEmpty();
    Set<String> seen = new HashSet<>();
    for (JsonNode r : report.get("results")) {
      String key = r.get("scenario").asText() + " on " + r.get("system").asText();
      seen.add(key);
      assertThat(r.get("ops").asLong()).as("ops of %s", key).isPositive();
      assertThat(r.get("errors").asLong()).as("errors of %s: %s", key, r.get("note")).isZero();
      assertThat(r.get("opsPerSec").asDouble()).as("ops/s of %s", key).isPositive();
      double p50 = r.get("p50Us").asDouble();
      double p99 = r.get("p99Us").asDouble();
      double p999 = r.get("p999Us").asDouble();
      double max = r.get("maxUs").asDouble();
      assertThat(p50).as("p50 of %s", key).isLessThanOrEqualTo(p99);
      assertThat(p99).as("p99 of %s", key).isLessThanOrEqualTo(p999);
      assertThat(p999).as("p99.9 of %s", key).isLessThanOrEqualTo(max);
    }
    return seen;
  }
}
