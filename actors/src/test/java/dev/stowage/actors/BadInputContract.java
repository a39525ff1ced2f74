package dev.stowage.actors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.booleans;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.lists;
import static org.quicktheories.generators.SourceDSL.longs;
import static org.quicktheories.generators.SourceDSL.strings;

import dev.stowage.protocol.ChunkId;
import dev.stowage.protocol.ChunkRef;
import dev.stowage.protocol.EntryId;
import dev.stowage.protocol.FileManifest;
import dev.stowage.protocol.FolderManifest;
import dev.stowage.protocol.InvalidRequestException;
import dev.stowage.protocol.LocalManifest;
import dev.stowage.protocol.ManifestCodec;
import dev.stowage.protocol.NeedSync;
import dev.stowage.protocol.PreventSyncPattern;
import dev.stowage.protocol.StorageClosedException;
import dev.stowage.protocol.StorageCommand;
import dev.stowage.protocol.StorageStats;
import dev.stowage.storage.LocalKey;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.quicktheories.QuickTheory;
import org.quicktheories.core.Gen;
import org.quicktheories.generators.Generate;

/**
 * INV-19 over the whole public API, property-based: random bad arguments (nulls, ids that do not
 * match, payloads past {@code max-chunk-size}, manifests that cannot be stored (a name with a lone
 * surrogate, or none at all, or past {@code max-manifest-size}) and too many removed chunk ids,
 * negative versions and checkpoints, patterns with
 * flags their text does not carry or that are not regular expressions), sent through the façade
 * and as raw protocol messages, and any call on a closed workspace. Every one must complete —
 * never hang — with the typed exception, and leave the store exactly as it was: the seeded
 * entries, chunks, blocks, checkpoint, pattern and need-sync read back unchanged and no database
 * counted a write. Local mode runs it in {@link BadInputProperties}, cluster mode on three nodes in
 * {@code ClusterBadInputProperties}, each over its points of the configuration matrix ({@link
 * #matrix()}).
 *
 * <p>The seeded workspace is open on every node of {@link #nodes()}; each bad call goes through a
 * node the property picks. After each, every node must count no write and hold as many dirty
 * entries as before, and the node called must read back what it read after seeding; after the
 * last call every node must read back what it read, each its own view (its block cache, and its
 * need-sync as it read it). The closed
 * workspace was opened on every node and closed on all of them but the last when there are
 * several: a storage closed on its node refuses every call while the workspace is still open
 * elsewhere.
 *
 * <p>Property-based with QuickTheories, from a fixed seed: the calls run one after the other against
 * one seeded store per point, so a failure must come back, in the same order, on the next run. A
 * failing call is shrunk to a simple one and reported with the seed. {@code
 * -Dstowage.test.iterations=N} multiplies the examples.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
public abstract class BadInputContract {
  private static final int MAX_CHUNK = 1024;
  private static final int MAX_MANIFEST = 4096;
  private static final Duration TIMEOUT = Duration.ofSeconds(10);
  private static final long SEED = 19;
  private static final int ITERATIONS = Integer.getInteger("stowage.test.iterations", 1);

  /** The seeded store of each point run so far, and its closed workspace; closed after the class. */
  private final Map<String, Store> stores = new HashMap<>();

  /** The nodes the workspaces open on, one storage each: a bad call goes through any of them. */
  protected abstract WorkspaceNodes nodes();

  /** How many bad calls a point's property makes (times {@code stowage.test.iterations}): 300 unless a mode says less. */
  protected int badCallExamples() {
    return 300;
  }

  /** The points: the settings under {@code stowage} each seeded store opens with (comma-separated HOCON). */
  protected abstract Stream<String> matrix();

  /**
   * With {@code -Dstowage.test.matrix=full} (the {@code reliability} profile), every point of the
   * {@link ConfigurationMatrix}; nothing otherwise.
   */
  protected static Stream<String> fullProductIfAsked() {
    return ConfigurationMatrix.full() ? ConfigurationMatrix.product(1).stream() : Stream.empty();
  }

  static QuickTheory examples(int count) {
    return qt().withFixedSeed(SEED).withExamples(count * ITERATIONS).withShrinkCycles(200);
  }

  @AfterAll
  void closeStores() throws IOException {
    for (Store store : stores.values()) {
      store.close();
    }
    stores.clear();
  }

  @ParameterizedTest(name = "[{index}] {0}")
  @MethodSource("matrix")
  @DisplayName("INV-19: a bad call, through any node, fails with InvalidRequestException and changes nothing")
  void badCallsChangeNothing(String point) {
    Store store = store(point);
    List<WorkspaceStorage> storages = store.storages;
    examples(badCallExamples()).forAll(badCalls(store), nodeIndexes(storages.size())).checkAssert((call, node) -> {
      String description = call.description() + " through node " + node;
      List<StorageStats> before = storages.stream().map(s -> Await.result(s.stats())).toList();

      assertThat(outcome(call, storages.get(node))).as(description).isInstanceOf(InvalidRequestException.class);

      // Every node counts no write and holds as many dirty entries as before (the need-sync it
      // reports of the entries it caches rests on them); the node called reads everything back
      // unchanged: the manifests from their entities wherever they live, the chunks, checkpoint
      // and pattern from the database every node shares, the blocks from its own block cache.
      for (int i = 0; i < storages.size(); i++) {
        StorageStats after = Await.result(storages.get(i).stats());
        assertThat(after.data().writes()).as("node %d's data writes after %s", i, description)
            .isEqualTo(before.get(i).data().writes());
        assertThat(after.cache().writes()).as("node %d's cache writes after %s", i, description)
            .isEqualTo(before.get(i).cache().writes());
        assertThat(after.dirtyEntries()).as("node %d's dirty entries after %s", i, description)
            .isEqualTo(before.get(i).dirtyEntries());
      }
      assertThat(Snapshot.of(store, storages.get(node))).as("the store read through node %d after %s", node,
          description).isEqualTo(store.seeded.get(node));
    });
    for (int i = 0; i < storages.size(); i++) {
      assertThat(Snapshot.of(store, storages.get(i))).as("the store read through node %d after every bad call", i)
          .isEqualTo(store.seeded.get(i));
    }
  }

  @ParameterizedTest(name = "[{index}] {0}")
  @MethodSource("matrix")
  @DisplayName("INV-19: any call on a closed workspace, through any node it was closed on, fails with StorageClosedException")
  void callsAfterCloseAreRefused(String point) {
    Store store = store(point);
    examples(100).forAll(anyCalls(), nodeIndexes(store.closed.size())).checkAssert((call, node) ->
        assertThat(outcome(call, store.closed.get(node))).as(call.description() + " through node " + node)
            .isInstanceOf(StorageClosedException.class));
  }

  @Test
  @DisplayName("INV-19: the largest write accepted (a manifest of max-manifest-size, max-manifest-size / 16 removed ids) is stored and read back through every node")
  void theLargestWriteAcceptedIsStoredAndReadBackThroughEveryNode() throws IOException {
    Path dir = Files.createTempDirectory("stowage-largest-write-");
    List<WorkspaceStorage> storages = nodes().open("largest-" + UUID.randomUUID(), LocalKey.generate(), dir, "");
    try {
      StorageSettings settings = TestSettings.in(dir, "");
      EntryId id = EntryId.random();
      List<ChunkRef> refs = new ArrayList<>();
      int count = (settings.maxManifestSize() - 256) / 34; // a chunk ref of the largest numbers takes 34 bytes
      for (int i = 0; i < count; i++) {
        refs.add(new ChunkRef(new ChunkId(new UUID(Long.MIN_VALUE + i, i)), Long.MAX_VALUE - i, Integer.MAX_VALUE));
      }
      Set<ChunkId> removed = new HashSet<>();
      for (int i = 0; i < settings.maxRemovedChunkIds(); i++) {
        removed.add(new ChunkId(new UUID(i, Long.MAX_VALUE)));
      }
      for (int writer = 0; writer < storages.size(); writer++) {
        FileManifest largest = new FileManifest(id, id, writer, true, Instant.EPOCH, Long.MAX_VALUE, 512, refs);
        assertThat(ManifestCodec.encode(largest).length).as("a write near the limit")
            .isBetween(settings.maxManifestSize() - 1024, settings.maxManifestSize());

        Await.result(storages.get(writer).setManifest(id, largest, false, removed));

        for (int reader = 0; reader < storages.size(); reader++) {
          assertThat(Await.result(storages.get(reader).getManifest(id))).as("read through node %d", reader)
              .isEqualTo(largest);
        }
      }
    } finally {
      storages.forEach(storage -> Await.result(storage.close()));
      deleteTree(dir);
    }
  }

  private static void deleteTree(Path dir) throws IOException {
    try (var paths = Files.walk(dir)) {
      paths.sorted(java.util.Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
    }
  }

  /** The seeded store of {@code point}, seeded on first use. */
  private Store store(String point) {
    return stores.computeIfAbsent(point, this::seed);
  }

  private Store seed(String point) {
    try {
      return Store.seed(nodes(), point);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** A node to call through. */
  private static Gen<Integer> nodeIndexes(int nodes) {
    return integers().between(0, nodes - 1);
  }

  /**
   * One point's workspace, open on every node, and what it was seeded with: four chunks, four
   * manifests referencing them (half of them cache-only), a realm checkpoint, a prevent-sync
   * pattern, and four blocks in every node's block cache. Where entries do not stay cached (the
   * point passivates or bounds the entities to fewer than these), every node flushes after seeding:
   * a flush of its own, later, would count a write in the middle of a property.
   */
  private static final class Store {
    final Path dir;
    final List<WorkspaceStorage> storages;
    /** The closed workspace's storage on every node; the last one stays open when there are several. */
    final List<WorkspaceStorage> closedWorkspace;
    /** Those of {@link #closedWorkspace} that are closed. */
    final List<WorkspaceStorage> closed;
    final List<EntryId> manifests = new ArrayList<>();
    final List<ChunkId> chunks = new ArrayList<>();
    final List<ChunkId> blocks = new ArrayList<>();
    /** What each node read after seeding. */
    final List<Snapshot> seeded = new ArrayList<>();

    private Store(Path dir, List<WorkspaceStorage> storages, List<WorkspaceStorage> closedWorkspace) {
      this.dir = dir;
      this.storages = storages;
      this.closedWorkspace = closedWorkspace;
      this.closed = closedWorkspace.size() == 1 ? closedWorkspace : closedWorkspace.subList(0, closedWorkspace.size() - 1);
    }

    static Store seed(WorkspaceNodes nodes, String point) throws IOException {
      Path dir = Files.createTempDirectory("stowage-bad-input-");
      String settings = "stowage { max-chunk-size = " + MAX_CHUNK + ", max-manifest-size = " + MAX_MANIFEST
          + (point.isEmpty() ? "" : ", " + point) + " }";
      LocalKey key = LocalKey.generate();
      Store store = new Store(dir,
          nodes.open("bad-input-" + UUID.randomUUID(), key, dir.resolve("seeded"), settings),
          nodes.open("closed-" + UUID.randomUUID(), key, dir.resolve("closed"), settings));
      List<WorkspaceStorage> storages = store.storages;
      for (int i = 0; i < 4; i++) {
        WorkspaceStorage storage = storages.get(i % storages.size());
        ChunkId chunk = ChunkId.random();
        Await.result(storage.setChunk(chunk, new byte[] {(byte) i, 1, 2}));
        store.chunks.add(chunk);
        ChunkId block = ChunkId.random();
        for (WorkspaceStorage everyNode : storages) {
          Await.result(everyNode.setBlock(block, new byte[] {(byte) i, 3}));
        }
        store.blocks.add(block);
        EntryId id = EntryId.random();
        store.manifests.add(id);
        Await.result(storage.setManifest(id, file(id, i, chunk), i % 2 == 0, Set.of())); // some stay dirty
      }
      Await.result(storages.get(0).updateRealmCheckpoint(7, Map.of(store.manifests.get(1), 3L)));
      Await.result(storages.get(storages.size() - 1).setPreventSyncPattern(Pattern.compile("(?i).*\\.tmp")));
      if (!entriesStayCached(point)) {
        storages.forEach(storage -> Await.result(storage.clearMemoryCache(true)));
      }
      storages.forEach(storage -> store.seeded.add(Snapshot.of(store, storage)));
      store.closed.forEach(storage -> Await.result(storage.close()));
      return store;
    }

    void close() throws IOException {
      storages.forEach(storage -> Await.result(storage.close()));
      closedWorkspace.stream().filter(storage -> !closed.contains(storage))
          .forEach(storage -> Await.result(storage.close()));
      deleteTree(dir);
    }
  }

  /** Whether entries stay in their entities between calls at {@code point} (the default configuration does). */
  private static boolean entriesStayCached(String point) {
    return !point.contains("passivate-after") && !point.contains("max-active") || ConfigurationMatrix.entriesStayCached(point);
  }

  /** The cause a call failed with; an AssertionError if it succeeded or did not answer (a hang). */
  private static Throwable outcome(BadCall call, WorkspaceStorage target) {
    CompletionStage<?> stage;
    try {
      stage = call.invoke(target);
    } catch (RuntimeException thrown) {
      throw new AssertionError(call.description() + " threw instead of failing its stage", thrown);
    }
    try {
      Object value = stage.toCompletableFuture().get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
      throw new AssertionError(call.description() + " succeeded with " + value);
    } catch (ExecutionException e) {
      return e.getCause();
    } catch (TimeoutException e) {
      throw new AssertionError(call.description() + " did not answer within " + TIMEOUT, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }

  // ---- Generators ------------------------------------------------------------------------------

  /** One call, through the façade or as a raw protocol message to the supervisor. */
  record BadCall(String description, Function<WorkspaceStorage, CompletionStage<?>> invoke) {
    CompletionStage<?> invoke(WorkspaceStorage target) {
      return invoke.apply(target);
    }

    @Override
    public String toString() {
      return description;
    }
  }

  /** One bad call of each kind, through the façade or as a raw message: a kind is picked, then a route. */
  private Gen<BadCall> badCalls(Store store) {
    Gen<EntryId> entryIds = Generate.oneOf(Generate.pick(store.manifests), uuids().map(EntryId::new));
    Gen<ChunkId> chunkIds = Generate.oneOf(Generate.pick(store.chunks), Generate.pick(store.blocks), uuids().map(ChunkId::new));
    Gen<byte[]> huge = integers().between(MAX_CHUNK + 1, MAX_CHUNK * 64).map(byte[]::new);
    Gen<Long> negative = negatives();
    Gen<String> notRegex = lists().of(Generate.pick(chars("()[]{}*+?\\|^$.a1,-<=!"))).ofSizeBetween(1, 8)
        .map(text -> text.stream().map(String::valueOf).collect(Collectors.joining()))
        .assuming(BadInputContract::notARegex);
    Gen<Pattern> flagged = strings().betweenCodePoints('a', 'z').ofLengthBetween(1, 6)
        .zip(Generate.pick(List.of(Pattern.CASE_INSENSITIVE, Pattern.DOTALL, Pattern.MULTILINE, Pattern.LITERAL)),
            Pattern::compile);

    List<Gen<List<BadCall>>> kinds = List.of(
        Generate.pick(nullArgumentCalls(store)),
        entryIds.zip(entryIds, booleans().all(), ManifestOfAnother::new).assuming(m -> !m.key().equals(m.other()))
            .map(m -> call("setManifest(" + m.key() + ", manifest of " + m.other() + ")",
                s -> s.setManifest(m.key(), file(m.other(), 9, store.chunks.get(0)), m.cacheOnly(), Set.of()),
                r -> new StorageCommand.SetManifest(m.key(), file(m.other(), 9, store.chunks.get(0)), m.cacheOnly(), Set.of(), r))),
        entryIds.zip(Generate.pick(WorkspaceStorageContract.UNSTORABLE_NAMES), booleans().all(), (id, name, cacheOnly) -> {
          FolderManifest folder = new FolderManifest(id, id, 1, true, Instant.EPOCH, Map.of("ok", id, name, id));
          return call("setManifest(" + id + ", a folder with a child named " + escaped(name) + ", cacheOnly " + cacheOnly + ")",
              s -> s.setManifest(id, folder, cacheOnly, Set.of()),
              r -> new StorageCommand.SetManifest(id, folder, cacheOnly, Set.of(), r));
        }),
        entryIds.zip(integers().between(MAX_MANIFEST / 16, MAX_MANIFEST / 4), booleans().all(), (id, children, cacheOnly) -> {
          FolderManifest folder = new FolderManifest(id, id, 1, true, Instant.EPOCH, children(children));
          return call("setManifest(" + id + ", a folder of " + children + " children, over max-manifest-size)",
              s -> s.setManifest(id, folder, cacheOnly, Set.of()),
              r -> new StorageCommand.SetManifest(id, folder, cacheOnly, Set.of(), r));
        }),
        entryIds.zip(integers().between(MAX_MANIFEST / 16 + 1, MAX_MANIFEST / 4), booleans().all(), (id, count, cacheOnly) -> {
          LocalManifest valid = file(id, 9, store.chunks.get(0));
          Set<ChunkId> removed = new HashSet<>();
          for (int i = 0; i < count; i++) {
            removed.add(new ChunkId(new UUID(id.value().getMostSignificantBits(), i)));
          }
          return call("setManifest(" + id + ", m, " + cacheOnly + ", " + count + " removed chunk ids)",
              s -> s.setManifest(id, valid, cacheOnly, removed),
              r -> new StorageCommand.SetManifest(id, valid, cacheOnly, removed, r));
        }),
        chunkIds.zip(huge, (id, data) -> call("setChunk(" + id + ", " + data.length + " bytes)",
            s -> s.setChunk(id, data), r -> new StorageCommand.SetChunk(id, data, r))),
        chunkIds.zip(huge, (id, data) -> call("setBlock(" + id + ", " + data.length + " bytes)",
            s -> s.setBlock(id, data), r -> new StorageCommand.SetBlock(id, data, r))),
        negative.map(checkpoint -> call("updateRealmCheckpoint(" + checkpoint + ", {})",
            s -> s.updateRealmCheckpoint(checkpoint, Map.of()),
            r -> new StorageCommand.UpdateRealmCheckpoint(checkpoint, Map.of(), r))),
        entryIds.zip(negative, (id, version) -> call("updateRealmCheckpoint(8, {" + id + "=" + version + "})",
            s -> s.updateRealmCheckpoint(8, Map.of(id, version)),
            r -> new StorageCommand.UpdateRealmCheckpoint(8, Map.of(id, version), r))),
        notRegex.map(regex -> call("setPreventSyncPattern(\"" + regex + "\")", null,
            r -> new StorageCommand.SetPreventSyncPattern(regex, r))),
        notRegex.map(regex -> call("markPreventSyncPatternFullyApplied(\"" + regex + "\")", null,
            r -> new StorageCommand.MarkPreventSyncPatternFullyApplied(regex, r))),
        flagged.map(pattern -> call("setPreventSyncPattern(" + pattern + " with flags " + pattern.flags() + ")",
            s -> s.setPreventSyncPattern(pattern), null)),
        flagged.map(pattern -> call("markPreventSyncPatternFullyApplied(" + pattern + " with flags " + pattern.flags() + ")",
            s -> s.markPreventSyncPatternFullyApplied(pattern), null)));
    return Generate.pick(kinds).flatMap(kind -> kind).flatMap(Generate::pick);
  }

  /** {@code count} children whose names take 20 bytes each or more: over {@link #MAX_MANIFEST} from about 100 on. */
  private static Map<String, EntryId> children(int count) {
    Map<String, EntryId> children = new HashMap<>();
    for (int i = 0; i < count; i++) {
      children.put(String.format("a child's name %06d", i), new EntryId(new UUID(i, count)));
    }
    return children;
  }

  /** {@code name}, its first 20 characters, with those outside printable ASCII escaped: fit for a test's report. */
  private static String escaped(String name) {
    StringBuilder out = new StringBuilder("\"");
    name.chars().limit(20).forEach(c -> out.append(c >= 0x20 && c < 0x7f ? String.valueOf((char) c) : String.format("\\u%04X", c)));
    return out.append(name.length() > 20 ? "...\" (" + name.length() + " chars)" : "\"").toString();
  }

  /** A setManifest whose manifest carries another id than the key it is written under. */
  private record ManifestOfAnother(EntryId key, EntryId other, boolean cacheOnly) {}

  /** Ids from the randomness source, so that a fixed seed gives the same ones. */
  private static Gen<UUID> uuids() {
    return longs().all().zip(longs().all(), UUID::new);
  }

  private static List<Character> chars(String text) {
    return text.chars().mapToObj(c -> (char) c).toList();
  }

  private static boolean notARegex(String text) {
    try {
      Pattern.compile(text);
      return false;
    } catch (java.util.regex.PatternSyntaxException e) {
      return true;
    }
  }

  /** Every null a caller can pass, to every method, through both routes. */
  private List<List<BadCall>> nullArgumentCalls(Store store) {
    Set<ChunkId> withNull = new HashSet<>(Arrays.asList(store.chunks.get(1), null));
    Map<EntryId, Long> nullVersion = new HashMap<>();
    nullVersion.put(store.manifests.get(0), null);
    Map<EntryId, Long> nullId = new HashMap<>();
    nullId.put(null, 1L);
    EntryId id = store.manifests.get(0);
    LocalManifest valid = file(id, 10, store.chunks.get(0));
    return List.of(
        call("getManifest(null)", s -> s.getManifest(null), r -> new StorageCommand.GetManifest(null, r)),
        call("setManifest(null, m)", s -> s.setManifest(null, valid),
            r -> new StorageCommand.SetManifest(null, valid, false, Set.of(), r)),
        call("setManifest(id, null)", s -> s.setManifest(id, null),
            r -> new StorageCommand.SetManifest(id, null, false, Set.of(), r)),
        call("setManifest(id, m, true, null)", s -> s.setManifest(id, valid, true, null),
            r -> new StorageCommand.SetManifest(id, valid, true, null, r)),
        call("setManifest(id, m, true, {null})", s -> s.setManifest(id, valid, true, withNull),
            r -> new StorageCommand.SetManifest(id, valid, true, withNull, r)),
        call("ensureManifestPersistent(null)", s -> s.ensureManifestPersistent(null),
            r -> new StorageCommand.EnsureManifestPersistent(null, r)),
        call("clearManifest(null)", s -> s.clearManifest(null), r -> new StorageCommand.ClearManifest(null, r)),
        call("getChunk(null)", s -> s.getChunk(null), r -> new StorageCommand.GetChunk(null, r)),
        call("setChunk(null, data)", s -> s.setChunk(null, new byte[1]),
            r -> new StorageCommand.SetChunk(null, new byte[1], r)),
        call("setChunk(id, null)", s -> s.setChunk(store.chunks.get(0), null),
            r -> new StorageCommand.SetChunk(store.chunks.get(0), null, r)),
        call("clearChunk(null)", s -> s.clearChunk(null), r -> new StorageCommand.ClearChunk(null, r)),
        call("getLocalChunkIds(null)", s -> s.getLocalChunkIds(null), r -> new StorageCommand.GetLocalChunkIds(null, r)),
        call("getLocalChunkIds({null})", s -> s.getLocalChunkIds(withNull),
            r -> new StorageCommand.GetLocalChunkIds(new ArrayList<>(withNull), r)),
        call("getBlock(null)", s -> s.getBlock(null), r -> new StorageCommand.GetBlock(null, r)),
        call("setBlock(null, data)", s -> s.setBlock(null, new byte[1]),
            r -> new StorageCommand.SetBlock(null, new byte[1], r)),
        call("setBlock(id, null)", s -> s.setBlock(store.blocks.get(0), null),
            r -> new StorageCommand.SetBlock(store.blocks.get(0), null, r)),
        call("clearBlock(null)", s -> s.clearBlock(null), r -> new StorageCommand.ClearBlock(null, r)),
        call("updateRealmCheckpoint(8, null)", s -> s.updateRealmCheckpoint(8, null),
            r -> new StorageCommand.UpdateRealmCheckpoint(8, null, r)),
        call("updateRealmCheckpoint(8, {id=null})", s -> s.updateRealmCheckpoint(8, nullVersion),
            r -> new StorageCommand.UpdateRealmCheckpoint(8, nullVersion, r)),
        call("updateRealmCheckpoint(8, {null=1})", s -> s.updateRealmCheckpoint(8, nullId),
            r -> new StorageCommand.UpdateRealmCheckpoint(8, nullId, r)),
        call("setPreventSyncPattern(null)", s -> s.setPreventSyncPattern(null),
            r -> new StorageCommand.SetPreventSyncPattern(null, r)),
        call("markPreventSyncPatternFullyApplied(null)", s -> s.markPreventSyncPatternFullyApplied(null),
            r -> new StorageCommand.MarkPreventSyncPatternFullyApplied(null, r)),
        call("getOutboundNeedSync(0)", s -> s.getOutboundNeedSync(0), r -> new StorageCommand.GetOutboundNeedSync(0, r)),
        call("getInboundNeedSync(-1)", s -> s.getInboundNeedSync(-1), r -> new StorageCommand.GetInboundNeedSync(-1, r)),
        call("listManifests(id, 0)", s -> s.listManifests(EntryId.random(), 0),
            r -> new StorageCommand.ListManifests(EntryId.random(), 0, r)),
        call("promoteChunkToBlock(null)", s -> s.promoteChunkToBlock(null),
            r -> new StorageCommand.PromoteChunkToBlock(null, r)));
  }

  /** Every call there is, with valid arguments: on a closed workspace each must be refused. */
  private Gen<BadCall> anyCalls() {
    EntryId id = EntryId.random();
    ChunkId chunk = ChunkId.random();
    LocalManifest manifest = file(id, 1, chunk);
    return Generate.pick(List.of(
        call("getManifest", s -> s.getManifest(id), r -> new StorageCommand.GetManifest(id, r)),
        call("setManifest", s -> s.setManifest(id, manifest),
            r -> new StorageCommand.SetManifest(id, manifest, false, Set.of(), r)),
        call("setManifest cache-only", s -> s.setManifest(id, manifest, true, Set.of(chunk)),
            r -> new StorageCommand.SetManifest(id, manifest, true, Set.of(chunk), r)),
        call("ensureManifestPersistent", s -> s.ensureManifestPersistent(id),
            r -> new StorageCommand.EnsureManifestPersistent(id, r)),
        call("clearManifest", s -> s.clearManifest(id), r -> new StorageCommand.ClearManifest(id, r)),
        call("getNeedSyncEntries", WorkspaceStorage::getNeedSyncEntries, StorageCommand.GetNeedSyncEntries::new),
        call("getRealmCheckpoint", WorkspaceStorage::getRealmCheckpoint, StorageCommand.GetRealmCheckpoint::new),
        call("updateRealmCheckpoint", s -> s.updateRealmCheckpoint(1, Map.of(id, 1L)),
            r -> new StorageCommand.UpdateRealmCheckpoint(1, Map.of(id, 1L), r)),
        call("getPreventSyncPattern", WorkspaceStorage::getPreventSyncPattern, StorageCommand.GetPreventSyncPattern::new),
        call("getPreventSyncPatternState", WorkspaceStorage::getPreventSyncPatternState, null),
        call("setPreventSyncPattern", s -> s.setPreventSyncPattern(Pattern.compile("x")),
            r -> new StorageCommand.SetPreventSyncPattern("x", r)),
        call("markPreventSyncPatternFullyApplied", s -> s.markPreventSyncPatternFullyApplied(Pattern.compile("x")),
            r -> new StorageCommand.MarkPreventSyncPatternFullyApplied("x", r)),
        call("getChunk", s -> s.getChunk(chunk), r -> new StorageCommand.GetChunk(chunk, r)),
        call("setChunk", s -> s.setChunk(chunk, new byte[1]), r -> new StorageCommand.SetChunk(chunk, new byte[1], r)),
        call("clearChunk", s -> s.clearChunk(chunk), r -> new StorageCommand.ClearChunk(chunk, r)),
        call("getLocalChunkIds", s -> s.getLocalChunkIds(List.of(chunk)),
            r -> new StorageCommand.GetLocalChunkIds(List.of(chunk), r)),
        call("getBlock", s -> s.getBlock(chunk), r -> new StorageCommand.GetBlock(chunk, r)),
        call("setBlock", s -> s.setBlock(chunk, new byte[1]), r -> new StorageCommand.SetBlock(chunk, new byte[1], r)),
        call("clearBlock", s -> s.clearBlock(chunk), r -> new StorageCommand.ClearBlock(chunk, r)),
        call("clearMemoryCache(true)", s -> s.clearMemoryCache(true), r -> new StorageCommand.ClearMemoryCache(true, r)),
        call("clearMemoryCache(false)", s -> s.clearMemoryCache(false), r -> new StorageCommand.ClearMemoryCache(false, r)),
        call("runVacuum", WorkspaceStorage::runVacuum, StorageCommand.RunVacuum::new),
        call("stats", WorkspaceStorage::stats, StorageCommand.GetStats::new),
        call("getOutboundNeedSync", s -> s.getOutboundNeedSync(10), r -> new StorageCommand.GetOutboundNeedSync(10, r)),
        call("getInboundNeedSync", s -> s.getInboundNeedSync(10), r -> new StorageCommand.GetInboundNeedSync(10, r)),
        call("listManifests", s -> s.listManifests(null, 10), r -> new StorageCommand.ListManifests(null, 10, r)),
        call("getOutboundSyncBacklog", WorkspaceStorage::getOutboundSyncBacklog,
            StorageCommand.GetOutboundSyncBacklog::new),
        call("promoteChunkToBlock", s -> s.promoteChunkToBlock(chunk),
            r -> new StorageCommand.PromoteChunkToBlock(chunk, r))))
        .flatMap(Generate::pick);
  }

  /** Negative longs, with -1 and Long.MIN_VALUE often. */
  static Gen<Long> negatives() {
    return Generate.oneOf(longs().between(Long.MIN_VALUE, -1), Generate.pick(List.of(-1L, Long.MIN_VALUE)));
  }

  /** The call through the façade and as a raw protocol message, whichever of the two exist. */
  private List<BadCall> call(String description, Function<WorkspaceStorage, CompletionStage<?>> facade,
      RawMessage raw) {
    List<BadCall> calls = new ArrayList<>(2);
    if (facade != null) {
      calls.add(new BadCall(description, facade));
    }
    if (raw != null) {
      calls.add(new BadCall(description + " as a protocol message", target -> ask(target, raw)));
    }
    return calls;
  }

  /** A protocol message around the reply-to the ask creates; raw, so one type fits every message. */
  @FunctionalInterface
  @SuppressWarnings("rawtypes")
  private interface RawMessage {
    StorageCommand make(ActorRef replyTo);
  }

  private CompletionStage<Object> ask(WorkspaceStorage target, RawMessage raw) {
    return AskPattern.<StorageCommand, Object>askWithStatus(target.supervisor(), raw::make, TIMEOUT,
        nodes().systems().get(0).scheduler());
  }

  private static FileManifest file(EntryId id, long version, ChunkId chunk) {
    return new FileManifest(id, EntryId.random(), version, true, Instant.EPOCH, 3, 512, List.of(new ChunkRef(chunk, 0, 3)));
  }

  /** What a client can read of the seeded store. */
  private record Snapshot(Map<EntryId, LocalManifest> manifests, Map<ChunkId, List<Byte>> chunks,
      Map<ChunkId, List<Byte>> blocks, long checkpoint, PreventSyncPattern pattern, NeedSync needSync) {
    /** What {@code storage} (the seeded workspace on one node) reads of {@code store}'s entries. */
    static Snapshot of(Store store, WorkspaceStorage storage) {
      Map<EntryId, LocalManifest> manifests = new HashMap<>();
      store.manifests.forEach(id -> manifests.put(id, Await.result(storage.getManifest(id))));
      Map<ChunkId, List<Byte>> chunks = new HashMap<>();
      store.chunks.forEach(id -> chunks.put(id, bytes(Await.result(storage.getChunk(id)))));
      Map<ChunkId, List<Byte>> blocks = new HashMap<>();
      store.blocks.forEach(id -> blocks.put(id, bytes(Await.result(storage.getBlock(id)))));
      return new Snapshot(manifests, chunks, blocks, Await.result(storage.getRealmCheckpoint()),
          Await.result(storage.getPreventSyncPatternState()), Await.result(storage.getNeedSyncEntries()));
    }

    private static List<Byte> bytes(byte[] data) {
      List<Byte> list = new ArrayList<>(data.length);
      for (byte b : data) {
        list.add(b);
      }
      return list;
    }
  }
}
