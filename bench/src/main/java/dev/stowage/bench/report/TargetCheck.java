package dev.stowage.bench.report;

/**
 * One target of issue 7, checked against a run.
 *
 * @param name short name, e.g. {@code W1-64 vs raw}
 * @param definition how the value is computed
 * @param value the measured ratio or quantity (NaN if a needed result is missing)
 * @param goal the target, e.g. {@code >= 0.7}
 * @param met whether the value meets the goal
 */
public record TargetCheck(String name, String definition, double value, String goal, boolean met) {}
