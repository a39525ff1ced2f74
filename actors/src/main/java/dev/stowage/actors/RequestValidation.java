package dev.stowage.actors;

import dev.stowage.protocol.ChunkId;
import dev.stowage.protocol.EntryId;
import dev.stowage.protocol.InvalidRequestException;
import dev.stowage.protocol.LocalManifest;
import dev.stowage.protocol.ManifestChange;
import dev.stowage.protocol.ManifestLimits;
import dev.stowage.protocol.Require;
import dev.stowage.protocol.StorageCommand.ClearBlock;
import dev.stowage.protocol.StorageCommand.ClearChunk;
import dev.stowage.protocol.StorageCommand.ClearManifest;
import dev.stowage.protocol.StorageCommand.EnsureManifestPersistent;
import dev.stowage.protocol.StorageCommand.GetBlock;
import dev.stowage.protocol.StorageCommand.GetChunk;
import dev.stowage.protocol.StorageCommand.GetLocalChunkIds;
import dev.stowage.protocol.StorageCommand.GetManifest;
import dev.stowage.protocol.StorageCommand.GetInboundNeedSync;
import dev.stowage.protocol.StorageCommand.GetNeedSyncEntries;
import dev.stowage.protocol.StorageCommand.GetOutboundNeedSync;
import dev.stowage.protocol.StorageCommand.GetOutboundSyncBacklog;
import dev.stowage.protocol.StorageCommand.ListManifests;
import dev.stowage.protocol.StorageCommand.PromoteChunkToBlock;
import dev.stowage.protocol.StorageCommand.GetPreventSyncPattern;
import dev.stowage.protocol.StorageCommand.GetRealmCheckpoint;
import dev.stowage.protocol.StorageCommand.GetStats;
import dev.stowage.protocol.StorageCommand.PopulateManifest;
import dev.stowage.protocol.StorageCommand.UpdateManifests;
import dev.stowage.protocol.StorageCommand.MarkPreventSyncPatternFullyApplied;
import dev.stowage.protocol.StorageCommand.RunVacuum;
import dev.stowage.protocol.StorageCommand.SetBlock;
import dev.stowage.protocol.StorageCommand.SetChunk;
import dev.stowage.protocol.StorageCommand.SetManifest;
import dev.stowage.protocol.StorageCommand.SetPreventSyncPattern;
import dev.stowage.protocol.StorageCommand.UpdateRealmCheckpoint;
import dev.stowage.protocol.StorageCommand;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * The checks every request passes before it reaches an entity or a gateway (INV-19): the façade
 * runs them to fail fast, the supervisor again for hosts that send the actor protocol directly.
 * Each throws {@link InvalidRequestException} saying what was wrong; nothing has changed then.
 * Public for the other modes of Stowage (module {@code stowage-cluster}), which validate alike.
 */
public final class RequestValidation {
  private RequestValidation() {}

  /**
   * Every check an operation of the actor protocol needs, by its kind, under {@code settings}: what
   * the supervisor runs before serving one ({@code operation.servedBy(checks)}, throwing {@link
   * InvalidRequestException}). It holds no state: one serves a workspace's every request.
   */
  public static StorageCommand.Operations checks(StorageSettings settings) {
    return new Checks(settings);
  }

  /** The checks of each kind of operation: a new kind does not compile until it says what it checks. */
  private static final class Checks implements StorageCommand.Operations {
    private final StorageSettings settings;
    private final StorageCommand.ManifestKinds<Void> manifestChecks;

    Checks(StorageSettings settings) {
      this.settings = settings;
      this.manifestChecks = new StorageCommand.ManifestKinds<>() {
        @Override
        public Void get(GetManifest get) {
          Require.nonNull(get.id(), "entry id");
          return null;
        }

        @Override
        public Void set(SetManifest set) { // the one manifest command with more than an id
          RequestValidation.manifest(set.id(), set.manifest(), set.removedChunkIds(), settings);
          return null;
        }

        @Override
        public Void ensure(EnsureManifestPersistent ensure) {
          Require.nonNull(ensure.id(), "entry id");
          return null;
        }

        @Override
        public Void clear(ClearManifest clear) {
          Require.nonNull(clear.id(), "entry id");
          return null;
        }

        @Override
        public Void populate(PopulateManifest populate) {
          RequestValidation.manifest(populate.id(), populate.fetched(), Set.of(), settings);
          return null;
        }
      };
    }

