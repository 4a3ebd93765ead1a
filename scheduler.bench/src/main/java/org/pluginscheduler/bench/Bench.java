package org.pluginscheduler.bench;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Runs the benchmarks of issue 6 (and W1, the web surface of issue 15) and prints one markdown table: ours beside
 * Quartz and db-scheduler.
 *
 * <pre>
 * java -jar scheduler.bench/target/scheduler-bench.jar [--smoke] [--only P1,P3] [--threads 8] [--p3-seconds 60]
 *                                                       [--quiet 120] [--in-process] [--out FILE]
 * </pre>
 *
 * Every workload of every scheduler runs in a JVM of its own (same heap settings for all), so no run inherits
 * another's threads, heap or JIT state; {@code --in-process} runs them in this JVM instead (the smoke test does).
 * P6 runs JMH, which forks its own JVM. The table is also written to target/bench-results.md (or {@code --out}).
 * Before each run the bench waits (up to {@code --quiet} seconds, default 120) until other processes use less than
 * 10% of the CPUs, and reports how busy they were: on a 2-core machine a build next door halves every number.
 */
public final class Bench {

    static final String RESULT = "BENCH-RESULT ";
    static final List<String> CHILD_JVM = List.of("-Xms2g", "-Xmx2g");
    /** A system name ending like this runs in a child JVM with the Z garbage collector. */
    static final String ZGC = "-zgc";

