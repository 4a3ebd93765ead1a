package org.pluginscheduler.bench;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * Where things are: the bundles of the embedded framework, the repository (for P5's runtime jar and cnf/etc), and a
 * work folder under {@code scheduler.bench/target}. System properties {@code bench.bundles} and {@code bench.repo}
 * override the defaults, which are derived from where the bench's own classes are ({@code target/classes} or
 * {@code target/scheduler-bench.jar}).
 */
final class Env {

    private Env() {
    }

    /** @return scheduler.bench/target */
    static Path target() {
        try {
            Path here = Path.of(Env.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            // target/classes or target/scheduler-bench.jar: either way the parent is target/
            return here.toAbsolutePath().getParent();
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    static Path bundles() {
        String configured = System.getProperty("bench.bundles");
        return configured != null ? Path.of(configured) : target().resolve("bundles");
    }

    /** @return the repository root (the folder with run.sh, cnf/ and scheduler.runtime/) */
    static Path repo() {
        String configured = System.getProperty("bench.repo");
        return (configured != null ? Path.of(configured) : target().getParent().getParent()).toAbsolutePath()
                .normalize();
    }

    /** @return a fresh, empty folder under target/bench-work */
    static Path freshWork(String name) {
        Path dir = target().resolve("bench-work").resolve(name);
        deleteTree(dir);
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        return dir;
    }

    static void deleteTree(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(dir)) {
            walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** @return bytes of heap in use after full collections (as stable as the JVM lets us measure) */
    static long usedHeapAfterGc(boolean quick) {
        long last = Long.MAX_VALUE;
        for (int i = 0; i < 6; i++) {
            System.gc();
            sleep(quick ? 30 : 150);
            long used = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
            if (Math.abs(used - last) < 256 * 1024 && i >= 2) {
                return used;
            }
            last = used;
        }
        return last;
    }

    /**
     * @return the fraction of all CPUs busy during {@code millis} (from /proc/stat; -1 where there is none). Taken
     *         between runs, when the bench itself is idle, it is what other processes use.
     */
    static double busyFraction(long millis) {
        try {
            long[] a = cpuTicks();
            sleep(millis);
            long[] b = cpuTicks();
            double total = b[0] - a[0];
            return total <= 0 ? -1 : 1 - (b[1] - a[1]) / total;
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    /** @return {total, idle + iowait} jiffies of the "cpu" line of /proc/stat */
    private static long[] cpuTicks() throws IOException {
        String[] f = Files.readAllLines(Path.of("/proc/stat")).get(0).trim().split("\\s+");
        long total = 0;
        for (int i = 1; i < f.length; i++) {
            total += Long.parseLong(f[i]);
        }
        return new long[] {total, Long.parseLong(f[4]) + Long.parseLong(f[5])};
    }

    /**
     * Waits (at most {@code maxSeconds}) until other processes leave the machine alone: less than 10% of the CPUs
     * busy over a second. @return the busy fraction last seen
     */
    static double awaitQuiet(int maxSeconds) {
        long deadline = System.nanoTime() + maxSeconds * 1_000_000_000L;
        double busy = busyFraction(1000);
        while (busy > 0.10 && System.nanoTime() < deadline) {
            busy = busyFraction(1000);
        }
        return busy;
    }

    static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    /** Polls {@code condition} every millisecond until it holds. @return false on timeout */
    static boolean await(java.util.function.BooleanSupplier condition, long timeoutMillis) {
        long deadline = System.nanoTime() + timeoutMillis * 1_000_000;
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                return false;
            }
            Thread.onSpinWait();
            sleep(1);
        }
        return true;
    }
}
