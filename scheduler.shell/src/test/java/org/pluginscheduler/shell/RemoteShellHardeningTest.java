package org.pluginscheduler.shell;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The remote shell against hostile clients, over real loopback sockets with short, configured timeouts: idle and
 * trickling connections at the limit, a client that does not read its reply, a flood of wrong tokens.
 */
class RemoteShellHardeningTest {

    /** Far longer than any test: with these only the slot policy can let an operator in. */
    private static final int NEVER = 60_000;

    @TempDir
    Path dir;
    private RemoteShell shell;
    private final List<String> warnings = new CopyOnWriteArrayList<>();
    private final CountDownLatch release = new CountDownLatch(1);
    private final CountDownLatch running = new CountDownLatch(2);
    private final List<Socket> sockets = new ArrayList<>();
    private final ExecutorService clients = Executors.newCachedThreadPool();

    @AfterEach
    void close() throws IOException {
        release.countDown();
        for (Socket s : sockets) {
            s.close();
        }
        if (shell != null) {
            shell.close();
        }
        clients.shutdownNow();
    }

    private void start(int maxConnections, RemoteShell.Limits limits) throws IOException {
        shell = new RemoteShell(new RemoteShell.Settings(InetAddress.getLoopbackAddress(), 0,
                dir.resolve("data/token"), false, maxConnections, limits), (line, out) -> {
                    if (line.equals("task:block")) {
                        running.countDown();
                        try {
                            release.await();
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                        }
                    } else if (line.equals("task:flood")) {
                        String megabyte = "x".repeat(1 << 20);
                        for (int i = 0; i < 16; i++) {
                            out.print(megabyte);
                        }
                    }
                    out.print("ran " + line + "\n");
                    return 0;
                }, warnings::add);
    }

    private String token() throws IOException {
        return Files.readString(dir.resolve("data/token")).trim();
    }

    private static List<String> ran(String line) {
        return List.of("OK", "ran " + line, "%%TASKCTL-EXIT 0%%");
    }

    private Socket connect() throws IOException {
        Socket socket = new Socket(InetAddress.getLoopbackAddress(), shell.port());
        socket.setSoTimeout(5_000);
        sockets.add(socket);
        return socket;
    }

