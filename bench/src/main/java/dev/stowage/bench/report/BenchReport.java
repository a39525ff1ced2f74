package dev.stowage.bench.report;

import java.util.List;

/**
 * Everything one run produced: what is written as JSON ({@code --json}) and rendered as Markdown
 * and charts.
 *
 * @param command the command line, as a user would type it
 * @param profile full, quick or tiny
 * @param startedAt UTC start time, ISO-8601
 * @param seconds wall time of the whole run
 * @param failures system × workload runs that threw, with the reason (empty in a sane run)
 */
public record BenchReport(
    String command,
    String profile,
    String startedAt,
    double seconds,
    MachineInfo machine,
    List<String> systems,
    List<Result> results,
    List<TargetCheck> targets,
    MemoryResult memory,
    List<String> failures) {

  public BenchReport {
    systems = List.copyOf(systems);
    results = List.copyOf(results);
    targets = List.copyOf(targets);
    failures = List.copyOf(failures);
  }
}
