package org.pluginscheduler.store.h2;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.sql.Connection;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps the database file proportional to the data it holds, doing what H2's background writer thread would do if
 * the store let it run.
 *
 * <p>Why it is needed: the store sets {@code WRITE_DELAY} to 0 so that a commit is on disk when it returns (see
 * {@link H2TaskStore}). That also stops H2's background thread, and with it all of H2's housekeeping: every commit
 * appends a new chunk, and a chunk's space is reused only once nothing in it is live. Under a steady load of
 * inserts and prunes almost every chunk keeps a few live pages, so the file grew by tens of MB per second while
 * holding a few dozen MB of data.
 *
 * <p>What it does, on the store's writer thread between commits, every {@link #INTERVAL}: when the chunks' fill rate
 * (live bytes / bytes of all chunks) is below {@link #TARGET_FILL_RATE}%, it has H2 rewrite the live pages of the
 * emptiest old chunks ({@code MVStore.compact}: H2's own selection, at most {@link #REWRITE_BYTES} per turn) and
 * stores them ({@code MVStore.commit}); the emptied chunks are then free and their space is reused by later chunks,
 * so the file stops growing. When less than half of the file is in use, it also has H2
 * move chunks from the end of the file into the gaps and truncate it ({@code compactMoveChunks}, which syncs the
 * file before overwriting anything), at most {@link #MOVE_BYTES} per turn.
 *
 * <p>Both are public methods of H2's {@code org.h2.mvstore} API, reached from a JDBC connection through public
 * methods of H2's engine classes (reflectively: the H2 bundle does not export {@code org.h2.engine}). If any of
 * that is missing (another H2 version, a server URL whose database is not in this process), housekeeping says so
 * once in the log and stays off: the store works as before, without the file staying small.
 */
final class FileHousekeeping {

    /** How often housekeeping runs. */
    static final Duration INTERVAL = Duration.ofMillis(250);
    /** Chunks are rewritten while their fill rate (percent of live bytes) is below this. */
    static final int TARGET_FILL_RATE = 80;
    /** At most this many live bytes are rewritten per turn. */
    static final int REWRITE_BYTES = 2 * 1024 * 1024;
    /** The file is compacted by moving chunks when less than this percent of it is in use. */
    static final int MOVE_BELOW_FILE_FILL_RATE = 50;
    /** At most this many bytes of chunks are moved per turn. */
    static final long MOVE_BYTES = 4L * 1024 * 1024;

    private static final Logger LOG = LoggerFactory.getLogger(FileHousekeeping.class);

    /** H2's objects for one connection's database; found again when the writer's connection changes. */
    private record Handles(Connection connection, Object mvStore, Object fileStore, Method compact, Method commit,
                           Method syncFile, Method chunksFillRate, Method fileFillRate, Method moveChunks) {
    }

    private volatile Handles handles;
    private final boolean sync;
    private final AtomicLong rewrites = new AtomicLong();
    private final AtomicLong moves = new AtomicLong();

    private FileHousekeeping(Handles handles, boolean sync) {
        this.handles = handles;
        this.sync = sync;
    }

    /**
     * @param connection a connection to the database, used only to find it
     * @param sync       force the rewritten pages to the device before a later commit may reuse the space they
     *                   free ({@code sync.to.disk}: otherwise a power failure could find a chunk overwritten that
     *                   the last synced state still uses)
     * @return housekeeping for the database of {@code connection}, or empty (logged) if H2 does not let it in
     */
    static Optional<FileHousekeeping> of(Connection connection, DatabaseLocation location, boolean sync) {
        try {
            return handles(connection).map(h -> new FileHousekeeping(h, sync));
        } catch (ReflectiveOperationException | RuntimeException | LinkageError e) {
            LOG.warn("H2 task store on {}: the file's housekeeping is off: this H2 does not offer it ({}). The store "
                    + "works, but its file may grow well beyond its data under a sustained load; compact it with "
                    + "SHUTDOWN COMPACT while the scheduler is stopped", location.resource(), e.toString());
            return Optional.empty();
        }
    }

    /** @return H2's objects behind {@code connection}; empty for an in-memory database (no file) */
    private static Optional<Handles> handles(Connection connection) throws ReflectiveOperationException {
        Object session = call(connection, "getSession");
        Object database = call(session, "getDatabase");
        Object store = call(database, "getStore");
        Object mvStore = call(store, "getMvStore");
        Object fileStore = call(mvStore, "getFileStore");
        if (fileStore == null) {
            return Optional.empty();
        }
        Class<?> mvStoreType = mvStore.getClass();
        return Optional.of(new Handles(connection, mvStore, fileStore, mvStoreType.getMethod("compact", int.class,
                int.class), mvStoreType.getMethod("commit"), mvStoreType.getMethod("sync"),
                fileStore.getClass().getMethod("getChunksFillRate"),
                fileStore.getClass().getMethod("getFillRate"), fileStore.getClass().getMethod("compactMoveChunks",
                        int.class, long.class, mvStoreType)));
    }

    private static Object call(Object target, String method) throws ReflectiveOperationException {
        return target.getClass().getMethod(method).invoke(target);
    }

    /**
     * One turn: rewrites the emptiest chunks if the fill rate is low, moves chunks if the file is mostly empty. On
     * the store's writer thread, between its commits ({@link GroupCommitWriter#maintenance}): from any other thread,
     * H2's store lock was nearly always held by a commit, and the rewrite gave up (it waits 10 ms for it).
     *
     * @param connection the writer's connection now: after a reconnection (the database may have been closed and
     *                   opened again) H2's objects are found anew from it
     * @throws IllegalStateException if H2 failed (the caller logs it; the next turn tries again)
     */
    void run(Connection connection) {
        try {
            Handles h = handles;
            if (h.connection() != connection) {
                h = handles(connection).orElseThrow(() -> new IllegalStateException("the database has no file"));
                handles = h;
            }
            int chunks = (Integer) h.chunksFillRate().invoke(h.fileStore());
            if (chunks < TARGET_FILL_RATE
                    && (Boolean) h.compact().invoke(h.mvStore(), TARGET_FILL_RATE, REWRITE_BYTES)) {
                h.commit().invoke(h.mvStore()); // the rewritten pages, stored now: the old chunks can then be freed
                if (sync) {
                    h.syncFile().invoke(h.mvStore());
                }
                rewrites.incrementAndGet();
            }
            int file = (Integer) h.fileFillRate().invoke(h.fileStore());
            if (file < MOVE_BELOW_FILE_FILL_RATE) {
                h.moveChunks().invoke(h.fileStore(), MOVE_BELOW_FILE_FILL_RATE, MOVE_BYTES, h.mvStore());
                moves.incrementAndGet();
            }
        } catch (InvocationTargetException e) {
            throw new IllegalStateException(String.valueOf(e.getCause()), e.getCause());
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException(e.toString(), e);
        }
    }

    /** @return the percentage of the chunks' bytes that are live, -1 if H2 failed to say */
    int chunksFillRate() {
        try {
            Handles h = handles;
            return (Integer) h.chunksFillRate().invoke(h.fileStore());
        } catch (ReflectiveOperationException | RuntimeException e) {
            return -1;
        }
    }

    /** @return the percentage of the file in use by chunks, -1 if H2 failed to say */
    int fileFillRate() {
        try {
            Handles h = handles;
            return (Integer) h.fileFillRate().invoke(h.fileStore());
        } catch (ReflectiveOperationException | RuntimeException e) {
            return -1;
        }
    }

    /** @return turns that rewrote chunks, turns that moved chunks */
    long[] counts() {
        return new long[] {rewrites.get(), moves.get()};
    }
}