    /** @return everything the server sent */
    private List<String> exchange(String... lines) throws IOException {
        try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), shell.port())) {
            socket.setSoTimeout(5_000);
            PrintWriter out = new PrintWriter(new OutputStreamWriter(socket.getOutputStream(), StandardCharsets.UTF_8));
            for (String line : lines) {
                out.print(line + "\n");
            }
            out.flush();
            socket.shutdownOutput();
            return readAll(socket);
        }
    }

    private static List<String> readAll(Socket socket) throws IOException {
        BufferedReader in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8));
        List<String> reply = new ArrayList<>();
        for (String l = in.readLine(); l != null; l = in.readLine()) {
            reply.add(l);
        }
        return reply;
    }

    /** Polls (the server's state has no event to wait on) for up to 5 s. */
    private static void await(BooleanSupplier condition, String what) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                fail("waited 5 s for " + what);
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(2));
        }
    }

    private void awaitConnections(int n) {
        await(() -> shell.connections() == n, n + " open connections (now " + shell.connections() + ")");
    }

    /** @return milliseconds from {@code sinceNanos} until the server closed {@code socket} (read ends or resets) */
    private static long closedAfterMs(Socket socket, long sinceNanos) {
        try {
            InputStream in = socket.getInputStream();
            while (in.read() >= 0) {
                // whatever the server says before closing
            }
        } catch (SocketTimeoutException e) {
            fail("the server did not close the connection within 5 s");
        } catch (IOException reset) {
            // closed while we were still sending: just as closed
        }
        return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - sinceNanos);
    }

    @Test
    void idleConnectionsHoldingEverySlotDoNotLockOutAnOperator() throws IOException {
        start(2, new RemoteShell.Limits(NEVER, NEVER, NEVER, 1, 4, NEVER));
        Socket idle1 = connect();
        Socket idle2 = connect();
        awaitConnections(2);
        assertEquals(ran("task:list"), exchange("AUTH " + token(), "task:list"));
        assertEquals(-1, idle1.getInputStream().read(), "the connection that waited longest made room");

        Socket idle3 = connect();
        awaitConnections(2);
        assertEquals(ran("task:info x"), exchange("AUTH " + token(), "task:info x"));
        assertEquals(-1, idle2.getInputStream().read());
        idle3.getOutputStream().write(("AUTH " + token() + "\ntask:stats\n").getBytes(StandardCharsets.UTF_8));
        assertEquals(ran("task:stats"), readAll(idle3), "the newest connection kept its slot");
        assertEquals(1, warnings.size(), "the second eviction is counted for the summary: " + warnings);
        assertTrue(warnings.get(0).contains("closed before it authenticated to make room for a new connection (all 2 "
                + "max.connections were taken)"), warnings.get(0));
    }

    @Test
    void whenEverySlotRunsACommandANewcomerIsToldBusy() throws Exception {
        start(2, new RemoteShell.Limits(NEVER, NEVER, NEVER, 1, 4, NEVER));
        List<CompletableFuture<List<String>>> blocked = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            blocked.add(CompletableFuture.supplyAsync(() -> {
                try {
                    return exchange("AUTH " + token(), "task:block");
                } catch (IOException e) {
                    throw new IllegalStateException(e);
                }
            }, clients));
        }
        assertTrue(running.await(5, TimeUnit.SECONDS));
        assertEquals(List.of("BUSY all 2 max.connections are running commands; try again shortly"),
                exchange("AUTH " + token(), "task:list"));
        release.countDown();
        for (CompletableFuture<List<String>> f : blocked) {
            assertEquals(ran("task:block"), f.get(5, TimeUnit.SECONDS));
        }
        assertEquals(ran("task:list"), exchange("AUTH " + token(), "task:list"));
    }

    /** Sends one byte of an endless AUTH line every {@code periodMs} until the server closes. */
    private static final class Trickler {
        final Socket socket;
        final long startNanos = System.nanoTime();
        final AtomicInteger sent = new AtomicInteger();

        Trickler(Socket socket, ScheduledExecutorService timer, int periodMs, String prefix) {
            this.socket = socket;
            byte[] text = prefix.getBytes(StandardCharsets.UTF_8);
            timer.scheduleAtFixedRate(() -> {
                try {
                    OutputStream out = socket.getOutputStream();
                    int i = sent.get();
                    out.write(i < text.length ? text[i] : 'x');
                    out.flush();
                    sent.incrementAndGet();
                } catch (IOException closed) {
                    throw new IllegalStateException(closed); // ends this trickle
                }
            }, 0, periodMs, TimeUnit.MILLISECONDS);
        }
    }

    @Test
    void tricklingConnectionsAreCutAtTheLineDeadlineAndAnOperatorGetsThrough() throws IOException {
        // a byte every 40 ms never trips the 400 ms read timeout: only the 600 ms deadline on the line can cut it
        start(2, new RemoteShell.Limits(400, 600, NEVER, 1, 4, NEVER));
        ScheduledExecutorService timer = Executors.newScheduledThreadPool(2);
        try {
            Trickler first = new Trickler(connect(), timer, 40, "AUTH ");
            Trickler second = new Trickler(connect(), timer, 40, "AUTH ");
            awaitConnections(2);
            assertEquals(ran("task:list"), exchange("AUTH " + token(), "task:list"));
            long firstCut = closedAfterMs(first.socket, first.startNanos);
            long secondCut = closedAfterMs(second.socket, second.startNanos);
            assertTrue(firstCut < 600, "the first made room for the operator: " + firstCut + " ms");
            // measured from the client's side: its clock starts once connect() returned, a little after the server
            // accepted and started the deadline, and is read in whole ms, so a cut at the deadline can read 599
            assertTrue(secondCut >= 590 && secondCut < 2_000, "the second was cut at the deadline: " + secondCut
                    + " ms");
            assertTrue(second.sent.get() >= 600 / 40 - 3, "it was trickling all along: " + second.sent + " bytes");
        } finally {
            timer.shutdownNow();
        }
        await(() -> warnings.stream().anyMatch(w -> w.contains("did not send a whole line within 600 ms "
                + "(line.timeout.ms) before authenticating")), "the deadline to be logged: " + warnings);
    }

    @Test
    void aCommandLineTrickledPastTheLineDeadlineIsRefusedWithAMessage() throws IOException {
        start(2, new RemoteShell.Limits(400, 600, NEVER, 1, 4, NEVER));
        ScheduledExecutorService timer = Executors.newScheduledThreadPool(1);
        try {
            Socket socket = connect();
            socket.getOutputStream().write(("AUTH " + token() + "\n").getBytes(StandardCharsets.UTF_8));
            long okNanos = System.nanoTime();
            new Trickler(socket, timer, 40, "task:list ");
            assertEquals(List.of("OK", "the command line did not arrive: the client did not send a whole line within "
                    + "600 ms (line.timeout.ms)", "%%TASKCTL-EXIT 2%%"), readAll(socket));
            long took = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - okNanos);
            assertTrue(took >= 600 && took < 2_000, took + " ms");
        } finally {
            timer.shutdownNow();
        }
    }

    @Test
    void aConnectionThatSendsNothingIsCutAfterTheReadTimeout() throws IOException {
        start(4, new RemoteShell.Limits(200, NEVER, NEVER, 1, 4, NEVER));
        long start = System.nanoTime();
        Socket idle = connect();
        long cut = closedAfterMs(idle, start);
        assertTrue(cut >= 200 && cut < 1_500, cut + " ms");
        await(() -> warnings.size() == 1, "one warning");
        assertTrue(warnings.get(0).endsWith(": sent nothing for 200 ms (read.timeout.ms) before authenticating "
                + "(more of these from loopback are counted and summarised)"), warnings.get(0));
    }

    @Test
    void aClientThatDoesNotReadItsReplyIsCutAfterTheIdleTimeout() throws IOException {
        start(1, new RemoteShell.Limits(NEVER, NEVER, 200, 1, 4, NEVER));
        Socket stalled = new Socket();
        sockets.add(stalled);
        stalled.setReceiveBufferSize(4096); // 16 MB of reply cannot sit in the buffers
        stalled.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), shell.port()));
        stalled.getOutputStream().write(("AUTH " + token() + "\ntask:flood\n").getBytes(StandardCharsets.UTF_8));
        awaitConnections(1);
        awaitConnections(0); // the reply cannot be finished: only the idle timeout frees the slot
        assertEquals(ran("task:list"), exchange("AUTH " + token(), "task:list"));
        assertEquals(1, warnings.size(), warnings.toString());
        assertTrue(warnings.get(0).contains(": did not read its reply for 200 ms (idle.timeout.ms); closed"),
                warnings.get(0));
    }

    @Test
    void aFloodOfWrongTokensIsAnsweredEverMoreSlowlyAndLoggedInTwoLines() throws IOException {
        start(2, new RemoteShell.Limits(NEVER, NEVER, NEVER, 4, 64, NEVER)); // 4, 8, 16, 32, then 64 ms each
        int attempts = 12;
        long expectedTotal = 0;
        long total = 0;
        for (int i = 0; i < attempts; i++) {
            long start = System.nanoTime();
            assertEquals(List.of("DENIED"), exchange("AUTH guess-" + i + "-" + "0".repeat(58)));
            long took = System.nanoTime() - start;
            long expected = TimeUnit.MILLISECONDS.toNanos(Math.min(64, 4L << i));
            assertTrue(took >= expected, "attempt " + (i + 1) + " took " + took + " ns, less than its delay");
            expectedTotal += expected;
            total += took;
        }
        assertTrue(total >= expectedTotal, total + " < " + expectedTotal);
        assertEquals(1, warnings.size(), "only the first failure of the burst is logged as it happens: " + warnings);
        assertEquals(ran("task:list"), exchange("AUTH " + token(), "task:list"));
        shell.close();
        assertEquals(2, warnings.size(), warnings.toString());
        assertTrue(warnings.get(0).endsWith(": wrong token (more of these from loopback are counted and "
                + "summarised)"), warnings.get(0));
        assertTrue(warnings.get(1).startsWith("Remote shell: refused 11 more connections from loopback (wrong "
                + "token) within "), warnings.get(1));
        for (String w : warnings) {
            assertFalse(w.contains("guess-") || w.contains(token()), "no token in the log: " + w);
        }
    }

    @Test
    void aDeniedConnectionWaitingForItsAnswerGivesUpItsSlotAndTheRightTokenIsNotDelayed() throws IOException {
        start(1, new RemoteShell.Limits(NEVER, NEVER, NEVER, 30_000, 30_000, NEVER)); // a failure waits 30 s
        Socket wrong = connect();
        wrong.getOutputStream().write("AUTH wrong\n".getBytes(StandardCharsets.UTF_8));
        await(() -> warnings.size() == 1, "the failure"); // logged, now waiting for its delay
        long start = System.nanoTime();
        assertEquals(ran("task:list"), exchange("AUTH " + token(), "task:list"));
        assertTrue(System.nanoTime() - start < TimeUnit.SECONDS.toNanos(5));
        assertEquals(-1, wrong.getInputStream().read(), "closed unanswered to make room");
    }

    @Test
    void aClientLeavingWithoutAWordIsNoFailedGuessAndFreesItsSlotAtOnce() throws IOException {
        start(1, new RemoteShell.Limits(NEVER, NEVER, NEVER, 30_000, 30_000, NEVER)); // a failure waits 30 s
        connect().close();
        await(() -> warnings.size() == 1, "the refusal");
        assertTrue(warnings.get(0).contains(": closed without sending anything"), warnings.get(0));
        awaitConnections(0); // not after a 30 s delay: nobody is left to answer
    }
}
