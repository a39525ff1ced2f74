package dev.stowage.actors;

import static org.assertj.core.api.Assertions.assertThat;

import dev.stowage.protocol.ChunkId;
import dev.stowage.protocol.ConflictException;
import dev.stowage.protocol.EntryId;
import dev.stowage.protocol.EntryMissingException;
import dev.stowage.protocol.FolderManifest;
import dev.stowage.protocol.InvalidRequestException;
import dev.stowage.protocol.LocalManifest;
import dev.stowage.protocol.ManifestChange;
import dev.stowage.storage.LocalKey;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Tree transactions and populate (SPEC §6b) through the façade: the move invariant under
 * concurrent movers, creators and readers ({@link TreeMoves}), read-modify-writes that lose
 * nothing, conflicts that change nothing, overlapping transactions that never deadlock, and
 * populate never overwriting a local value. Local mode runs it in {@code TreeTransactionTest},
 * cluster mode on three nodes in {@code ClusterTreeTransactionTest}.
 *
 * <p>{@code -Dstowage.test.iterations=N} (the {@code reliability} profile) makes each run N times
 * longer; {@code -Dstowage.test.matrix=full} adds every point of the configuration matrix.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
public abstract class TreeTransactionContract {
  private static final int ITERATIONS = Integer.getInteger("stowage.test.iterations", 1);

  /** The nodes the workspaces open on, one storage each: the clients are spread over them. */
  protected abstract WorkspaceNodes nodes();

  /** The runs of the move invariant: a seed, and the settings under {@code stowage} it runs with. */
  protected abstract Stream<Arguments> matrix();

  /** With {@code -Dstowage.test.matrix=full}, every point of the {@link ConfigurationMatrix} too. */
  protected static Stream<Arguments> fullProductIfAsked(int smallMaxActive) {
    return ConfigurationMatrix.fullProductIfAsked(2_000L, "", smallMaxActive);
  }

  private List<WorkspaceStorage> open(Path dir, String settings) {
    return nodes().open("tree-" + UUID.randomUUID(), LocalKey.generate(), dir, "stowage { " + settings + " }");
  }

  private static void closeAll(List<WorkspaceStorage> storages) {
    storages.forEach(storage -> Await.result(storage.close()));
  }

  @ParameterizedTest(name = "seed {0}, {1}")
  @MethodSource("matrix")
  @DisplayName("SPEC 6b, INV-17: concurrent moves, creates and reads keep every file in exactly one folder, lose no acknowledged change, and no reader sees a transaction half applied")
  void movesKeepTheTreeWhole(long seed, String settings, @TempDir Path dir) throws Exception {
    List<WorkspaceStorage> storages = open(dir, settings);
    TreeMoves tree = new TreeMoves();
    tree.create(storages.get(0), 6, 4);
    int movers = 4;
    int creators = 2;
    int readers = 2;
    int movesEach = 40 * ITERATIONS;
    int createsEach = 8 * ITERATIONS;
    ExecutorService clients = Executors.newFixedThreadPool(movers + creators + readers);
    List<Future<?>> writers = new ArrayList<>();
    for (int m = 0; m < movers; m++) {
      Random random = new Random(seed * 100 + m);
      WorkspaceStorage storage = storages.get(m % storages.size());
      writers.add(clients.submit(() -> {
        for (int i = 0; i < movesEach; i++) {
          tree.moveOne(storage, random, false);
        }
        return null;
      }));
    }
    for (int c = 0; c < creators; c++) {
      Random random = new Random(seed * 100 + 50 + c);
      WorkspaceStorage storage = storages.get((c + 1) % storages.size());
      writers.add(clients.submit(() -> {
        for (int i = 0; i < createsEach; i++) {
          tree.createFile(storage, tree.folders.get(random.nextInt(tree.folders.size())), random, true);
        }
        return null;
      }));
    }
    AtomicBoolean writing = new AtomicBoolean(true);
    List<Future<?>> reading = new ArrayList<>();
    for (int r = 0; r < readers; r++) {
      Random random = new Random(seed * 100 + 80 + r);
      WorkspaceStorage storage = storages.get(r % storages.size());
      reading.add(clients.submit(() -> {
        while (writing.get()) {
          tree.readPair(storage, random);
        }
        return null;
      }));
    }
    try {
      for (Future<?> writer : writers) {
        writer.get(5, TimeUnit.MINUTES);
      }
    } finally {
      writing.set(false);
      for (Future<?> reader : reading) {
        reader.get(1, TimeUnit.MINUTES);
      }
      clients.shutdown();
    }
    assertThat(tree.moves.get()).isEqualTo((long) movers * movesEach);
    assertThat(tree.creates.get()).isEqualTo((long) creators * createsEach);
    assertThat(tree.pairsRead.get()).isPositive();
    for (WorkspaceStorage storage : storages) {
      assertThat(tree.problems(storage)).as("the tree as node %s reads it", storages.indexOf(storage)).isEmpty();
    }
    closeAll(storages);
  }

