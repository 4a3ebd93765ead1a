package org.pluginscheduler.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertNotNull;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import org.junit.After;
import org.junit.Before;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TestWatcher;
import org.junit.runner.Description;
import org.pluginscheduler.itests.plugin.TestPluginActivator;

/**
 * The runtime as an operator and an admin script see it: {@code scheduler.jar} started as a child process in a
 * fresh working directory (as run.sh does), driven only through the shipped {@code taskctl} script, plugin jars
 * hot-deployed into {@code deploy/}, stopped with SIGTERM. No Pax Exam: nothing here runs inside the framework.
 *
 * <p>Inputs (failsafe passes them; see the pom): {@code itest.runtime.jar}, {@code itest.runtime.etc} (cnf/etc),
 * {@code itest.taskctl}, {@code itest.work}. Measurements are printed to the test's output
 * (target/failsafe-reports/org.pluginscheduler.itests.RuntimeEndToEndIT-output.txt); the runtime's working
 * directory, with its log/, stdout.txt and stderr.txt, stays under target/itest/e2e-* for diagnosis.
 */
public class RuntimeEndToEndIT {

    private static final String PLUGIN = "e2e.heartbeat";
    private static final String BEAT = PLUGIN + ":beat";
    private static final String TEMP_FILES = "sample.cleanup.plugin:temp-files";
    private static final Duration STARTUP_LIMIT = Duration.ofSeconds(20);
    private static final Duration DEPLOY_LIMIT = Duration.ofSeconds(5);
    private static final Duration UNDEPLOY_LIMIT = Duration.ofSeconds(5);
    private static final Duration STOP_LIMIT = Duration.ofSeconds(15);
    private static final long MAX_LAG_MS = 50;
    private static final DateTimeFormatter PRECISE = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss.SSS XXX");
    private static final Pattern MILLIS = Pattern.compile("(\\d+) ms");

    private Path jar;
    private Path taskctl;
    private Path work;
    private Path tokenFile;
    private Path schedulerLog;
    private Path calls;
    private int port;
    private Process runtime;
    private Thread killOnExit;
    private final Map<String, Object> measured = new LinkedHashMap<>();

    /** On failure: what the runtime said, where to look. */
    @Rule
    public final TestWatcher diagnostics = new TestWatcher() {
        @Override
        protected void failed(Throwable e, Description description) {
            if (work == null) {
                return;
            }
            System.out.println("FAILED; runtime working directory: " + work);
            System.out.println("--- stderr.txt ---\n" + tail(work.resolve("stderr.txt"), 40));
            System.out.println("--- log/scheduler.log ---\n" + tail(work.resolve("log/scheduler.log"), 60));
        }
    };

    @Before
    public void prepareWorkingDirectory() throws IOException {
        jar = existing("itest.runtime.jar");
        taskctl = existing("itest.taskctl");
        Path etc = existing("itest.runtime.etc");
        Path base = Files.createDirectories(Path.of(System.getProperty("itest.work", "target/itest")));
        work = Files.createTempDirectory(base.toAbsolutePath(), "e2e-");
        for (String folder : List.of("deploy", "etc", "data", "log", "calls")) {
            Files.createDirectories(work.resolve(folder));
        }
        try (DirectoryStream<Path> defaults = Files.newDirectoryStream(etc, Files::isRegularFile)) {
            for (Path file : defaults) {
                Files.copy(file, work.resolve("etc").resolve(file.getFileName()));
            }
        }
        // the shipped remote shell configuration (if any), with a free port, so parallel runs do not clash
        port = freeLoopbackPort();
        httpPort = freeLoopbackPort();
        Path remote = work.resolve("etc/org.pluginscheduler.shell.remote.cfg");
        List<String> lines = new ArrayList<>(Files.exists(remote) ? Files.readAllLines(remote) : List.of());
        lines.removeIf(line -> line.matches("\\s*port\\s*[=:].*"));
        lines.add("# RuntimeEndToEndIT");
        lines.add("port = " + port);
        Files.write(remote, lines);
        tokenFile = work.resolve("data/remote-shell.token");
        schedulerLog = work.resolve("log/scheduler.log");
        calls = work.resolve("calls");
        System.out.println("runtime working directory: " + work + ", remote shell port " + port);
    }

