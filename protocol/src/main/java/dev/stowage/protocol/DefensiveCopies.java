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
      copy.add(Require.nonNull(element, "an element of " + what));
    }
    return Collections.unmodifiableList(copy);
  }

  /** A sorted, unmodifiable copy: children list in name order, whatever map the caller passed. */
  static <V> SortedMap<String, V> copyOf(Map<String, V> map, String what) {
    Require.nonNull(map, what);
    TreeMap<String, V> copy = new TreeMap<>();
    for (Map.Entry<String, V> entry : map.entrySet()) {
      String name = Require.nonNull(entry.getKey(), "a name in " + what);
      copy.put(name, Require.nonNull(entry.getValue(), what + "['" + name + "']"));
    }
    return Collections.unmodifiableSortedMap(copy);
  }
}