  @Test
  @DisplayName("SPEC 6b: the move check catches moves made as separate writes (a reader sees one half applied)")
  void separateWritesAreCaught(@TempDir Path dir) throws Exception {
    List<WorkspaceStorage> storages = open(dir, "");
    TreeMoves tree = new TreeMoves();
    tree.create(storages.get(0), 3, 2);
    AtomicBoolean moving = new AtomicBoolean(true);
    ExecutorService clients = Executors.newFixedThreadPool(3);
    Future<?> mover = clients.submit(() -> {
      Random random = new Random(1);
      for (int i = 0; i < 60 && tree.violations.isEmpty(); i++) {
        tree.moveOne(storages.get(0), random, true);
      }
      moving.set(false);
      return null;
    });
    List<Future<?>> readers = new ArrayList<>();
    for (int r = 0; r < 2; r++) {
      Random random = new Random(10 + r);
      WorkspaceStorage storage = storages.get(r % storages.size());
      readers.add(clients.submit(() -> {
        while (moving.get()) {
          tree.readPair(storage, random);
        }
        return null;
      }));
    }
    mover.get(2, TimeUnit.MINUTES);
    for (Future<?> reader : readers) {
      reader.get(1, TimeUnit.MINUTES);
    }
    clients.shutdown();
    assertThat(tree.violations).as("half-applied moves seen by the readers").isNotEmpty();
    closeAll(storages);
  }

  @Test
  @DisplayName("SPEC 6b: concurrent read-modify-writes of shared entries, in overlapping transactions taken in any order, never deadlock and lose no update")
  void readModifyWritesLoseNothing(@TempDir Path dir) throws Exception {
    List<WorkspaceStorage> storages = open(dir, "");
    List<EntryId> keys = new ArrayList<>();
    for (int i = 0; i < 6; i++) {
      EntryId key = EntryId.random();
      keys.add(key);
      Await.result(storages.get(0).updateManifests(List.of(ManifestChange.create(counter(key, 0)))));
    }
    Map<EntryId, AtomicLong> acknowledged = new HashMap<>();
    keys.forEach(key -> acknowledged.put(key, new AtomicLong()));
    int clients = 8;
    int transactionsEach = 25 * ITERATIONS;
    AtomicLong conflicts = new AtomicLong();
    ExecutorService pool = Executors.newFixedThreadPool(clients);
    List<Future<?>> running = new ArrayList<>();
    for (int c = 0; c < clients; c++) {
      Random random = new Random(c);
      WorkspaceStorage storage = storages.get(c % storages.size());
      running.add(pool.submit(() -> {
        for (int n = 0; n < transactionsEach; n++) {
          List<EntryId> chosen = new ArrayList<>(keys);
          Collections.shuffle(chosen, random);
          chosen = chosen.subList(0, 2 + random.nextInt(3)); // 2 to 4 keys, in a random order
          while (true) {
            List<ManifestChange> changes = new ArrayList<>();
            for (EntryId key : chosen) {
              LocalManifest current = Await.result(storage.getManifest(key));
              changes.add(ManifestChange.replace(current, counter(key, current.baseVersion() + 1)));
            }
            Throwable failure = failureOrNull(storage.updateManifests(changes));
            if (failure == null) {
              chosen.forEach(key -> acknowledged.get(key).incrementAndGet());
              break;
            }
            assertThat(failure).isInstanceOf(ConflictException.class);
            assertThat(((ConflictException) failure).ids()).isNotEmpty().isSubsetOf(chosen);
            conflicts.incrementAndGet();
          }
        }
        return null;
      }));
    }
    for (Future<?> client : running) {
      client.get(3, TimeUnit.MINUTES);
    }
    pool.shutdown();
    for (WorkspaceStorage storage : storages) {
      for (EntryId key : keys) {
        assertThat(Await.result(storage.getManifest(key)).baseVersion())
            .as("increments of %s", key).isEqualTo(acknowledged.get(key).get());
      }
    }
    closeAll(storages);
  }

