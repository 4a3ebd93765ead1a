package org.pluginscheduler.bench;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.jar.JarFile;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.osgi.framework.Bundle;
import org.pluginscheduler.api.NoSuchTaskException;
import org.pluginscheduler.api.RunStatus;
import org.pluginscheduler.api.SchedulerAdmin;
import org.pluginscheduler.api.TaskId;
import org.pluginscheduler.bench.plugin.NamedTasksPlugin;

/**
 * W1: the web surface at scale. The scheduler's bundles run in the embedded framework as for the other workloads,
 * with the web surface beside them as the runtime ships it: Felix HTTP on Jetty 12 bound to 127.0.0.1, the servlet
 * API, Gson and {@code scheduler.web} (and {@code scheduler.monitor} with what it needs, when that bundle has
 * components). Four plugin bundles ({@link NamedTasksPlugin}) register {@code webTasks} tasks between them; each
 * task is triggered once (so each has a last run, and the scrape a series per task, as many as the monitor's default
 * cap allows), then a tenth are paused and a tenth disabled through {@link SchedulerAdmin}. A viewer's bearer token is configured through
 * Config Admin like an operator would ({@code org.pluginscheduler.web.token}, only its SHA-256), and every request
 * carries it, so authentication is part of each measured request.
 *
 * <p>From this JVM, java.net.http sends one request at a time over a kept-alive HTTP/1.1 connection: the first page
 * of the task list, a filtered page deep in the list ({@code q}, {@code state} and an offset of half the tasks), the
 * largest page the API serves (1,000 tasks), and the Prometheus scrape when the monitor is there. Each kind is sent
 * {@code webWarmup} times unmeasured, then {@code webRequests} times measured, the kinds taking turns so that a
 * collection or a busy moment of the machine falls on all of them alike. Latency is from sending the request until
 * the last byte of the body is read. Before measuring, every kind's answer is checked (status, total, number of
 * items), and every measured answer's status. Last, {@link SchedulerAdmin#tasks()} is called as often in this JVM,
 * without HTTP: the share of a listing that is the admin service building its list ({@code admin_tasks_*}).
 */
final class WebApi {

    /** The web surface's bundles, in install order; pax-logging-api gives Jetty 12 the slf4j 2 it imports. */
    static final List<String> WEB_BUNDLES = List.of("pax-logging-api", "org.apache.felix.gogo.runtime",
            "org.apache.felix.http.servlet-api", "commons-io", "commons-fileupload", "org.apache.felix.http.jetty12",
            "gson", "scheduler.web");
    /** The monitor's bundles (Micrometer is embedded in scheduler.monitor). */
    static final List<String> MONITOR_BUNDLES = List.of("org.osgi.service.event", "org.apache.felix.healthcheck.api",
            "org.apache.felix.healthcheck.core", "scheduler.monitor");
    static final String[] OWNERS = {"bench.team.a", "bench.team.b", "bench.team.c", "bench.team.d"};
    static final String MONITOR_MISSING = "metrics_missing";

    private static final Pattern TOTAL = Pattern.compile("\"total\"\\s*:\\s*(\\d+)");
    private static final Pattern ITEM = Pattern.compile("\"ownerBundle\"\\s*:");

    private WebApi() {
    }

    /** One kind of request: its key in the results and its path. */
    record Kind(String key, String path) {
    }