    private Bench() {
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> options = new LinkedHashMap<>();
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (a.equals("--smoke") || a.equals("--in-process")) {
                options.put(a, "true");
            } else if (a.equals("--child")) {
                options.put("--child", args[++i] + "/" + args[++i]);
            } else if (a.startsWith("--") && i + 1 < args.length) {
                options.put(a, args[++i]);
            } else {
                System.err.println("unknown argument " + a + "\nusage: [--smoke] [--only P1,P2,...,W1] [--threads N] "
                        + "[--p3-seconds N] [--quiet SECONDS] [--in-process] [--out FILE]\n"
                        + "   or: --soak h2|memory [--load 1000|max] [--minutes 60] [--sample-seconds 30] [--out DIR]");
                System.exit(2);
            }
        }
        if (options.containsKey("--soak")) {
            logTo(Env.target().resolve("bench-logs").resolve("soak.log"));
            Soak.main(options);
            return;
        }
        if (options.containsKey("--child")) {
            logTo(Env.target().resolve("bench-logs").resolve(options.get("--child").replace('/', '-') + ".log"));
            Sizes z = Sizes.parse(options.get("--sizes"));
            String[] ws = options.get("--child").split("/");
            Map<String, Double> result = run(ws[0], ws[1], z);
            System.out.println(RESULT + encode(result));
            System.out.flush();
            System.exit(0);
        }
        logTo(Env.target().resolve("bench-logs").resolve("bench.log"));
        int threads = Integer.parseInt(options.getOrDefault("--threads", "8"));
        Sizes z = options.containsKey("--smoke") ? Sizes.smoke(threads)
                : Sizes.full(threads, Integer.parseInt(options.getOrDefault("--p3-seconds", "60")));
        Set<String> only = new LinkedHashSet<>(List.of(options.getOrDefault("--only", "P1,P2,P3,P4,P5,P6,W1")
                .toUpperCase(Locale.ROOT).split(",")));
        Outcome outcome = runAll(z, only, options.containsKey("--in-process"),
                Integer.parseInt(options.getOrDefault("--quiet", z.smoke() ? "0" : "120")));
        String table = outcome.table(z);
        Path out = Path.of(options.getOrDefault("--out", Env.target().resolve("bench-results.md").toString()));
        Files.writeString(out, table);
        System.out.println();
        System.out.println(table);
        System.out.println("(also written to " + out + ")");
        if (!outcome.errors().isEmpty()) {
            System.err.println("FAILED: " + outcome.errors());
            System.exit(1);
        }
    }

    /** What a whole run produced. */
    record Outcome(Map<String, Map<String, Double>> results, Map<String, String> errors) {
        String table(Sizes z) {
            return new Report(results, errors).table(z);
        }
    }

    /** The plan: workload → systems, in order. */
    static final Map<String, List<String>> PLAN = new LinkedHashMap<>();

    static {
        PLAN.put("P1", List.of("ours", "quartz", "db-scheduler"));
        PLAN.put("P2", List.of("ours", "quartz"));
        // P3 again with ZGC (child JVMs only): the default collector's young pauses dominate the lag's tail
        PLAN.put("P3", List.of("ours", "quartz", "ours-zgc", "quartz-zgc"));
        PLAN.put("P4", List.of("ours", "quartz"));
        PLAN.put("P5", List.of("ours"));
        PLAN.put("P6", List.of("jmh"));
        // the web surface (issue 15): ours only, the peers have no REST API
        PLAN.put("W1", List.of("ours"));
    }

    static Outcome runAll(Sizes z, Set<String> only, boolean inProcess) {
        return runAll(z, only, inProcess, 0);
    }

    /** @param quietSeconds before each run, wait up to this long for other processes to leave the CPUs idle */
    static Outcome runAll(Sizes z, Set<String> only, boolean inProcess, int quietSeconds) {
        Map<String, Map<String, Double>> results = new LinkedHashMap<>();
        Map<String, String> errors = new LinkedHashMap<>();
        for (Map.Entry<String, List<String>> w : PLAN.entrySet()) {
            if (!only.contains(w.getKey())) {
                continue;
            }
            for (String system : w.getValue()) {
                String run = w.getKey() + "/" + system;
                if (inProcess && system.endsWith(ZGC)) {
                    continue; // needs a JVM of its own
                }
                System.err.printf(Locale.ROOT, "%s ... ", run);
                double othersBusy = quietSeconds > 0 ? Env.awaitQuiet(quietSeconds) : Env.busyFraction(500);
                long t0 = System.nanoTime();
                double loadBefore = ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
                try {
                    // JMH forks its own JVM; everything else gets one unless asked to stay in this one
                    Map<String, Double> r = new LinkedHashMap<>(inProcess || system.equals("jmh")
                            ? run(w.getKey(), system, z) : child(w.getKey(), system, z));
                    // other processes on the machine skew every number: say how busy it was
                    r.put("others_busy", othersBusy);
                    r.put("load_before", loadBefore);
                    r.put("load_after", ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
                    results.put(run, r);
                    System.err.printf(Locale.ROOT, "%.1f s %s%n", (System.nanoTime() - t0) / 1e9, summary(r));
                } catch (Exception | Error e) {
                    errors.put(run, String.valueOf(e));
                    System.err.printf(Locale.ROOT, "FAILED after %.1f s: %s%n", (System.nanoTime() - t0) / 1e9, e);
                    e.printStackTrace();
                }
            }
        }
        return new Outcome(results, errors);
    }

    private static String summary(Map<String, Double> r) {
        StringBuilder sb = new StringBuilder();
        r.forEach((k, v) -> sb.append(k).append('=').append(String.format(Locale.ROOT, "%.4g", v)).append(' '));
        return sb.toString().trim();
    }

    /** Runs one workload of one system in this JVM. */
    static Map<String, Double> run(String workload, String system, Sizes z) throws Exception {
        return switch (workload + "/" + system.replace(ZGC, "")) {
            case "P1/ours" -> Throughput.ours(true, z);
            case "P1/quartz" -> Throughput.quartz(true, z);
            case "P1/db-scheduler" -> Throughput.dbScheduler(z);
            case "P2/ours" -> Throughput.ours(false, z);
            case "P2/quartz" -> Throughput.quartz(false, z);
            case "P3/ours" -> FireLag.ours(z);
            case "P3/quartz" -> FireLag.quartz(z);
            case "P4/ours" -> Scale.ours(z);
            case "P4/quartz" -> Scale.quartz(z);
            case "P5/ours" -> ColdStart.ours(z);
            case "P6/jmh" -> Micro.run(z);
            case "W1/ours" -> WebApi.ours(z);
            default -> throw new IllegalArgumentException("no workload " + workload + "/" + system);
        };
    }

    /** Runs one workload of one system in a new JVM with this class path. */
    static Map<String, Double> child(String workload, String system, Sizes z) throws Exception {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(CHILD_JVM);
        if (system.endsWith(ZGC)) {
            command.add("-XX:+UseZGC");
        }
        for (String p : List.of("bench.bundles", "bench.repo")) {
            if (System.getProperty(p) != null) {
                command.add("-D" + p + "=" + System.getProperty(p));
            }
        }
        command.add("-cp");
        command.add(classPath());
        command.add(Bench.class.getName());
        command.add("--child");
        command.add(workload);
        command.add(system);
        command.addAll(List.of(z.toArgs()));
        Process process = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        process.getOutputStream().close();
        Map<String, Double> result = null;
        try (BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(),
                StandardCharsets.UTF_8))) {
            String line;
            while ((line = out.readLine()) != null) {
                if (line.startsWith(RESULT)) {
                    result = decode(line.substring(RESULT.length()));
                } else {
                    System.err.println("  " + line);
                }
            }
        }
        int exit = process.waitFor();
        if (exit != 0 || result == null) {
            throw new IllegalStateException(workload + "/" + system + " failed (exit " + exit + "); see "
                    + Env.target().resolve("bench-logs"));
        }
        return result;
    }

    private static String classPath() {
        List<String> entries = new ArrayList<>();
        for (String e : System.getProperty("java.class.path").split(java.io.File.pathSeparator)) {
            entries.add(Path.of(e).toAbsolutePath().toString());
        }
        return String.join(java.io.File.pathSeparator, entries);
    }

    static String encode(Map<String, Double> result) {
        StringBuilder sb = new StringBuilder();
        result.forEach((k, v) -> sb.append(URLEncoder.encode(k, StandardCharsets.UTF_8)).append('=').append(v)
                .append(' '));
        return sb.toString().trim();
    }

    static Map<String, Double> decode(String text) {
        Map<String, Double> result = new LinkedHashMap<>();
        for (String pair : text.trim().split(" ")) {
            if (pair.isEmpty()) {
                continue;
            }
            int eq = pair.lastIndexOf('=');
            result.put(URLDecoder.decode(pair.substring(0, eq), StandardCharsets.UTF_8),
                    Double.parseDouble(pair.substring(eq + 1)));
        }
        return result;
    }

    /**
     * Sends this JVM's log (slf4j-simple: peers, and the scheduler bundles through the system bundle's org.slf4j) to
     * a file at INFO, like the runtime's log/scheduler.log, unless configured otherwise. Must run before the first
     * logger is created.
     */
    static void logTo(Path file) throws java.io.IOException {
        if (System.getProperty("org.slf4j.simpleLogger.logFile") == null) {
            Files.createDirectories(file.getParent());
            System.setProperty("org.slf4j.simpleLogger.logFile", file.toString());
            System.setProperty("org.slf4j.simpleLogger.showDateTime", "true");
            System.setProperty("org.slf4j.simpleLogger.showThreadName", "true");
        }
    }
}