  @Test
  @DisplayName("SPEC 6b: computed transactions (compute across keys) read again and retry on conflict, and lose no update")
  void computedTransactionsLoseNothing(@TempDir Path dir) throws Exception {
    List<WorkspaceStorage> storages = open(dir, "");
    EntryId a = EntryId.random();
    EntryId b = EntryId.random();
    int clients = 6;
    int incrementsEach = 20 * ITERATIONS;
    ExecutorService pool = Executors.newFixedThreadPool(clients);
    List<Future<?>> running = new ArrayList<>();
    for (int c = 0; c < clients; c++) {
      WorkspaceStorage storage = storages.get(c % storages.size());
      running.add(pool.submit(() -> {
        for (int n = 0; n < incrementsEach; n++) {
          Await.result(storage.updateManifests(Set.of(a, b), current -> Map.of(
              a, counter(a, current.get(a).map(LocalManifest::baseVersion).orElse(0L) + 1),
              b, counter(b, current.get(b).map(LocalManifest::baseVersion).orElse(0L) + 2))));
        }
        return null;
      }));
    }
    for (Future<?> client : running) {
      client.get(3, TimeUnit.MINUTES);
    }
    pool.shutdown();
    WorkspaceStorage storage = storages.get(0);
    assertThat(Await.result(storage.getManifest(a)).baseVersion()).isEqualTo((long) clients * incrementsEach);
    assertThat(Await.result(storage.getManifest(b)).baseVersion()).isEqualTo(2L * clients * incrementsEach);

    EntryId other = EntryId.random();
    assertThat(Await.failure(storage.updateManifests(Set.of(a), current -> Map.of(other, counter(other, 1)))))
        .isInstanceOf(InvalidRequestException.class).hasMessageContaining("not given to read");
    assertThat(Await.failure(storage.updateManifests(Set.of(), current -> Map.of())))
        .isInstanceOf(InvalidRequestException.class);
    IllegalStateException thrown = new IllegalStateException("the host's own check");
    assertThat(Await.failure(storage.updateManifests(Set.of(a), current -> {
      throw thrown;
    }))).isSameAs(thrown);
    Await.result(storage.updateManifests(Set.of(a), current -> Map.of())); // nothing to write
    assertThat(Await.result(storage.getManifest(a)).baseVersion()).isEqualTo((long) clients * incrementsEach);
    assertThat(Await.failure(storage.getManifest(other))).isInstanceOf(EntryMissingException.class);
    closeAll(storages);
  }

  /** {@code failure} is a {@link ConflictException} that names {@code id} alone. */
  private static void assertConflictOn(Throwable failure, EntryId id) {
    assertThat(failure).isInstanceOf(ConflictException.class);
    assertThat(((ConflictException) failure).ids()).containsExactly(id);
  }

  /**
   * {@code failure} is a {@link ConflictException} that names {@code stale} alone, and the
   * transaction changed nothing: {@code stale} and {@code current} still hold their counter 1,
   * {@code created} is still absent.
   */
  private static void assertConflictChangedNothing(WorkspaceStorage storage, Throwable failure, EntryId stale,
      EntryId current, EntryId created) {
    assertConflictOn(failure, stale);
    assertThat(Await.result(storage.getManifest(stale))).isEqualTo(counter(stale, 1));
    assertThat(Await.result(storage.getManifest(current))).isEqualTo(counter(current, 1));
    assertThat(Await.failure(storage.getManifest(created))).isInstanceOf(EntryMissingException.class);
  }

  @Test
  @DisplayName("SPEC 6b, INV-19: a transaction whose expected value differs fails with ConflictException naming every such entry, and changes nothing")
  void conflictChangesNothing(@TempDir Path dir) {
    WorkspaceStorage storage = open(dir, "").get(0);
    EntryId a = EntryId.random();
    EntryId b = EntryId.random();
    EntryId c = EntryId.random();
    Await.result(storage.setManifest(a, counter(a, 1)));
    Await.result(storage.setManifest(b, counter(b, 1), true, Set.of())); // cache-only: current all the same
    Throwable failure = Await.failure(storage.updateManifests(List.of(
        ManifestChange.replace(counter(a, 0), counter(a, 2)), // stale
        ManifestChange.replace(counter(b, 1), counter(b, 2)), // current
        ManifestChange.create(counter(c, 1)))));               // absent: matches
    assertConflictChangedNothing(storage, failure, a, b, c);

    Throwable existing = Await.failure(storage.updateManifests(List.of(ManifestChange.create(counter(b, 5)))));
    assertConflictOn(existing, b);
    assertThat(Await.result(storage.getManifest(b))).isEqualTo(counter(b, 1));
    Await.result(storage.close());
  }

