package org.pluginscheduler.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNotNull;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.rules.TestWatcher;
import org.junit.runner.Description;
import org.osgi.framework.Constants;
import org.pluginscheduler.itests.plugin.TestPluginActivator;

/**
 * The shipped runtime ({@code scheduler.jar}) as a child process in a working directory of its own, driven through
 * the shipped {@code taskctl} script, for tests that start, kill and restart it (the same set-up as
 * {@link RuntimeEndToEndIT}, whose table parsing this repeats). The working directory is prepared once (cnf/etc
 * copied, the remote shell on a free loopback port) and may be started many times.
 *
 * <p>Inputs (failsafe passes them; see the pom): {@code itest.runtime.jar}, {@code itest.runtime.etc},
 * {@code itest.taskctl}, {@code itest.work}.
 */
final class RuntimeProcess implements AutoCloseable {

    /** The outcome of one taskctl call. */
    record Result(int code, String out, String err) {
    }

    final Path work;
    final Path tokenFile;
    final Path schedulerLog;
    /** The test plugins' call logs ({@link TestPluginActivator#LOG_DIR}). */
    final Path calls;
    final int port;
    /** The web console's port (given as -Dorg.osgi.service.http.port). */
    final int httpPort;
    private final Path jar;
    private final Path taskctl;
    private Process process;
    private Thread killOnExit;

    private RuntimeProcess(Path work) throws IOException {
        this.work = work;
        jar = existing("itest.runtime.jar");
        taskctl = existing("itest.taskctl");
        Path etc = existing("itest.runtime.etc");
        for (String folder : List.of("deploy", "etc", "data", "log", "calls", "tmp")) {
            Files.createDirectories(work.resolve(folder));
        }
        try (DirectoryStream<Path> defaults = Files.newDirectoryStream(etc, Files::isRegularFile)) {
            for (Path file : defaults) {
                Files.copy(file, work.resolve("etc").resolve(file.getFileName()));
            }
        }
        // the shipped remote shell configuration with a free port, so parallel runs do not clash
        port = freeLoopbackPort();
        Path remote = work.resolve("etc/org.pluginscheduler.shell.remote.cfg");
        List<String> lines = new ArrayList<>(Files.exists(remote) ? Files.readAllLines(remote) : List.of());
        lines.removeIf(line -> line.matches("\\s*port\\s*[=:].*"));
        lines.add("# " + RuntimeProcess.class.getSimpleName());
        lines.add("port = " + port);
        Files.write(remote, lines);
        // the web console on a free loopback port too (a -D option overrides the bndrun's framework property)
        httpPort = freeLoopbackPort();
        tokenFile = work.resolve("data/remote-shell.token");
        schedulerLog = work.resolve("log/scheduler.log");
        calls = work.resolve("calls");
    }

    /** @return a fresh working directory {@code <itest.work>/<prefix>*}, prepared like run.sh's ./runtime */
    static RuntimeProcess prepare(String prefix) throws IOException {
        Path base = Files.createDirectories(Path.of(System.getProperty("itest.work", "target/itest")));
        return new RuntimeProcess(Files.createTempDirectory(base.toAbsolutePath(), prefix));
    }

    /**
     * Builds a plugin bundle from the test classes of {@code activator}'s package (an activator and its helpers,
     * importing only the framework and the scheduler API) with these extra manifest headers, and moves it into
     * deploy/ atomically, as an operator should.
     */
    void deploy(String symbolicName, Class<?> activator, Map<String, String> headers) throws IOException {
        String pkg = activator.getPackageName().replace('.', '/');
        Path folder;
        try {
            folder = Path.of(activator.getProtectionDomain().getCodeSource().getLocation().toURI()).resolve(pkg);
        } catch (URISyntaxException e) {
            throw new IOException(e);
        }
        Manifest manifest = new Manifest();
        Attributes main = manifest.getMainAttributes();
        main.put(Attributes.Name.MANIFEST_VERSION, "1.0");
        main.putValue(Constants.BUNDLE_MANIFESTVERSION, "2");
        main.putValue(Constants.BUNDLE_SYMBOLICNAME, symbolicName);
        main.putValue(Constants.BUNDLE_VERSION, "1.0.0");
        main.putValue(Constants.BUNDLE_ACTIVATOR, activator.getName());
        main.putValue(Constants.IMPORT_PACKAGE,
                "org.osgi.framework;version=\"[1.8,2)\",org.pluginscheduler.api;version=\"[1.3,2)\"");
        headers.forEach(main::putValue);
        Path part = work.resolve("deploy/" + symbolicName + ".part");
        int classes = 0;
        try (OutputStream out = Files.newOutputStream(part); JarOutputStream jar = new JarOutputStream(out, manifest);
             DirectoryStream<Path> files = Files.newDirectoryStream(folder, "*.class")) {
            for (Path file : files) {
                jar.putNextEntry(new JarEntry(pkg + "/" + file.getFileName()));
                try (InputStream in = Files.newInputStream(file)) {
                    in.transferTo(jar);
                }
                jar.closeEntry();
                classes++;
            }
        }
        assertTrue("plugin classes in " + folder, classes > 0);
        Files.move(part, work.resolve("deploy/" + symbolicName + ".jar"), StandardCopyOption.ATOMIC_MOVE);
    }