    @Override
    public void manifest(StorageCommand.ManifestCommand command) {
      command.kind(manifestChecks);
    }

    @Override
    public void getChunk(GetChunk request) {
      Require.nonNull(request.id(), "chunk id");
    }

    @Override
    public void setChunk(SetChunk request) {
      payload(request.id(), request.data(), settings.maxChunkSize(), "chunk");
    }

    @Override
    public void clearChunk(ClearChunk request) {
      Require.nonNull(request.id(), "chunk id");
    }

    @Override
    public void getLocalChunkIds(GetLocalChunkIds request) {
      chunkIds(request.ids(), "chunk ids");
    }

    @Override
    public void getBlock(GetBlock request) {
      Require.nonNull(request.id(), "block id");
    }

    @Override
    public void setBlock(SetBlock request) {
      payload(request.id(), request.data(), settings.maxChunkSize(), "block");
    }

    @Override
    public void clearBlock(ClearBlock request) {
      Require.nonNull(request.id(), "block id");
    }

    @Override
    public void getNeedSyncEntries(GetNeedSyncEntries request) {}

    @Override
    public void getRealmCheckpoint(GetRealmCheckpoint request) {}

    @Override
    public void updateRealmCheckpoint(UpdateRealmCheckpoint request) {
      realmCheckpoint(request.checkpoint(), request.changedVlobs());
    }

    @Override
    public void getPreventSyncPattern(GetPreventSyncPattern request) {}

    @Override
    public void setPreventSyncPattern(SetPreventSyncPattern request) {
      regex(request.regex());
    }

    @Override
    public void markPreventSyncPatternFullyApplied(MarkPreventSyncPatternFullyApplied request) {
      regex(request.regex());
    }

    @Override
    public void runVacuum(RunVacuum request) {}

    @Override
    public void getStats(GetStats request) {}

    @Override
    public void updateManifests(UpdateManifests request) {
      changes(request.changes(), settings);
    }

    @Override
    public void getOutboundNeedSync(GetOutboundNeedSync request) {
      Require.positive(request.limit(), "limit");
    }

    @Override
    public void getInboundNeedSync(GetInboundNeedSync request) {
      Require.positive(request.limit(), "limit");
    }

    @Override
    public void listManifests(ListManifests request) {
      Require.positive(request.limit(), "limit");
    }

    @Override
    public void getOutboundSyncBacklog(GetOutboundSyncBacklog request) {}

    @Override
    public void promoteChunkToBlock(PromoteChunkToBlock request) {
      Require.nonNull(request.id(), "chunk id");
    }
  }

  /** The most changes one tree transaction may hold (SPEC §6b). */
  public static final int MAX_CHANGES = 1_000;

  /**
   * A tree transaction: 1 to {@link #MAX_CHANGES} changes, of distinct ids, each a valid manifest
   * write ({@link #manifest}) whose expected value, if any, is of the same id.
   */
  public static void changes(List<ManifestChange> changes, StorageSettings settings) {
    Require.nonNull(changes, "manifest changes");
    if (changes.isEmpty()) {
      throw new InvalidRequestException("a tree transaction needs at least one manifest change");
    }
    if (changes.size() > MAX_CHANGES) {
      throw new InvalidRequestException("a tree transaction of " + changes.size() + " manifest changes: at most "
          + MAX_CHANGES + " go in one (split it, or write some of them with setManifest)");
    }
    Set<EntryId> ids = new HashSet<>();
    for (ManifestChange change : changes) {
      Require.nonNull(change, "a manifest change");
      manifest(change.id(), change.updated(), Require.nonNull(change.removedChunkIds(), "removed chunk ids"), settings);
      Optional<LocalManifest> expected = Require.nonNull(change.expected(), "the expected value of " + change.id());
      if (expected.isPresent() && !expected.get().id().equals(change.id())) {
        throw new InvalidRequestException("the expected value of " + change.id() + " is the manifest of "
            + expected.get().id() + ": it can never match");
      }
      if (!ids.add(change.id())) {
        throw new InvalidRequestException("entry " + change.id() + " is changed twice in one tree transaction:"
            + " merge the two changes into one");
      }
    }
  }