    @After
    public void killRuntime() throws Exception {
        if (runtime != null && runtime.isAlive()) {
            runtime.destroyForcibly();
            runtime.waitFor(10, TimeUnit.SECONDS);
        }
        if (killOnExit != null) {
            Runtime.getRuntime().removeShutdownHook(killOnExit);
        }
        // the framework storage (a copy of every bundle, wiped at each start anyway) tells nothing; logs stay
        if (work != null && (runtime == null || !runtime.isAlive()) && Files.isDirectory(work.resolve("cache"))) {
            try (var files = Files.walk(work.resolve("cache"))) {
                for (Path file : files.sorted(Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(file);
                }
            }
        }
        if (!measured.isEmpty()) {
            System.out.println("measured: " + measured);
        }
    }

    @Test
    public void operatorAndScriptView() throws Exception {
        startAndWaitForFirstAnswer();
        sampleTaskIsScheduled();
        webConsoleListensOnLoopbackOnly();
        hotDeployRunsOnTime();
        undeployMakesDormantAndStopsFiring();
        scriptedAccessIsGuarded();
        sigtermStopsGracefully();
    }

    // --- steps ---------------------------------------------------------------------------------------------------

    /** 1: start like run.sh (-Dgosh.args=--nointeractive), wait for the token and a first taskctl answer. */
    private long start;

    private void startAndWaitForFirstAnswer() throws Exception {
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        ProcessBuilder builder = new ProcessBuilder(java.toString(), "-Dgosh.args=--nointeractive",
                // the test plugin's activator appends one line per run here (TestPluginActivator.LOG_DIR)
                "-D" + TestPluginActivator.LOG_DIR + "=" + calls,
                "-Dorg.osgi.service.http.port=" + httpPort,
                "-jar", jar.toString())
                .directory(work.toFile())
                .redirectOutput(work.resolve("stdout.txt").toFile())
                .redirectError(work.resolve("stderr.txt").toFile());
        // stdin stays an open pipe: with --nointeractive nothing reads it, and it never reaches end of input
        start = System.nanoTime();
        runtime = builder.start();
        Process started = runtime;
        // even if this JVM is ended early (failsafe timeout, Ctrl-C), the runtime does not outlive it
        killOnExit = new Thread(started::destroyForcibly, "RuntimeEndToEndIT-kill-runtime");
        Runtime.getRuntime().addShutdownHook(killOnExit);
        System.out.println("runtime pid " + runtime.pid());

        Result answer = await("the token file and a first answer to taskctl task:list", STARTUP_LIMIT, () -> {
            if (!Files.exists(tokenFile)) {
                return null;
            }
            Result r = taskctl(tokenFile, "task:list");
            return r.code() == 0 ? r : null;
        });
        Duration startup = Duration.ofNanos(System.nanoTime() - start);
        measured.put("startup to first answer (ms)", startup.toMillis());
        System.out.println("startup: process start to first taskctl answer: " + startup.toMillis() + " ms");
        System.out.println(answer.out());
        assertEquals("the runtime writes its token with owner-only permissions", "rw-------",
                PosixFilePermissions.toString(Files.getPosixFilePermissions(tokenFile)));
    }

    private int httpPort;

    /**
     * 2b: the web console answers on loopback, its first credential is owner-only and logs in, and nothing answers
     * on this machine's other addresses (nothing listens beyond loopback unless configured).
     */
    private void webConsoleListensOnLoopbackOnly() throws Exception {
        java.net.http.HttpClient http = java.net.http.HttpClient.newHttpClient();
        Path credential = work.resolve("data/web-admin.credential");
        String password = await("the console's first credential", Duration.ofSeconds(10), () -> {
            try {
                return Files.exists(credential) ? Files.readAllLines(credential).stream()
                        .filter(l -> l.startsWith("password=")).findFirst().map(l -> l.substring(9)).orElse(null)
                        : null;
            } catch (IOException e) {
                return null;
            }
        });
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(credential)));
        String basic = java.util.Base64.getEncoder().encodeToString(("admin:" + password)
                .getBytes(java.nio.charset.StandardCharsets.UTF_8));
        java.net.http.HttpResponse<String> tasks = await("the console's task list", Duration.ofSeconds(10), () -> {
            try {
                java.net.http.HttpResponse<String> r = http.send(java.net.http.HttpRequest.newBuilder(
                        java.net.URI.create("http://127.0.0.1:" + httpPort + "/api/v1/tasks"))
                        .header("Authorization", "Basic " + basic).build(),
                        java.net.http.HttpResponse.BodyHandlers.ofString());
                return r.statusCode() == 200 ? r : null;
            } catch (IOException e) {
                return null;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return null;
            }
        });
        assertTrue(tasks.body(), tasks.body().contains(TEMP_FILES));
        int tried = 0;
        for (java.net.NetworkInterface nic : java.util.Collections.list(java.net.NetworkInterface
                .getNetworkInterfaces())) {
            for (java.net.InetAddress address : java.util.Collections.list(nic.getInetAddresses())) {
                if (address.isLoopbackAddress() || address.isLinkLocalAddress()) {
                    continue;
                }
                tried++;
                try (java.net.Socket socket = new java.net.Socket()) {
                    socket.connect(new java.net.InetSocketAddress(address, httpPort), 2000);
                    fail("the web console answers on " + address + ":" + httpPort + "; only loopback may");
                } catch (IOException refused) {
                    // refused, as it must be
                }
            }
        }
        System.out.println("web console: answers on 127.0.0.1:" + httpPort + ", refused on " + tried
                + " other address(es) of this machine");
    }

    /**
     * 2: the bundled sample plugin's daily task is listed, active, with a next fire time. Polled briefly, as a
     * script should: the scheduler reads providers on its own thread, so the listener being up does not by itself
     * promise that every task present at startup is registered yet (not observed to lag in practice).
     */
    private void sampleTaskIsScheduled() throws Exception {
        Map<String, String> row = await(TEMP_FILES + " in task:list", Duration.ofSeconds(5),
                () -> taskRow(taskctlOk("task:list"), TEMP_FILES));
        Duration listed = Duration.ofNanos(System.nanoTime() - start);
        measured.put("startup to " + TEMP_FILES + " listed (ms)", listed.toMillis());
        System.out.println("startup: process start to " + TEMP_FILES + " listed: " + listed.toMillis() + " ms");
        assertEquals("active", row.get("STATE"));
        assertEquals("cron:0 3 * * *", row.get("SCHEDULE"));
        assertTrue("a next fire time: " + row, row.get("NEXT FIRE").matches("\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d .*"));
    }

    /** 3: an atomically copied jar becomes a listed task within seconds; its 1 s interval runs on time. */
    private void hotDeployRunsOnTime() throws Exception {
        Path part = work.resolve("deploy/" + PLUGIN + ".part");
        try (InputStream in = TestPlugin.plugin(PLUGIN).tasks("beat=every:PT1S").build()) {
            Files.copy(in, part);
        }
        long deployed = System.nanoTime();
        Files.move(part, work.resolve("deploy/" + PLUGIN + ".jar"), StandardCopyOption.ATOMIC_MOVE);

        Map<String, String> row = await(BEAT + " in task:list", DEPLOY_LIMIT,
                () -> taskRow(taskctlOk("task:list"), BEAT));
        Duration visible = Duration.ofNanos(System.nanoTime() - deployed);
        measured.put("deploy to visible (ms)", visible.toMillis());
        System.out.println("hot deploy: jar moved into deploy/ to task listed: " + visible.toMillis() + " ms");
        assertEquals("active", row.get("STATE"));
        assertEquals("every:PT1S", row.get("SCHEDULE"));

        List<Map<String, String>> runs = await("3 SUCCEEDED runs of " + BEAT, Duration.ofSeconds(8), () -> {
            List<Map<String, String>> r = RuntimeProcess.table(taskctlOk("task:runs", "-n", "10", BEAT), "RUN");
            return r.stream().filter(x -> x.get("STATUS").equals("SUCCEEDED")).count() >= 3 ? r : null;
        });
        System.out.println("runs of " + BEAT + ":\n" + runs.stream().map(Object::toString)
                .collect(Collectors.joining("\n")));

        List<Long> lags = new ArrayList<>();
        List<OffsetDateTime> scheduled = new ArrayList<>();
        for (int i = 0; i < runs.size(); i++) {
            Map<String, String> run = runs.get(i);
            assertEquals("every run is a scheduled one: " + run, "schedule", run.get("TRIGGER"));
            // the newest may still be going; every other one must have succeeded
            if (i == 0 && run.get("STATUS").equals("RUNNING")) {
                continue;
            }
            assertEquals("run " + run, "SUCCEEDED", run.get("STATUS"));
            assertEquals("the plugin's result message", "ran 1.0.0", run.get("MESSAGE"));
            Matcher lag = MILLIS.matcher(run.get("LAG"));
            assertTrue("a lag in ms: " + run, lag.matches());
            lags.add(Long.parseLong(lag.group(1)));
            scheduled.add(OffsetDateTime.parse(run.get("SCHEDULED"), PRECISE));
        }
        measured.put("lags (ms, newest first)", lags);
        System.out.println("lags (ms, newest first): " + lags);
        for (long lag : lags) {
            assertTrue("lag " + lag + " ms < " + MAX_LAG_MS + " ms; all: " + lags, lag < MAX_LAG_MS);
        }
        for (int i = 1; i < scheduled.size(); i++) {
            assertEquals("scheduled times exactly 1 s apart: " + scheduled, Duration.ofSeconds(1),
                    Duration.between(scheduled.get(i), scheduled.get(i - 1)));
        }
        // cross-check from the plugin's side: its code really ran, once per recorded run
        List<String> executed = callLog();
        for (Map<String, String> run : runs) {
            assertTrue("the plugin logged run " + run.get("RUN") + ": " + executed,
                    executed.stream().anyMatch(line -> line.endsWith(" execute beat " + run.get("RUN"))));
        }
    }

    /** 4: deleting the jar makes the task dormant within seconds, and nothing fires afterwards. */
    private void undeployMakesDormantAndStopsFiring() throws Exception {
        long removed = System.nanoTime();
        Files.delete(work.resolve("deploy/" + PLUGIN + ".jar"));
        await(BEAT + " dormant in task:list", UNDEPLOY_LIMIT, () -> {
            Map<String, String> row = taskRow(taskctlOk("task:list"), BEAT);
            return row != null && row.get("STATE").equals("dormant") ? row : null;
        });
        Duration dormant = Duration.ofNanos(System.nanoTime() - removed);
        measured.put("undeploy to dormant (ms)", dormant.toMillis());
        System.out.println("undeploy: jar deleted to task dormant: " + dormant.toMillis() + " ms");

        String runsAtDormant = taskctlOk("task:runs", "-n", "50", BEAT);
        List<String> executedAtDormant = callLog();
        Thread.sleep(2_000); // two periods of the former schedule
        Map<String, String> row = taskRow(taskctlOk("task:list"), BEAT);
        assertEquals("still dormant: " + row, "dormant", row.get("STATE"));
        assertEquals("no next fire while dormant", "-", row.get("NEXT FIRE"));
        assertEquals("no new run recorded after the task went dormant", runsAtDormant,
                taskctlOk("task:runs", "-n", "50", BEAT));
        assertEquals("the plugin ran nothing after the task went dormant", executedAtDormant, callLog());
    }

    /** 5: the token is checked and a refusal logged; only task:* commands; one-line errors; exit codes. */
    private void scriptedAccessIsGuarded() throws Exception {
        String token = Files.readString(tokenFile).trim();
        String wrong = token.chars().mapToObj(c -> c == 'a' ? "b" : "a").collect(Collectors.joining());
        Path wrongToken = work.resolve("wrong.token");
        Files.writeString(wrongToken, wrong + "\n");
        long warningsBefore = wrongTokenWarnings();
        Result refused = taskctl(wrongToken, "task:list");
        assertEquals("exit code for a wrong token; " + refused, 3, refused.code());
        assertEquals("nothing on stdout for a wrong token", "", refused.out());
        await("a WARN about the wrong token in log/scheduler.log", Duration.ofSeconds(3),
                () -> wrongTokenWarnings() > warningsBefore ? Boolean.TRUE : null);
        String log = Files.readString(schedulerLog);
        assertFalse("the log never shows the token", log.contains(token));
        assertFalse("the log never shows an offered token", log.contains(wrong));

        Result lb = taskctl(tokenFile, "lb");
        assertEquals("exit code for a non-task command; " + lb, 2, lb.code());

        Result unknown = taskctl(tokenFile, "task:trigger", "nope");
        assertEquals("exit code for an unknown task; " + unknown, 1, unknown.code());
        assertEquals("a one-line message", "task:trigger: unknown task 'nope'\n", unknown.out());

        Result trigger = taskctl(tokenFile, "task:trigger", "temp-files");
        assertEquals("exit code of a trigger; " + trigger, 0, trigger.code());
        Matcher run = Pattern.compile("triggered " + Pattern.quote(TEMP_FILES) + ": run (\\S+)\n")
                .matcher(trigger.out());
        assertTrue("prints the run id: " + trigger.out(), run.matches());
        String runId = run.group(1);
        Map<String, String> record = await("run " + runId + " finished", Duration.ofSeconds(5), () ->
                RuntimeProcess.table(taskctlOk("task:runs", TEMP_FILES), "RUN").stream()
                        .filter(r -> r.get("RUN").equals(runId) && !r.get("STATUS").equals("RUNNING"))
                        .findFirst().orElse(null));
        System.out.println("triggered run: " + record);
        assertEquals("manual", record.get("TRIGGER"));
        assertEquals("SUCCEEDED", record.get("STATUS"));
    }

    /** 6: SIGTERM stops the framework (the scheduler says so) and the JVM exits promptly. */
    private void sigtermStopsGracefully() throws Exception {
        long stop = System.nanoTime();
        runtime.destroy();
        boolean exited = runtime.waitFor(STOP_LIMIT.toMillis(), TimeUnit.MILLISECONDS);
        Duration took = Duration.ofNanos(System.nanoTime() - stop);
        assertTrue("the runtime exits within " + STOP_LIMIT + " of SIGTERM", exited);
        measured.put("SIGTERM to exit (ms)", took.toMillis());
        measured.put("exit status", runtime.exitValue());
        System.out.println("shutdown: SIGTERM to process exit: " + took.toMillis() + " ms, exit status "
                + runtime.exitValue());
        assertTrue("exit status 143 (SIGTERM, after the framework stopped) or 117 (framework stopped): "
                + runtime.exitValue(), runtime.exitValue() == 143 || runtime.exitValue() == 117);
        assertTrue("log/scheduler.log has the scheduler's stop line",
                Files.readString(schedulerLog).contains("Scheduler stopped"));
        String stderr = Files.readString(work.resolve("stderr.txt"));
        assertFalse("the framework stopped within the launcher's own limit: " + stderr,
                stderr.contains("did not stop within"));
    }

    // --- taskctl -------------------------------------------------------------------------------------------------

    record Result(int code, String out, String err) {
    }

    /** Runs the real taskctl script with this port and token file. */
    private Result taskctl(Path token, String... arguments) {
        List<String> command = new ArrayList<>();
        command.add(taskctl.toString());
        command.addAll(List.of(arguments));
        ProcessBuilder builder = new ProcessBuilder(command);
        builder.environment().put("TASKCTL_PORT", String.valueOf(port));
        builder.environment().put("TASKCTL_TOKEN_FILE", token.toString());
        try {
            Process p = builder.start();
            p.getOutputStream().close();
            CompletableFuture<String> err = CompletableFuture.supplyAsync(() -> read(p.getErrorStream()));
            String out = read(p.getInputStream());
            if (!p.waitFor(15, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                fail("taskctl " + String.join(" ", arguments) + " did not finish within 15 s");
            }
            return new Result(p.exitValue(), out, err.join());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    /** @return stdout of a command that must succeed */
    private String taskctlOk(String... arguments) {
        Result r = taskctl(tokenFile, arguments);
        assertEquals("taskctl " + String.join(" ", arguments) + ": " + r, 0, r.code());
        return r.out();
    }

    private static String read(InputStream in) {
        try (in) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    // --- parsing ---------------------------------------------------------------------------------------------

    /** @return the task:list row of this task (column name → cell), or null */
    private static Map<String, String> taskRow(String taskList, String task) {
        return RuntimeProcess.table(taskList, "TASK").stream()
                .filter(r -> r.get("TASK").equals(task)).findFirst().orElse(null);
    }

    private List<String> callLog() throws IOException {
        Path file = calls.resolve(PLUGIN + ".log");
        return Files.exists(file) ? Files.readAllLines(file) : List.of();
    }

    private long wrongTokenWarnings() throws IOException {
        return Files.readAllLines(schedulerLog).stream()
                .filter(line -> line.contains("| WARN  |") && line.contains("wrong token")).count();
    }

    // --- helpers ---------------------------------------------------------------------------------------------

    @FunctionalInterface
    private interface Probe<T> {
        /** @return null: not yet */
        T get() throws Exception;
    }

    /** Polls every 50 ms until {@code probe} returns non-null; fails after {@code limit} or if the runtime died. */
    private <T> T await(String what, Duration limit, Probe<T> probe) throws Exception {
        long deadline = System.nanoTime() + limit.toNanos();
        while (true) {
            if (runtime != null && !runtime.isAlive()) {
                fail("the runtime exited (status " + runtime.exitValue() + ") while waiting for " + what);
            }
            T value = probe.get();
            if (value != null) {
                return value;
            }
            if (System.nanoTime() > deadline) {
                fail("not within " + limit + ": " + what);
            }
            Thread.sleep(50);
        }
    }

    private static Path existing(String property) {
        String value = System.getProperty(property);
        assertNotNull("system property " + property + " (set by failsafe, see scheduler.itests/pom.xml)", value);
        Path path = Path.of(value).toAbsolutePath();
        assertTrue(property + ": " + path + " does not exist (build the runtime first: mvn install)",
                Files.exists(path));
        return path;
    }

    private static int freeLoopbackPort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }

    private static String tail(Path file, int lines) {
        try {
            List<String> all = Files.readAllLines(file);
            return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
        } catch (IOException e) {
            return "(" + file + ": " + e + ")";
        }
    }
}