    /** Copies a plugin jar into deploy/ atomically (a .part file moved into place), as an operator should. */
    void deploy(TestPlugin plugin) throws IOException {
        Path part = work.resolve("deploy/" + plugin.symbolicName() + ".part");
        try (InputStream in = plugin.build()) {
            Files.copy(in, part, StandardCopyOption.REPLACE_EXISTING);
        }
        Files.move(part, work.resolve("deploy/" + plugin.symbolicName() + ".jar"), StandardCopyOption.ATOMIC_MOVE);
    }

    /**
     * Starts the JVM itself (no shell in between, so {@link #kill} reaches the runtime), like run.sh with
     * {@code -Dgosh.args=--nointeractive}; stdout and stderr are appended to stdout.txt and stderr.txt.
     */
    Process start() throws IOException {
        return start(List.of());
    }

    /**
     * {@link #start()} with more JVM options before {@code -jar}, as run.sh passes its arguments (a {@code -D}
     * option overrides the same-named property of cnf/scheduler.bndrun).
     */
    Process start(List<String> jvmOptions) throws IOException {
        if (process != null && process.isAlive()) {
            throw new IllegalStateException("already running: pid " + process.pid());
        }
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        // a system temp directory of its own, to see what the runtime leaves there
        List<String> arguments = new ArrayList<>(List.of(java.toString(), "-Dgosh.args=--nointeractive",
                "-D" + TestPluginActivator.LOG_DIR + "=" + calls, "-Djava.io.tmpdir=" + work.resolve("tmp"),
                "-Dorg.osgi.service.http.port=" + httpPort));
        arguments.addAll(jvmOptions);
        arguments.addAll(List.of("-jar", jar.toString()));
        ProcessBuilder builder = new ProcessBuilder(arguments)
                .directory(work.toFile())
                .redirectOutput(ProcessBuilder.Redirect.appendTo(work.resolve("stdout.txt").toFile()))
                .redirectError(ProcessBuilder.Redirect.appendTo(work.resolve("stderr.txt").toFile()));
        // stdin stays an open pipe: with --nointeractive nothing reads it, and it never reaches end of input
        process = builder.start();
        Process started = process;
        if (killOnExit != null) {
            Runtime.getRuntime().removeShutdownHook(killOnExit);
        }
        // even if this JVM is ended early (failsafe timeout, Ctrl-C), the runtime does not outlive it
        killOnExit = new Thread(started::destroyForcibly, "RuntimeProcess-kill-" + started.pid());
        Runtime.getRuntime().addShutdownHook(killOnExit);
        String command = started.info().command().orElse("?");
        assertTrue("the child process is the JVM itself, not a wrapper: " + command,
                command.equals(java.toString()) || command.endsWith("/java"));
        return started;
    }

    /** Waits for the token file and a first successful {@code task:list}. */
    void awaitFirstAnswer(Duration limit) throws Exception {
        await("the token file and a first answer to taskctl task:list", limit, () -> {
            if (!Files.exists(tokenFile) || Files.size(tokenFile) == 0) {
                return null;
            }
            return taskctl("task:list").code() == 0 ? Boolean.TRUE : null;
        });
    }

    /**
     * {@code kill -9}: SIGKILL to the JVM (Process.destroyForcibly on a Unix process), then waits until it is
     * gone.
     */
    void kill() throws InterruptedException {
        Process p = process;
        p.destroyForcibly();
        assertTrue("the runtime is gone within 10 s of SIGKILL", p.waitFor(10, TimeUnit.SECONDS));
        assertEquals("exit status of a SIGKILLed process", 128 + 9, p.exitValue());
    }

    Process process() {
        return process;
    }

    boolean alive() {
        return process != null && process.isAlive();
    }