  /**
   * A manifest write: the id matches, the manifest can be stored and read back exactly ({@link
   * ManifestLimits}: its names, its size under {@code stowage.max-manifest-size}), and its removed
   * chunk ids are no more than {@link StorageSettings#maxRemovedChunkIds()}.
   */
  public static void manifest(EntryId id, LocalManifest manifest, Collection<ChunkId> removedChunkIds,
      StorageSettings settings) {
    Require.nonNull(id, "entry id");
    Require.nonNull(manifest, "manifest");
    if (!manifest.id().equals(id)) {
      throw new InvalidRequestException("manifest id " + manifest.id() + " differs from the key " + id);
    }
    chunkIds(removedChunkIds, "removed chunk ids");
    if (removedChunkIds.size() > settings.maxRemovedChunkIds()) {
      throw new InvalidRequestException("a write of manifest " + id + " removes " + removedChunkIds.size()
          + " chunk ids, more than " + settings.maxRemovedChunkIds() + " (stowage.max-manifest-size / 16)");
    }
    ManifestLimits.requireStorable(manifest, settings.maxManifestSize());
  }

  public static void payload(ChunkId id, byte[] data, int maxChunkSize, String kind) {
    Require.nonNull(id, kind + " id");
    Require.nonNull(data, kind + " data");
    if (data.length > maxChunkSize) {
      throw new InvalidRequestException(kind + " " + id + " has " + data.length
          + " bytes, more than stowage.max-chunk-size (" + maxChunkSize + ")");
    }
  }

  public static void chunkIds(Collection<ChunkId> ids, String what) {
    Require.nonNull(ids, what);
    for (ChunkId id : ids) {
      Require.nonNull(id, "an element of " + what);
    }
  }

  public static void realmCheckpoint(long checkpoint, Map<EntryId, Long> changedVlobs) {
    Require.nonNegative(checkpoint, "realm checkpoint");
    Require.nonNull(changedVlobs, "changed vlobs");
    changedVlobs.forEach((id, version) -> {
      Require.nonNull(id, "a changed vlob id");
      Require.nonNegative(Require.nonNull(version, "the version of " + id), "the version of " + id);
    });
  }

  public static void regex(String regex) {
    Require.nonNull(regex, "prevent-sync pattern");
    try {
      Pattern.compile(regex);
    } catch (PatternSyntaxException e) {
      throw new InvalidRequestException("prevent-sync pattern is not a regular expression: " + e.getMessage(), e);
    }
  }

  /** A prevent-sync pattern is stored as its text: flags must be inline, e.g. {@code (?i)}. */
  public static String regex(Pattern pattern) {
    Require.nonNull(pattern, "prevent-sync pattern");
    // flags() also reports inline flags such as (?i): only flags the text does not carry are lost.
    if (pattern.flags() != Pattern.compile(pattern.pattern()).flags()) {
      throw new InvalidRequestException(
          "prevent-sync pattern was compiled with flags " + pattern.flags() + " that its text does not carry:"
              + " write them inline, e.g. (?i)" + pattern.pattern());
    }
    return pattern.pattern();
  }

  public static void workspaceId(String workspaceId) {
    Require.nonNull(workspaceId, "workspace id");
    if (workspaceId.isBlank() || workspaceId.equals(".") || workspaceId.equals("..")
        || workspaceId.contains("/") || workspaceId.contains("\\") || workspaceId.indexOf('\0') >= 0) {
      throw new InvalidRequestException(
          "workspace id '" + workspaceId + "' is not a valid directory name (no separators, not . or ..)");
    }
  }
}
