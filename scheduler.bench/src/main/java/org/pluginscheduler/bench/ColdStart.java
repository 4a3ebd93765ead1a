package org.pluginscheduler.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import org.pluginscheduler.bench.plugin.FirePlugin;

/**
 * P5: the shipped runtime jar, cold: a new JVM ({@code java -Dgosh.args=--nointeractive -jar scheduler.jar}) in a
 * fresh working folder prepared as run.sh does it (deploy/, etc/ with the defaults of cnf/etc, data/, log/), with
 * one plugin jar in deploy/ whose only task fires at registration. Measured: wall-clock time from just before the
 * process is started until the task's run began (the run writes its own clock reading). The process is then stopped
 * with SIGTERM.
 */
final class ColdStart {

    private ColdStart() {
    }

    static Path runtimeJar() {
        return Env.repo().resolve("scheduler.runtime/target/scheduler.jar");
    }

    static Map<String, Double> ours(Sizes z) throws Exception {
        Path jar = runtimeJar();
        if (!Files.isRegularFile(jar)) {
            throw new IllegalStateException("no runtime jar at " + jar + ": build it first (mvn -DskipTests install)");
        }
        double[] millis = new double[z.coldStarts()];
        for (int i = 0; i < millis.length; i++) {
            millis[i] = once(jar, i);
        }
        double[] sorted = millis.clone();
        Arrays.sort(sorted);
        Map<String, Double> r = new LinkedHashMap<>();
        r.put("median_ms", sorted[sorted.length / 2]);
        r.put("min_ms", sorted[0]);
        r.put("max_ms", sorted[sorted.length - 1]);
        r.put("starts", (double) sorted.length);
        return r;
    }

    private static double once(Path jar, int attempt) throws Exception {
        Path dir = Env.freshWork("p5-ours-" + attempt);
        for (String sub : List.of("deploy", "etc", "data", "log")) {
            Files.createDirectories(dir.resolve(sub));
        }
        try (Stream<Path> defaults = Files.list(Env.repo().resolve("cnf/etc"))) {
            for (Path f : defaults.filter(Files::isRegularFile).toList()) {
                Files.copy(f, dir.resolve("etc").resolve(f.getFileName()));
            }
        }
        PluginJar.build(dir.resolve("deploy/bench-fire.jar"), "bench.fire", FirePlugin.class, Map.of());
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        ProcessBuilder pb = new ProcessBuilder(java, "-Dgosh.args=--nointeractive", "-jar", jar.toString())
                .directory(dir.toFile())
                .redirectError(dir.resolve("log/stderr.txt").toFile());
        Path marker = dir.resolve("fired.txt");
        long startMillis = System.currentTimeMillis();
        Process process = pb.redirectOutput(dir.resolve("log/stdout.txt").toFile()).start();
        process.getOutputStream().close();
        try {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (!Files.exists(marker)) {
                if (!process.isAlive() || System.nanoTime() > deadline) {
                    throw new IllegalStateException("the runtime did not fire within 60 s; see " + dir.resolve("log"));
                }
                Thread.sleep(1);
            }
            // the run's own wall-clock time, so polling adds nothing
            long firedMillis = Long.parseLong(Files.readString(marker).trim().split(" ")[1]);
            return firedMillis - startMillis;
        } finally {
            process.destroy(); // SIGTERM: a clean stop
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        }
    }
}
