package dev.stowage.app.crash;

import dev.stowage.protocol.CorruptEntryException;
import dev.stowage.protocol.EntryId;
import dev.stowage.protocol.FileManifest;
import dev.stowage.protocol.FolderManifest;
import dev.stowage.protocol.LocalManifest;
import dev.stowage.protocol.ManifestCodec;
import dev.stowage.storage.BlobCipher;
import dev.stowage.storage.DataStore;
import dev.stowage.storage.Durability;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What must hold of the tree after a restart ({@link CrashTreeWriter}'s transactions), read from
 * the reopened workspace and the writer's {@link AckLog}:
 *
 * <ul>
 *   <li><b>whole or nothing</b>: if any entry holds a transaction's value, every entry that
 *       transaction wrote holds that value or a later one, acknowledged or not;
 *   <li><b>nothing acknowledged lost</b>: every entry of an acknowledged transaction holds its
 *       value or a later one (after a power cut at {@code durability = normal}, those acknowledged
 *       after the WAL's last sync may be lost, but whole);
 *   <li><b>the tree</b>: every stored file is listed in exactly one folder, the one its {@code
 *       parent} names, and every listed file is stored.
 * </ul>
 */
final class TreeCheck {
  /**
   * @param acknowledged acknowledged transactions
   * @param lost acknowledged transactions not stored whole (each counts once)
   * @param lostPromised those the durability setting promised to keep
   * @param unsynced acknowledged transactions the setting allowed to lose
   * @param torn transactions found half applied, and breaks of the tree
   */
  record Result(int acknowledged, int lost, int lostPromised, int unsynced, int torn, List<String> problems) {}

  private TreeCheck() {}

  /** The instant that carries transaction {@code tx} ({@link #transactionOf}). */
  static Instant stamp(long tx) {
    return Instant.ofEpochSecond(tx / 1_000_000_000L, tx % 1_000_000_000L);
  }

  /** The transaction that wrote {@code value}. */
  static long transactionOf(LocalManifest value) {
    return value.updated().getEpochSecond() * 1_000_000_000L + value.updated().getNano();
  }

  static Result check(Path workspaceDir, BlobCipher cipher, List<String[]> log, long mayLoseAfterNanos) {
    Map<Long, Map<EntryId, Long>> prepared = new LinkedHashMap<>();
    Map<Long, Long> acknowledgedAt = new LinkedHashMap<>();
    for (String[] line : log) {
      if (line[0].equals("P")) {
        Map<EntryId, Long> writes = new LinkedHashMap<>();
        for (int i = 2; i < line.length - 1; i++) { // the last field is the time of the line
          String[] write = line[i].split("=");
          writes.put(EntryId.parse(write[0]), Long.parseLong(write[1]));
        }
        prepared.put(Long.parseLong(line[1]), writes);
      } else if (line[0].equals("T")) {
        acknowledgedAt.put(Long.parseLong(line[1]), line.length > 2 ? Long.parseLong(line[2]) : Long.MIN_VALUE);
      }
    }
    Map<EntryId, LocalManifest> stored = read(workspaceDir, cipher, prepared);
    List<String> problems = new ArrayList<>();
    int torn = 0;
    for (LocalManifest value : stored.values()) {
      long tx = transactionOf(value);
      Map<EntryId, Long> writes = prepared.get(tx);
      if (writes == null) {
        torn++;
        problems.add("tree entry " + value.id() + " holds the value of transaction " + tx + ", which was never sent");
        continue;
      }
      for (Map.Entry<EntryId, Long> write : writes.entrySet()) {
        LocalManifest other = stored.get(write.getKey());
        if (other == null || other.baseVersion() < write.getValue()) {
          torn++;
          problems.add("transaction " + tx + " is torn: " + value.id() + " holds its value, " + write.getKey()
              + " holds " + (other == null ? "nothing" : "counter " + other.baseVersion()) + " below its "
              + write.getValue());
        }
      }
    }
    int lost = 0;
    int lostPromised = 0;
    int unsynced = 0;
    for (Map.Entry<Long, Long> ack : acknowledgedAt.entrySet()) {
      boolean promised = ack.getValue() <= mayLoseAfterNanos;
      unsynced += promised ? 0 : 1;
      boolean whole = prepared.getOrDefault(ack.getKey(), Map.of()).entrySet().stream().allMatch(write ->
          stored.containsKey(write.getKey()) && stored.get(write.getKey()).baseVersion() >= write.getValue());
      if (!whole) {
        lost++;
        if (promised) {
          lostPromised++;
          problems.add("acknowledged transaction " + ack.getKey() + " is not stored");
        }
      }
    }
    torn += checkTree(stored, problems);
    return new Result(acknowledgedAt.size(), lost, lostPromised, unsynced, torn, problems);
  }

  /** Every stored file in exactly one stored folder, the one it names; every listed file stored. */
  private static int checkTree(Map<EntryId, LocalManifest> stored, List<String> problems) {
    int broken = 0;
    Map<EntryId, EntryId> listedIn = new HashMap<>();
    for (LocalManifest value : stored.values()) {
      if (value instanceof FolderManifest folder) {
        for (EntryId child : folder.children().values()) {
          EntryId before = listedIn.put(child, folder.id());
          if (before != null) {
            broken++;
            problems.add("file " + child + " is listed in two folders, " + before + " and " + folder.id());
          }
          if (!(stored.get(child) instanceof FileManifest)) {
            broken++;
            problems.add("folder " + folder.id() + " lists file " + child + ", which is not stored");
          }
        }
      }
    }
    for (LocalManifest value : stored.values()) {
      if (value instanceof FileManifest file && !file.parent().equals(listedIn.get(file.id()))) {
        broken++;
        problems.add("file " + file.id() + " names folder " + file.parent() + " and is listed in "
            + Optional.ofNullable(listedIn.get(file.id())).map(EntryId::toString).orElse("none"));
      }
    }
    return broken;
  }

  /** The stored values of every entry the writer prepared a write of. */
  private static Map<EntryId, LocalManifest> read(Path workspaceDir, BlobCipher cipher,
      Map<Long, Map<EntryId, Long>> prepared) {
    Map<EntryId, LocalManifest> stored = new LinkedHashMap<>();
    try (DataStore data = DataStore.open(workspaceDir, Durability.NORMAL, cipher)) {
      prepared.values().forEach(writes -> writes.keySet().forEach(id -> {
        if (!stored.containsKey(id)) {
          data.vlobs().get(id).ifPresent(sealed -> {
            try {
              stored.put(id, ManifestCodec.decode(cipher.open(id, sealed)));
            } catch (CorruptEntryException e) {
              // counted by the workspace check as unreadable
            }
          });
        }
      }));
    }
    return stored;
  }
}