    static Map<String, Double> ours(Sizes z) throws Exception {
        int n = z.webTasks();
        if (n % OWNERS.length != 0) {
            throw new IllegalArgumentException("webTasks must be a multiple of " + OWNERS.length + ": " + n);
        }
        Path work = Env.freshWork("w1-ours");
        int port = freePort();
        boolean monitor = hasComponents(Env.bundles().resolve("scheduler.monitor.jar"));
        List<String> bundles = new ArrayList<>(WEB_BUNDLES);
        if (monitor) {
            bundles.addAll(MONITOR_BUNDLES);
        }
        EmbeddedScheduler.Extras extras = new EmbeddedScheduler.Extras(
                Map.of("org.osgi.service.http.port", Integer.toString(port),
                        "org.apache.felix.http.host", "127.0.0.1",
                        // pax-logging-api without a backend logs to System.out: warnings and errors only
                        "org.ops4j.pax.logging.DefaultServiceLog.level", "WARN"),
                // Micrometer (embedded in the monitor) imports com.sun.management
                "com.sun.management",
                Map.of("org.pluginscheduler.web", Map.of("admin.credential.file",
                        work.resolve("web-admin.credential").toString())),
                bundles);
        Map<String, Double> r = new LinkedHashMap<>();
        try (EmbeddedScheduler s = EmbeddedScheduler.start(work, false, z.threads(), extras)) {
            SchedulerAdmin admin = s.scheduler();
            int perOwner = n / OWNERS.length;
            for (int k = 0; k < OWNERS.length; k++) {
                Path jar = PluginJar.build(work.resolve(OWNERS[k] + ".jar"), OWNERS[k], NamedTasksPlugin.class,
                        Map.of("Bench-First", String.valueOf(k * perOwner), "Bench-Tasks", String.valueOf(perOwner)));
                s.context().installBundle(jar.toUri().toString()).start();
            }
            for (int k = 0; k < OWNERS.length; k++) {
                awaitRegistered(admin, TaskId.of(OWNERS[k], NamedTasksPlugin.id((k + 1) * perOwner - 1)));
            }
            // every task runs once, so the list shows a last fire and status and the scrape has each task's series;
            // 1,000 at a time: the monitor's run events come through a bounded queue (8,192) that drops on overflow
            for (int from = 0; from < n; from += 1_000) {
                int to = Math.min(n, from + 1_000);
                for (int i = from; i < to; i++) {
                    admin.trigger(TaskId.of(OWNERS[i / perOwner], NamedTasksPlugin.id(i)));
                }
                if (!Env.await(() -> admin.stats().runsByStatus().getOrDefault(RunStatus.SUCCEEDED, 0L) >= to,
                        120_000)) {
                    throw new IllegalStateException("the triggered runs did not all succeed: "
                            + admin.stats().runsByStatus());
                }
            }
            int paused = 0;
            int disabled = 0;
            for (int i = 0; i < n; i++) {
                TaskId id = TaskId.of(OWNERS[i / perOwner], NamedTasksPlugin.id(i));
                if (i % 10 == 1) {
                    admin.pause(id);
                    paused++;
                } else if (i % 10 == 6) {
                    admin.disable(id);
                    disabled++;
                }
            }
            int active = n - paused - disabled;

            String token = HexFormat.of().formatHex(random(32));
            s.configureFactory("org.pluginscheduler.web.token", "bench", Map.of("name", "bench", "role", "viewer",
                    "token.sha256", sha256(token)));
            HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                    .connectTimeout(Duration.ofSeconds(5)).build();
            String base = "http://127.0.0.1:" + port;
            awaitOk(http, base + "/api/v1/session", token, s, 60_000);

            int offset = n / 2;
            List<Kind> kinds = new ArrayList<>(List.of(new Kind("first", "/api/v1/tasks?limit=50"),
                    new Kind("filtered", "/api/v1/tasks?q=port&state=ACTIVE&offset=" + offset + "&limit=50"),
                    new Kind("page1000", "/api/v1/tasks?limit=1000")));
            checkPage(get(http, base + kinds.get(0).path(), token), n, Math.min(50, n), "the first page");
            checkPage(get(http, base + kinds.get(1).path(), token), active, Math.max(0, Math.min(50, active - offset)),
                    "the filtered page");
            checkPage(get(http, base + kinds.get(2).path(), token), n, Math.min(1000, n), "the page of 1,000");
            if (monitor) {
                awaitOk(http, base + "/metrics", token, s, 30_000);
                HttpResponse<byte[]> scrape = get(http, base + "/metrics", token);
                String body = new String(scrape.body(), StandardCharsets.UTF_8);
                String type = scrape.headers().firstValue("Content-Type").orElse("");
                if (!type.startsWith("text/plain") || !body.contains("# TYPE")) {
                    throw new IllegalStateException("/metrics is not Prometheus text (" + type + "): "
                            + body.substring(0, Math.min(300, body.length())));
                }
                kinds.add(new Kind("metrics", "/metrics"));
                r.put("metrics_series_before", (double) samples(body));
            } else {
                r.put(MONITOR_MISSING, 1.0);
            }

            List<HttpRequest> requests = new ArrayList<>();
            for (Kind k : kinds) {
                requests.add(request(base + k.path(), token));
            }
            long[][] nanos = new long[kinds.size()][z.webRequests()];
            long[] bytes = new long[kinds.size()];
            for (int round = 0; round < z.webWarmup(); round++) {
                for (HttpRequest q : requests) {
                    send(http, q);
                }
            }
            Env.usedHeapAfterGc(true); // the registration's garbage is not the first requests' pause
            for (int round = 0; round < z.webRequests(); round++) {
                for (int k = 0; k < kinds.size(); k++) {
                    long t0 = System.nanoTime();
                    HttpResponse<byte[]> resp = send(http, requests.get(k));
                    nanos[k][round] = System.nanoTime() - t0;
                    if (resp.statusCode() != 200) {
                        throw new IllegalStateException(kinds.get(k).path() + " answered " + resp.statusCode());
                    }
                    bytes[k] = resp.body().length;
                }
            }
            // how much of a listing is the admin service building its list (called in this JVM, no HTTP)
            long[] adminNanos = new long[z.webRequests()];
            for (int i = 0; i < adminNanos.length; i++) {
                long t0 = System.nanoTime();
                if (admin.tasks().size() != n) {
                    throw new IllegalStateException("SchedulerAdmin.tasks() lost tasks");
                }
                adminNanos[i] = System.nanoTime() - t0;
            }
            Arrays.sort(adminNanos);
            r.put("admin_tasks_p50_ms", percentile(adminNanos, 0.50) / 1e6);
            r.put("admin_tasks_p99_ms", percentile(adminNanos, 0.99) / 1e6);
            if (monitor) {
                // what the last scrape held (its size is the scrape's cost), kept for a look
                String last = new String(get(http, base + "/metrics", token).body(), StandardCharsets.UTF_8);
                r.put("metrics_series_after", (double) samples(last));
                Files.writeString(work.resolve("metrics.txt"), last);
            }
            r.put("tasks", (double) n);
            r.put("requests", (double) z.webRequests());
            r.put("filtered_total", (double) active);
            r.put("filtered_offset", (double) offset);
            for (int k = 0; k < kinds.size(); k++) {
                long[] sorted = nanos[k].clone();
                Arrays.sort(sorted);
                String key = kinds.get(k).key();
                r.put(key + "_p50_ms", percentile(sorted, 0.50) / 1e6);
                r.put(key + "_p99_ms", percentile(sorted, 0.99) / 1e6);
                r.put(key + "_max_ms", sorted[sorted.length - 1] / 1e6);
                r.put(key + "_bytes", (double) bytes[k]);
            }
        }
        return r;
    }

