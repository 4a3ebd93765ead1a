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