    /** Kills a runtime still running and wipes the framework storage (a copy of every bundle); logs stay. */
    @Override
    public void close() throws Exception {
        if (alive()) {
            process.destroyForcibly();
            process.waitFor(10, TimeUnit.SECONDS);
        }
        if (killOnExit != null) {
            Runtime.getRuntime().removeShutdownHook(killOnExit);
            killOnExit = null;
        }
        if (!alive() && Files.isDirectory(work.resolve("cache"))) {
            try (var files = Files.walk(work.resolve("cache"))) {
                for (Path file : files.sorted(Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(file);
                }
            }
        }
    }

    // --- taskctl -------------------------------------------------------------------------------------------------

    /** Runs the real taskctl script with this runtime's port and token file. */
    Result taskctl(String... arguments) {
        List<String> command = new ArrayList<>();
        command.add(taskctl.toString());
        command.addAll(List.of(arguments));
        ProcessBuilder builder = new ProcessBuilder(command);
        builder.environment().put("TASKCTL_PORT", String.valueOf(port));
        builder.environment().put("TASKCTL_TOKEN_FILE", tokenFile.toString());
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
    String taskctlOk(String... arguments) {
        Result r = taskctl(arguments);
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

    private static final Pattern COLUMN = Pattern.compile("\\S+(?: \\S+)*");

    /**
     * Parses an aligned table (Tables.align: every column padded to its widest cell plus two spaces; a header may
     * hold single spaces, e.g. NEXT FIRE) by the header's column positions. Rows end at the first blank line.
     *
     * @return one map per row: column name → trimmed cell
     */
    static List<Map<String, String>> table(String text, String firstColumn) {
        List<String> lines = text.lines().toList();
        int header = 0;
        while (header < lines.size() && !lines.get(header).startsWith(firstColumn + "  ")) {
            header++;
        }
        List<Map<String, String>> rows = new ArrayList<>();
        if (header == lines.size()) {
            return rows;
        }
        List<String> names = new ArrayList<>();
        List<Integer> at = new ArrayList<>();
        Matcher column = COLUMN.matcher(lines.get(header));
        while (column.find()) {
            names.add(column.group());
            at.add(column.start());
        }
        for (String line : lines.subList(header + 1, lines.size())) {
            if (line.isBlank()) {
                break;
            }
            Map<String, String> row = new LinkedHashMap<>();
            for (int c = 0; c < names.size(); c++) {
                int from = Math.min(at.get(c), line.length());
                int to = c + 1 < names.size() ? Math.min(at.get(c + 1), line.length()) : line.length();
                row.put(names.get(c), line.substring(from, to).trim());
            }
            rows.add(row);
        }
        return rows;
    }

    /** @return the lines of a plugin's call log ({@code <version> <event> <task> <run>}), oldest first */
    List<String> callLog(String symbolicName) throws IOException {
        Path file = calls.resolve(symbolicName + ".log");
        return Files.exists(file) ? Files.readAllLines(file) : List.of();
    }

    // --- waiting -------------------------------------------------------------------------------------------------

    @FunctionalInterface
    interface Probe<T> {
        /** @return null: not yet */
        T get() throws Exception;
    }

    /** Polls every 50 ms until {@code probe} returns non-null; fails after {@code limit} or if the runtime died. */
    <T> T await(String what, Duration limit, Probe<T> probe) throws Exception {
        long deadline = System.nanoTime() + limit.toNanos();
        while (true) {
            if (process != null && !process.isAlive()) {
                fail("the runtime exited (status " + process.exitValue() + ") while waiting for " + what);
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

    /**
     * A rule that prints, when a test fails, where the runtime's working directory is and the tails of its stderr
     * and scheduler log.
     *
     * @param runtime   the test's runtime, or null before it was prepared
     * @param logLines  how many lines of the scheduler log
     */
    static TestWatcher diagnostics(Supplier<RuntimeProcess> runtime, int logLines) {
        return new TestWatcher() {
            @Override
            protected void failed(Throwable e, Description description) {
                RuntimeProcess r = runtime.get();
                if (r == null) {
                    return;
                }
                System.out.println("FAILED; runtime working directory: " + r.work);
                System.out.println("--- stderr.txt ---\n" + tail(r.work.resolve("stderr.txt"), 40));
                System.out.println("--- log/scheduler.log ---\n" + tail(r.schedulerLog, logLines));
            }
        };
    }

    static String tail(Path file, int lines) {
        try {
            List<String> all = Files.readAllLines(file);
            return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
        } catch (IOException e) {
            return "(" + file + ": " + e + ")";
        }
    }
}
