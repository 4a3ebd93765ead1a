package org.pluginscheduler.impl;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.pluginscheduler.api.Priority;
import org.pluginscheduler.api.SchedulerStats;

/**
 * One fixed-size thread pool per priority, so a flood of background runs never delays realtime fires. A pool can
 * grow by up to its own size to replace workers held by stuck runs.
 */
final class PooledWorkers implements Workers {

    private final Map<Priority, ThreadPoolExecutor> pools = new EnumMap<>(Priority.class);
    private final Map<Priority, Integer> sizes = new EnumMap<>(Priority.class);
    private final Map<Priority, Integer> extra = new EnumMap<>(Priority.class);

    PooledWorkers(Map<Priority, Integer> threads) {
        for (Priority p : Priority.values()) {
            int n = threads.get(p);
            AtomicInteger counter = new AtomicInteger();
            String prefix = "task-" + p.name().toLowerCase() + "-";
            pools.put(p, new ThreadPoolExecutor(n, n, 60, TimeUnit.SECONDS, new LinkedBlockingQueue<>(), r -> {
                Thread t = new Thread(r, prefix + counter.incrementAndGet());
                t.setDaemon(true);
                if (p == Priority.REALTIME) {
                    t.setPriority(Thread.MAX_PRIORITY);
                }
                return t;
            }));
            sizes.put(p, n);
            extra.put(p, 0);
        }
    }

    @Override
    public void execute(Priority priority, Runnable run) {
        pools.get(priority).execute(run);
    }

    /** Applies new pool sizes live. */
    synchronized void resize(Map<Priority, Integer> threads) {
        threads.forEach((p, n) -> {
            sizes.put(p, n);
            setSize(p, n + extra.get(p));
        });
    }

    @Override
    public synchronized boolean compensate(Priority priority, int delta) {
        int now = extra.get(priority) + delta;
        if (now < 0) {
            now = 0;
        }
        if (now > sizes.get(priority)) {
            return false;
        }
        extra.put(priority, now);
        setSize(priority, sizes.get(priority) + now);
        return true;
    }

    private void setSize(Priority p, int n) {
        ThreadPoolExecutor pool = pools.get(p);
        if (n > pool.getMaximumPoolSize()) {
            pool.setMaximumPoolSize(n);
            pool.setCorePoolSize(n);
        } else {
            pool.setCorePoolSize(n);
            pool.setMaximumPoolSize(n);
        }
    }

    @Override
    public synchronized List<SchedulerStats.Pool> pools() {
        List<SchedulerStats.Pool> result = new ArrayList<>();
        pools.forEach((p, pool) -> result.add(new SchedulerStats.Pool(p, sizes.get(p), pool.getActiveCount(),
                pool.getQueue().size(), extra.get(p))));
        return result;
    }

    /** Stops accepting runs; waits briefly for queued ones to drain, then interrupts what is left. */
    void shutdown() {
        pools.values().forEach(ThreadPoolExecutor::shutdown);
        for (ThreadPoolExecutor pool : pools.values()) {
            try {
                if (!pool.awaitTermination(1, TimeUnit.SECONDS)) {
                    pool.shutdownNow();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                pool.shutdownNow();
            }
        }
    }
}