  @Test
  @DisplayName("SPEC 6b, INV-19: a transaction that creates an entry stored but not cached (no entity holds it) fails with ConflictException naming it, and changes nothing; one that expects the stored value commits")
  void creatingAnEntryStoredButNotCachedConflicts(@TempDir Path dir) {
    WorkspaceStorage storage = open(dir, "").get(0);
    EntryId a = EntryId.random();
    EntryId b = EntryId.random();
    EntryId c = EntryId.random();
    Await.result(storage.setManifest(a, counter(a, 1)));
    Await.result(storage.setManifest(b, counter(b, 1)));
    Await.result(storage.clearMemoryCache(false)); // stored; their entities stop
    Throwable failure = Await.failure(storage.updateManifests(List.of(
        ManifestChange.create(counter(a, 7)),                  // stored: not absent
        ManifestChange.replace(counter(b, 1), counter(b, 2)),  // current
        ManifestChange.create(counter(c, 1)))));               // absent: matches
    assertConflictChangedNothing(storage, failure, a, b, c);

    Await.result(storage.updateManifests(List.of(
        ManifestChange.replace(counter(a, 1), counter(a, 7)), ManifestChange.create(counter(c, 1)))));
    Await.result(storage.clearMemoryCache(false));
    assertThat(Await.result(storage.getManifest(a))).isEqualTo(counter(a, 7));
    assertThat(Await.result(storage.getManifest(c))).isEqualTo(counter(c, 1));
    Await.result(storage.close());
  }

  @Test
  @DisplayName("SPEC 6b, INV-2: a committed transaction deletes its removed chunks and the entries' pending ones with its rows, and leaves its entries clean")
  void commitDeletesRemovedChunksAndLeavesEntriesClean(@TempDir Path dir) {
    WorkspaceStorage storage = open(dir, "").get(0);
    ChunkId pending = ChunkId.random();
    ChunkId removed = ChunkId.random();
    ChunkId kept = ChunkId.random();
    for (ChunkId chunk : List.of(pending, removed, kept)) {
      Await.result(storage.setChunk(chunk, new byte[] {1, 2, 3}));
    }
    EntryId a = EntryId.random();
    EntryId b = EntryId.random();
    Await.result(storage.setManifest(a, counter(a, 1), true, Set.of(pending))); // dirty, with a pending removal
    Await.result(storage.updateManifests(List.of(
        ManifestChange.replace(counter(a, 1), counter(a, 2)),
        new ManifestChange(b, Optional.empty(), counter(b, 1), Set.of(removed)))));
    assertThat(Await.result(storage.getLocalChunkIds(List.of(pending, removed, kept)))).containsExactly(kept);
    assertThat(Await.result(storage.stats()).dirtyEntries()).isZero();
    Await.result(storage.clearMemoryCache(false)); // would drop a dirty value: there is none
    assertThat(Await.result(storage.getManifest(a))).isEqualTo(counter(a, 2));
    assertThat(Await.result(storage.getManifest(b))).isEqualTo(counter(b, 1));
    Await.result(storage.close());
  }

  @Test
  @DisplayName("SPEC 6b, INV-19: an empty list, an id twice, an id that differs from its manifest's, and more than 1,000 changes are refused with InvalidRequestException and change nothing")
  void badTransactionsAreRefused(@TempDir Path dir) {
    WorkspaceStorage storage = open(dir, "").get(0);
    EntryId a = EntryId.random();
    EntryId b = EntryId.random();
    Await.result(storage.setManifest(a, counter(a, 1)));
    List<List<ManifestChange>> bad = new ArrayList<>();
    bad.add(List.of());
    bad.add(List.of(ManifestChange.replace(counter(a, 1), counter(a, 2)), ManifestChange.replace(counter(a, 1), counter(a, 3))));
    bad.add(List.of(new ManifestChange(a, Optional.of(counter(a, 1)), counter(b, 2))));
    bad.add(List.of(new ManifestChange(a, Optional.of(counter(b, 1)), counter(a, 2))));
    bad.add(List.of(ManifestChange.create(counter(b, 1)), new ManifestChange(a, null, counter(a, 2))));
    bad.add(List.of(ManifestChange.create(counter(b, 1)), new ManifestChange(a, Optional.of(counter(a, 1)), counter(a, 2), null)));
    List<ManifestChange> tooMany = new ArrayList<>();
    for (int i = 0; i < 1_001; i++) {
      tooMany.add(ManifestChange.create(counter(EntryId.random(), 1)));
    }
    bad.add(tooMany);
    for (List<ManifestChange> changes : bad) {
      assertThat(Await.failure(storage.updateManifests(changes))).as("%s changes", changes.size())
          .isInstanceOf(InvalidRequestException.class);
    }
    assertThat(Await.failure(storage.updateManifests(null))).isInstanceOf(InvalidRequestException.class);
    assertThat(Await.result(storage.getManifest(a))).isEqualTo(counter(a, 1));
    assertThat(Await.failure(storage.getManifest(b))).isInstanceOf(EntryMissingException.class);
    assertThat(Await.failure(storage.populateManifest(a, counter(b, 1)))).isInstanceOf(InvalidRequestException.class);
    assertThat(Await.failure(storage.populateManifest(null, counter(b, 1)))).isInstanceOf(InvalidRequestException.class);
    assertThat(Await.failure(storage.populateManifest(b, null))).isInstanceOf(InvalidRequestException.class);
    assertThat(Await.result(storage.getManifest(a))).isEqualTo(counter(a, 1));
    assertThat(Await.failure(storage.getManifest(b))).isInstanceOf(EntryMissingException.class);
    Await.result(storage.close());
  }

