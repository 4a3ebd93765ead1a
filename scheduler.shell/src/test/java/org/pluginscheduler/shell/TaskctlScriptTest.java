package org.pluginscheduler.shell;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The shipped {@code taskctl} script (bash) against the listener: what a user sees, and the exit status. */
class TaskctlScriptTest {

    private static final Path TASKCTL = Path.of("..", "taskctl").toAbsolutePath().normalize();

    @TempDir
    Path dir;
    private RemoteShell shell;
    private final CountDownLatch running = new CountDownLatch(1);
    private final CountDownLatch release = new CountDownLatch(1);

    @AfterEach
    void close() {
        release.countDown();
        if (shell != null) {
            shell.close();
        }
    }

    private void start(int maxConnections) throws IOException {
        shell = new RemoteShell(new RemoteShell.Settings(InetAddress.getLoopbackAddress(), 0, dir.resolve("token"),
                false, maxConnections, new RemoteShell.Limits(2_000, 5_000, 10_000, 1, 4, 60_000)), (line, out) -> {
                    if (line.equals("task:block")) {
                        running.countDown();
                        try {
                            release.await();
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                        }
                    }
                    if (line.equals("task:long")) {
                        for (int i = 0; i < 20_000; i++) {
                            out.print("line " + i + " of a long listing\n");
                        }
                    }
                    out.print("ran " + line + "\n");
                    return 0;
                }, w -> { });
    }

    private record Result(int code, String out, String err) {
    }

    private Result taskctl(Path tokenFile, String... args) throws IOException, InterruptedException {
        return taskctlAs("1", tokenFile, args);
    }

    /** Runs the script; {@code name} keeps the output files of calls in parallel apart. */
    private Result taskctlAs(String name, Path tokenFile, String... args) throws IOException, InterruptedException {
        assertTrue(Files.isRegularFile(TASKCTL), "no script at " + TASKCTL);
        List<String> command = new ArrayList<>(List.of("bash", TASKCTL.toString()));
        command.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(command);
        pb.environment().put("TASKCTL_PORT", String.valueOf(shell.port()));
        pb.environment().put("TASKCTL_TOKEN_FILE", tokenFile.toString());
        Path out = dir.resolve("out" + name);
        Path err = dir.resolve("err" + name);
        pb.redirectOutput(out.toFile()).redirectError(err.toFile());
        Process p = pb.start();
        assertTrue(p.waitFor(20, TimeUnit.SECONDS), "taskctl did not finish");
        return new Result(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8),
                Files.readString(err, StandardCharsets.UTF_8));
    }

    @Test
    void aCommandRunsAndExitsZero() throws Exception {
        start(2);
        assertEquals(new Result(0, "ran task:list\n", ""), taskctl(dir.resolve("token"), "task:list"));
    }

    @Test
    void anOverlongCommandLineShowsTheServersMessageAndExitsTwoNotUnreachable() throws Exception {
        start(2);
        Result r = taskctl(dir.resolve("token"), "task:next", "\"" + "x".repeat(20_000) + "\"");
        assertEquals(new Result(2, "the command line is longer than 8192 characters\n", ""), r);
    }

    @Test
    void aBusyListenerIsReportedWithItsOwnExitStatus() throws Exception {
        start(1);
        CompletableFuture<Result> blocked = CompletableFuture.supplyAsync(() -> {
            try {
                return taskctlAs("2", dir.resolve("token"), "task:block");
            } catch (IOException | InterruptedException e) {
                throw new IllegalStateException(e);
            }
        });
        assertTrue(running.await(10, TimeUnit.SECONDS));
        assertEquals(new Result(5, "", "taskctl: the runtime is busy: all 1 max.connections are running commands; "
                + "try again shortly\n"), taskctl(dir.resolve("token"), "task:list"));
        release.countDown();
        assertEquals(0, blocked.get(20, TimeUnit.SECONDS).code());
    }

    /**
     * taskctl ignored SIGPIPE to survive the runtime closing the connection early, and kept ignoring it while
     * printing: {@code taskctl task:runs -n 1000 x | head -1} wrote "printf: write error: Broken pipe" for each of
     * the remaining lines. A closed reader ends it quietly, as it ends any command in a pipeline.
     */
    @Test
    void aReaderThatStopsEarlyGetsNoBrokenPipeErrors() throws Exception {
        start(2);
        ProcessBuilder pb = new ProcessBuilder("bash", "-c", "bash \"$0\" task:long | head -1", TASKCTL.toString());
        pb.environment().put("TASKCTL_PORT", String.valueOf(shell.port()));
        pb.environment().put("TASKCTL_TOKEN_FILE", dir.resolve("token").toString());
        pb.redirectOutput(dir.resolve("out").toFile()).redirectError(dir.resolve("err").toFile());
        Process p = pb.start();
        assertTrue(p.waitFor(20, TimeUnit.SECONDS), "taskctl did not finish");
        assertEquals("line 0 of a long listing\n", Files.readString(dir.resolve("out")));
        assertEquals("", Files.readString(dir.resolve("err")));
    }

    @Test
    void aWrongTokenExitsThree() throws Exception {
        start(2);
        Path wrong = dir.resolve("wrong");
        Files.writeString(wrong, "0".repeat(64));
        assertEquals(new Result(3, "", "taskctl: the runtime refused the token in " + wrong + "\n"),
                taskctl(wrong, "task:list"));
    }
}