    /** @return the samples (lines that are not comments) of a Prometheus text scrape */
    static int samples(String body) {
        int n = 0;
        for (String line : body.split("\n")) {
            if (!line.isEmpty() && line.charAt(0) != '#') {
                n++;
            }
        }
        return n;
    }

    /** @return the nearest-rank percentile of sorted values */
    static long percentile(long[] sorted, double p) {
        int rank = (int) Math.ceil(p * sorted.length);
        return sorted[Math.max(0, Math.min(sorted.length, rank) - 1)];
    }

    /** @return whether the bundle at {@code jar} declares DS components (the monitor's module exists before it) */
    static boolean hasComponents(Path jar) throws IOException {
        if (!Files.isRegularFile(jar)) {
            return false;
        }
        try (JarFile f = new JarFile(jar.toFile())) {
            return f.getManifest().getMainAttributes().getValue("Service-Component") != null;
        }
    }

    private static void awaitRegistered(SchedulerAdmin admin, TaskId last) {
        boolean registered = Env.await(() -> {
            try {
                return !admin.nextFires(last, 1).isEmpty();
            } catch (NoSuchTaskException e) {
                return false;
            }
        }, 120_000);
        if (!registered) {
            throw new IllegalStateException(last + " was not registered in time");
        }
    }

    /** Polls {@code url} with the token until it answers 200 (Jetty starting, the token's configuration arriving). */
    private static void awaitOk(HttpClient http, String url, String token, EmbeddedScheduler s, long millis) {
        String[] last = {"no answer"};
        boolean ok = Env.await(() -> {
            try {
                HttpResponse<byte[]> resp = get(http, url, token);
                last[0] = resp.statusCode() + " " + new String(resp.body(), StandardCharsets.UTF_8);
                if (resp.statusCode() == 200) {
                    return true;
                }
                Env.sleep(20);
                return false;
            } catch (IOException e) {
                last[0] = e.toString();
                Env.sleep(50);
                return false;
            }
        }, millis);
        if (!ok) {
            throw new IllegalStateException(url + " did not answer 200 in " + millis + " ms (last: " + last[0]
                    + "); bundles: " + s.bundleStates());
        }
    }

    private static void checkPage(HttpResponse<byte[]> resp, int total, int items, String what) {
        String body = new String(resp.body(), StandardCharsets.UTF_8);
        if (resp.statusCode() != 200) {
            throw new IllegalStateException(what + ": " + resp.statusCode() + " " + body);
        }
        Matcher m = TOTAL.matcher(body);
        int seen = 0;
        Matcher item = ITEM.matcher(body);
        while (item.find()) {
            seen++;
        }
        if (!m.find() || Integer.parseInt(m.group(1)) != total || seen != items) {
            throw new IllegalStateException(what + ": expected total " + total + " and " + items + " items, got "
                    + (m.find(0) ? m.group(1) : "no total") + " and " + seen + ": "
                    + body.substring(0, Math.min(300, body.length())));
        }
    }

    private static HttpRequest request(String url, String token) {
        return HttpRequest.newBuilder(URI.create(url)).header("Authorization", "Bearer " + token)
                .timeout(Duration.ofSeconds(30)).GET().build();
    }

    private static HttpResponse<byte[]> get(HttpClient http, String url, String token) throws IOException {
        return send(http, request(url, token));
    }

    private static HttpResponse<byte[]> send(HttpClient http, HttpRequest request) throws IOException {
        try {
            return http.send(request, HttpResponse.BodyHandlers.ofByteArray());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
    }

    private static byte[] random(int length) {
        byte[] b = new byte[length];
        new SecureRandom().nextBytes(b);
        return b;
    }

    static String sha256(String text) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(
                text.getBytes(StandardCharsets.UTF_8)));
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