  @Test
  @DisplayName("SPEC 6b: populateManifest stores a fetched value only where the entry has none, durably, and answers what the entry holds")
  void populateStoresOnlyWhereNothingIs(@TempDir Path dir) {
    List<WorkspaceStorage> storages = open(dir, "");
    WorkspaceStorage storage = storages.get(0);
    EntryId absent = EntryId.random();
    EntryId stored = EntryId.random();
    Await.result(storage.setManifest(stored, counter(stored, 3)));
    Await.result(storage.clearMemoryCache(true)); // stored only: populate must load it to know
    assertThat(Await.result(storage.populateManifest(absent, counter(absent, 9)))).isEqualTo(counter(absent, 9));
    assertThat(Await.result(storage.populateManifest(stored, counter(stored, 9)))).isEqualTo(counter(stored, 3));
    assertThat(Await.result(storage.stats()).dirtyEntries()).isZero(); // the populated value is committed
    Await.result(storage.clearMemoryCache(false));
    assertThat(Await.result(storage.getManifest(absent))).isEqualTo(counter(absent, 9));
    assertThat(Await.result(storage.getManifest(stored))).isEqualTo(counter(stored, 3));
    closeAll(storages);
  }

  @Test
  @DisplayName("SPEC 6b: populateManifest racing a cache-only write of the same id never overwrites it")
  void populateNeverOverwritesACacheOnlyWrite(@TempDir Path dir) throws Exception {
    List<WorkspaceStorage> storages = open(dir, "");
    ExecutorService racers = Executors.newFixedThreadPool(2);
    int overwritten = 0;
    for (int trial = 0; trial < 200 * ITERATIONS; trial++) {
      EntryId id = EntryId.random();
      LocalManifest local = counter(id, 1);
      LocalManifest fetched = counter(id, 100);
      WorkspaceStorage writer = storages.get(trial % storages.size());
      WorkspaceStorage populater = storages.get((trial + 1) % storages.size());
      Future<CompletionStage<?>> write = racers.submit(() -> writer.setManifest(id, local, true, Set.of()));
      Future<CompletionStage<LocalManifest>> populate = racers.submit(() -> populater.populateManifest(id, fetched));
      Await.result(write.get());
      LocalManifest answered = Await.result(populate.get());
      LocalManifest now = Await.result(writer.getManifest(id));
      if (!now.equals(local)) {
        overwritten++;
      }
      if (!answered.equals(fetched)) { // else the populate came first, and the write replaced it
        assertThat(answered).as("what populate answered when the write came first").isEqualTo(local);
      }
    }
    racers.shutdown();
    assertThat(overwritten).as("cache-only writes a populate overwrote").isZero();
    closeAll(storages);
  }

  private static Throwable failureOrNull(CompletionStage<?> stage) {
    try {
      stage.toCompletableFuture().get(30, TimeUnit.SECONDS);
      return null;
    } catch (java.util.concurrent.ExecutionException e) {
      return e.getCause();
    } catch (InterruptedException | java.util.concurrent.TimeoutException e) {
      throw new AssertionError("no answer within 30 s", e);
    }
  }

  /** A folder whose {@code baseVersion} counts the writes a test made to it. */
  static FolderManifest counter(EntryId id, long count) {
    return new FolderManifest(id, EntryId.of(new UUID(0, 1)), count, true, Instant.ofEpochSecond(1_700_000_000L),
        Map.of());
  }
}
