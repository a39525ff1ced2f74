package dev.stowage.bench.report;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/** The scenario keys of the results, with the sentence each stands for, in table order. */
public final class Scenarios {
  private Scenarios() {}

  public static final String W1_1 = "W1-1";
  public static final String W1_8 = "W1-8";
  public static final String W1_64 = "W1-64";
  public static final String W1_FULL_1 = "W1-full-1";
  public static final String W1_FULL_64 = "W1-full-64";
  public static final String W2_1 = "W2-1";
  public static final String W2_8 = "W2-8";
  public static final String W3_8 = "W3-8";
  public static final String W4_WRITE = "W4-write";
  public static final String W4_WRITE_EVICTING = "W4-write-evicting";
  public static final String W4_READ_EVICTING = "W4-read-evicting";
  public static final String W5_8 = "W5-8";
  public static final String W6_8 = "W6-8";
  public static final String W7_1 = "W7-1";
  public static final String W7_8 = "W7-8";

  /** Every scenario, in table order, with what it measures. */
  public static final Map<String, String> DESCRIPTIONS = descriptions();

  private static Map<String, String> descriptions() {
    Map<String, String> d = new LinkedHashMap<>();
    d.put(W1_1, "W1 durable setManifest, 1 writer");
    d.put(W1_8, "W1 durable setManifest, 8 writers");
    d.put(W1_64, "W1 durable setManifest, 64 writers");
    d.put(W1_FULL_1, "W1 durability=full, 1 writer");
    d.put(W1_FULL_64, "W1 durability=full, 64 writers");
    d.put(W2_1, "W2 hot getManifest, 1 reader");
    d.put(W2_8, "W2 hot getManifest, 8 readers");
    d.put(W3_8, "W3 cold getManifest (cache cleared), 8 readers");
    d.put(W4_WRITE, "W4 setBlock, cache filling up (no eviction), 4 clients");
    d.put(W4_WRITE_EVICTING, "W4 setBlock past the LRU limit (evicting), 4 clients");
    d.put(W4_READ_EVICTING, "W4 getBlock of recent blocks while evicting");
    d.put(W5_8, "W5 file edit (chunk + cache-only manifest, ensure every N), 8 editors");
    d.put(W6_8, "W6 caller time during vacuum + eviction, 8 callers");
    d.put(W7_1, "W7 tree operations (create 2, move 3, rename 1 manifests; durable, retried on conflict), 1 client");
    d.put(W7_8, "W7 tree operations (create 2, move 3, rename 1 manifests; durable, retried on conflict), 8 clients");
    return Collections.unmodifiableMap(d);
  }
}
