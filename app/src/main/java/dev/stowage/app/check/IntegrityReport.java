package dev.stowage.app.check;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code PRAGMA integrity_check}'s output in a few readable lines. SQLite reports up to 100
 * problems, one per line, and an overwritten page range gives a hundred lines such as {@code Page
 * 71: never used}: the pages of one message become ranges on one line ({@code Page 71-170: never
 * used (100 pages)}), other lines that differ only in their numbers are shown once with a count, and
 * there are at most {@link #MAX_LINES} lines of at most {@link #MAX_WIDTH} characters.
 */
final class IntegrityReport {
  /** Most lines of a report; the rest are counted in a last line. */
  static final int MAX_LINES = 8;
  /** Longest line of a report, in characters. */
  static final int MAX_WIDTH = 160;
  /** Most page ranges shown on one line. */
  private static final int MAX_RANGES = 8;

  private static final Pattern PAGE = Pattern.compile("^Page (\\d+): (.+)$");
  private static final Pattern NUMBER = Pattern.compile("\\d+");

  private IntegrityReport() {}

  /** The problems in {@code result} (SQLite's header line "*** in database main ***" is not one). */
  static int problems(String result) {
    return problemLines(result).size();
  }

  /** {@code result} as at most {@link #MAX_LINES} lines of at most {@link #MAX_WIDTH} characters. */
  static List<String> summarize(String result) {
    Map<String, Group> groups = new LinkedHashMap<>();
    for (String line : problemLines(result)) {
      Matcher page = PAGE.matcher(line);
      if (page.matches()) {
        groups.computeIfAbsent("Page N: " + page.group(2), key -> new Group(page.group(2)))
            .pages.add(Integer.parseInt(page.group(1)));
      } else {
        groups.computeIfAbsent(NUMBER.matcher(line).replaceAll("N"), key -> new Group(null)).lines.add(line);
      }
    }
    List<String> lines = new ArrayList<>();
    for (Group group : groups.values()) {
      if (lines.size() == MAX_LINES - 1 && groups.size() > MAX_LINES) {
        lines.add("... and " + (groups.size() - lines.size()) + " more kinds of problem");
        break;
      }
      lines.add(bounded(group.toString()));
    }
    return lines;
  }

  /** The lines that say the same thing: one message on pages, or one shape of line with other numbers. */
  private static final class Group {
    /** The message of {@code Page N: message} lines; null for other lines. */
    private final String pageMessage;
    private final TreeSet<Integer> pages = new TreeSet<>();
    private final List<String> lines = new ArrayList<>();

    private Group(String pageMessage) {
      this.pageMessage = pageMessage;
    }

    @Override
    public String toString() {
      if (pageMessage != null) {
        return "Page " + ranges(pages) + ": " + pageMessage + (pages.size() > 1 ? " (" + pages.size() + " pages)" : "");
      }
      return lines.get(0) + (lines.size() > 1 ? " (and " + (lines.size() - 1) + " more like it)" : "");
    }
  }

  private static List<String> problemLines(String result) {
    return result.lines().map(String::strip).filter(line -> !line.isEmpty() && !line.startsWith("*** ")).toList();
  }

  /** {@code 71-81, 83, 85-170}, at most {@link #MAX_RANGES} ranges, then {@code , ...}. */
  private static String ranges(TreeSet<Integer> pages) {
    List<String> ranges = new ArrayList<>();
    Integer start = null;
    Integer previous = null;
    for (int page : pages) {
      if (previous != null && page == previous + 1) {
        previous = page;
        continue;
      }
      if (start != null) {
        ranges.add(start.equals(previous) ? start.toString() : start + "-" + previous);
      }
      start = page;
      previous = page;
    }
    if (start != null) {
      ranges.add(start.equals(previous) ? start.toString() : start + "-" + previous);
    }
    return ranges.size() <= MAX_RANGES ? String.join(", ", ranges)
        : String.join(", ", ranges.subList(0, MAX_RANGES)) + ", ...";
  }

  private static String bounded(String line) {
    return line.length() <= MAX_WIDTH ? line : line.substring(0, MAX_WIDTH - 3) + "...";
  }
}
