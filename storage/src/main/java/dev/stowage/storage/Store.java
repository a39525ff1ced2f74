package dev.stowage.storage;

/** A database with its tables, owned by the thread that opened it: {@link DataStore}, {@link CacheStore}. */
public interface Store extends AutoCloseable {
  LocalDatabase database();

  @Override
  void close();
}
