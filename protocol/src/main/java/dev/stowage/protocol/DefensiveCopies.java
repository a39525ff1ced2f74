package dev.stowage.protocol;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

/** Defensive copies for the manifest records, with typed errors for nulls. */
final class DefensiveCopies {
  private DefensiveCopies() {}

  static <T> List<T> copyOf(List<T> list, String what) {
    Require.nonNull(list, what);
    List<T> copy = new ArrayList<>(list.size());
    for (T element : list) {
      if (element == null) { // the message built only then: a manifest's copy is on every decode's path
        throw new InvalidRequestException("an element of " + what + " must not be null");
      }
      copy.add(element);
    }
    return Collections.unmodifiableList(copy);
  }

  /**
   * A sorted, unmodifiable copy: children list in name order, whatever map the caller passed. One
   * already sorted by name (another manifest's children) is copied in one pass, without comparing
   * its names again: {@code new TreeMap<>(map)} builds from a {@link SortedMap} of the same
   * (natural) order directly.
   */
  static <V> SortedMap<String, V> copyOf(Map<String, V> map, String what) {
    Require.nonNull(map, what);
    TreeMap<String, V> copy;
    try {
      copy = new TreeMap<>(map);
    } catch (NullPointerException e) { // a null name: natural order cannot compare it
      throw new InvalidRequestException("a name in " + what + " must not be null");
    }
    for (Map.Entry<String, V> entry : copy.entrySet()) { // the copy: what the caller's map holds now may differ
      if (entry.getKey() == null || entry.getValue() == null) { // the message built only then: on every decode's path
        throw new InvalidRequestException(entry.getKey() == null ? "a name in " + what + " must not be null"
            : what + "['" + entry.getKey() + "'] must not be null");
      }
    }
    return Collections.unmodifiableSortedMap(copy);
  }
}
