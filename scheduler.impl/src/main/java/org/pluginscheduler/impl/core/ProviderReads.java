package org.pluginscheduler.impl.core;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;

import org.pluginscheduler.api.ProviderProblem;
import org.pluginscheduler.api.TaskDefinition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads providers' task lists where only the provider being read waits: each read of {@code tasks()} runs on a
 * thread of its own (never the control thread, never under the core lock), and its result is then applied on the
 * control thread. A read that has not returned within the configured provider read timeout makes its provider a
 * {@link ProviderProblem}: it contributes no new tasks until the read returns (the tasks of its last completed read
 * stay registered), and every other provider is read and registered as usual meanwhile. When the read finally
 * returns, its result is applied if the provider is still registered, and the problem is gone; if the provider
 * went away meanwhile, nothing of it is applied.
 *
 * <p>Reads of one provider are serialized: a read asked for while one is in progress runs after it, and any number
 * of such requests make one read (the newest list wins). Threads are bounded: at most {@value #PER_OWNER} reads of
 * one owner (bundle) are in progress at once, blocked or not, and at most {@value #CONCURRENT} reads that are not
 * blocked (past the timeout) run at once; a read beyond either limit waits. So a plugin with many blocked providers
 * holds at most {@value #PER_OWNER} threads and its further reads wait until one of its reads returns, while other
 * owners still get threads (a blocked read no longer counts against {@value #CONCURRENT}): the threads in all are
 * at most {@value #CONCURRENT} plus {@value #PER_OWNER} per owner whose code blocks, and only such an owner pays,
 * for itself. Providers of one bundle are read {@value #PER_OWNER} at a time, which costs a healthy bundle nothing
 * noticeable (a read takes microseconds to milliseconds). A blocked thread is never interrupted or reused: it is
 * the plugin's until its {@code tasks()} returns; a provider that went away while its read was blocked is still
 * reported until that thread is free.
 *
 * <p>Owns the reads in progress and waiting, guarded by its own monitor (never held while plugin code or an
 * executor runs). Timeouts are armed on the core's {@link TaskTimer}, so they follow the core's clock.
 */
final class ProviderReads {

    private static final Logger LOG = LoggerFactory.getLogger(ProviderReads.class);

    /** Reads that are not blocked, in progress at once; further reads wait for one to end or to block. */
    static final int CONCURRENT = 4;
    /** Reads of one owner in progress at once, blocked or not; its further reads wait until one returns. */
    static final int PER_OWNER = 2;

    /** Applies a task list that was read; called on the control thread. */
    @FunctionalInterface
    interface Apply {
        void apply(ProviderHandle handle, List<TaskDefinition> definitions);
    }

    /** One call of a provider's {@code tasks()}. Fields other than {@code thread} are guarded by the reads' monitor. */
    private final class Read implements Runnable {
        final ProviderHandle handle;
        final Instant since;
        TaskTimer.Entry timeout;
        /** Past its timeout: the provider is a problem, the read no longer counts as running. */
        boolean blocked;
        Duration blockedAfter;
        boolean ended;
        volatile String thread = "?";

        Read(ProviderHandle handle, Instant since) {
            this.handle = handle;
            this.since = since;
        }

        @Override
        public void run() {
            thread = Thread.currentThread().getName();
            List<TaskDefinition> definitions = null;
            try {
                definitions = List.copyOf(handle.provider.tasks());
            } catch (RuntimeException | Error e) {
                LOG.error("{} failed to list its tasks; it contributes none until its list is read again", handle, e);
                definitions = List.of();
            } finally {
                ended(this, definitions == null ? List.of() : definitions);
            }
        }

        @Override
        public String toString() {
            return "read of " + handle;
        }
    }

    private final CoreContext ctx;
    private final TaskTimer timer;
    /** Runs each read on a thread of its own (tests: on the caller's thread). */
    private final Executor threads;
    private final Apply apply;

    // guarded by this
    /** The read in progress of each registered provider. */
    private final Map<ProviderHandle, Read> current = new HashMap<>();
    /** Providers asked to be read again while their read is in progress. */
    private final Set<ProviderHandle> again = new HashSet<>();
    /** Providers to read, in the order asked, none with a read in progress. */
    private final Set<ProviderHandle> waiting = new LinkedHashSet<>();
    /** Reads in progress (each holding a thread), by owner; those of providers that went away included. */
    private final Map<String, Integer> byOwner = new HashMap<>();
    /** Blocked reads of providers that went away: reported until their thread returns. */
    private final Set<Read> orphans = new LinkedHashSet<>();
    /** Reads in progress that are not blocked. */
    private int running;
    private boolean stopped;

    ProviderReads(CoreContext ctx, TaskTimer timer, Executor threads, Apply apply) {
        this.ctx = ctx;
        this.timer = timer;
        this.threads = threads;
        this.apply = apply;
    }

    /**
     * Asks for a provider's task list to be read (again); never blocks on the provider.
     *
     * @throws RejectedExecutionException once stopped
     */
    void request(ProviderHandle handle) {
        synchronized (this) {
            if (stopped) {
                throw new RejectedExecutionException("stopping");
            }
            if (current.containsKey(handle)) {
                again.add(handle); // after the read in progress; several requests make one read
                return;
            }
            waiting.add(handle);
        }
        pump();
    }

    /** The provider is gone: a read in progress is not applied when it returns; none starts any more. */
    void removed(ProviderHandle handle) {
        synchronized (this) {
            waiting.remove(handle);
            again.remove(handle);
            Read read = current.remove(handle);
            if (read != null && read.blocked) {
                orphans.add(read);
                LOG.warn("{} went away while its tasks() was blocked (thread {} since {}); nothing it returns will be "
                        + "applied", handle, read.thread, read.since);
            }
        }
        pump();
    }

    /** No more reads start; results of reads in progress are not applied. */
    void stop() {
        List<Read> pending;
        synchronized (this) {
            stopped = true;
            waiting.clear();
            again.clear();
            pending = new ArrayList<>(current.values());
            current.clear();
        }
        pending.forEach(r -> timer.cancel(r.timeout));
    }

    /** @return the providers whose read is blocked, and those that went away while theirs was, oldest first */
    synchronized List<ProviderProblem> problems() {
        List<ProviderProblem> problems = new ArrayList<>();
        for (Read r : current.values()) {
            if (r.blocked) {
                problems.add(new ProviderProblem(r.handle.owner, r.handle.label, r.since, "tasks() has not returned "
                        + "within " + r.blockedAfter + " (thread " + r.thread + "); no new tasks from it until it "
                        + "does"));
            }
        }
        for (Read r : orphans) {
            problems.add(new ProviderProblem(r.handle.owner, r.handle.label, r.since, "went away while tasks() was "
                    + "blocked; thread " + r.thread + " is held until it returns; nothing of it is applied"));
        }
        problems.sort(Comparator.comparing(ProviderProblem::since));
        return problems;
    }

    /** Starts the waiting reads that may start now. Not under this monitor: a read may run on this thread. */
    private void pump() {
        while (true) {
            Read read;
            synchronized (this) {
                if (stopped || running >= CONCURRENT) {
                    return;
                }
                ProviderHandle next = null;
                for (ProviderHandle h : waiting) {
                    if (byOwner.getOrDefault(h.owner, 0) < PER_OWNER) {
                        next = h;
                        break;
                    }
                }
                if (next == null) {
                    return;
                }
                waiting.remove(next);
                if (next.isGone()) {
                    continue;
                }
                Read started = new Read(next, ctx.clock.instant());
                read = started;
                current.put(next, started);
                running++;
                byOwner.merge(next.owner, 1, Integer::sum);
                Duration limit = ctx.settings().providerReadTimeout();
                started.timeout = timer.schedule(started.since.plus(limit), due -> timedOut(started, limit));
            }
            try {
                threads.execute(read);
            } catch (RuntimeException | Error e) { // no thread could be started (e.g. out of native threads)
                LOG.error("Could not start a thread to read the tasks of {}; they are read when it changes or asks "
                        + "again: {}", read.handle, e.toString());
                synchronized (this) {
                    read.ended = true;
                    running--;
                    byOwner.computeIfPresent(read.handle.owner, (k, n) -> n > 1 ? n - 1 : null);
                    current.remove(read.handle, read);
                }
                timer.cancel(read.timeout);
                return;
            }
        }
    }

    private void timedOut(Read read, Duration limit) {
        synchronized (this) {
            if (read.ended || read.blocked) {
                return;
            }
            read.blocked = true;
            read.blockedAfter = limit;
            running--;
            if (current.get(read.handle) != read) {
                orphans.add(read); // went away while it was still within its time
            }
        }
        LOG.warn("{}: tasks() has not returned within {} (thread {}); the provider contributes no new tasks until it "
                + "does, other providers are not affected", read.handle, limit, read.thread);
        pump();
    }

    private void ended(Read read, List<TaskDefinition> definitions) {
        boolean applies;
        boolean wasBlocked;
        synchronized (this) {
            read.ended = true;
            wasBlocked = read.blocked;
            byOwner.computeIfPresent(read.handle.owner, (k, n) -> n > 1 ? n - 1 : null);
            if (wasBlocked) {
                orphans.remove(read);
            } else {
                running--;
            }
            applies = current.remove(read.handle, read) && !stopped;
            if (applies && again.remove(read.handle)) {
                waiting.add(read.handle);
            }
        }
        timer.cancel(read.timeout);
        if (wasBlocked) {
            LOG.info("{}: tasks() returned after {}{}", read.handle, Duration.between(read.since, ctx.clock.instant()),
                    applies ? "; its list is applied" : "; the provider went away meanwhile, nothing is applied");
        }
        if (applies) {
            boolean queue;
            synchronized (this) {
                // one apply per provider waits on the control thread at most, with the latest list: a plugin that
                // asks for reloads in a loop cannot grow the control thread's queue or delay others' registration
                queue = toApply.put(read.handle, definitions) == null;
            }
            if (queue) {
                try {
                    ctx.control(() -> {
                        List<TaskDefinition> latest;
                        synchronized (this) {
                            latest = toApply.remove(read.handle);
                        }
                        if (latest != null) {
                            apply.apply(read.handle, latest);
                        }
                    });
                } catch (RejectedExecutionException stopping) {
                    synchronized (this) {
                        toApply.remove(read.handle);
                    }
                    LOG.debug("Scheduler stopping: the task list of {} is not applied", read.handle);
                }
            }
        }
        pump();
    }

    /** The latest list read of each provider whose apply waits on the control thread. Guarded by this. */
    private final Map<ProviderHandle, List<TaskDefinition>> toApply = new HashMap<>();
}
