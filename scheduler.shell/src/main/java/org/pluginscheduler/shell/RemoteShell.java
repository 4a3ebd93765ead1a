package org.pluginscheduler.shell;

import java.io.BufferedReader;
import java.io.FilterInputStream;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.regex.Pattern;

import org.pluginscheduler.internal.config.SecretFiles;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A line protocol that lets scripts run shell commands against the running runtime. Independent of Gogo (commands
 * go through a {@link CommandRunner}) so it is tested without a framework.
 *
 * <pre>
 * client: AUTH &lt;token&gt;          server: OK            (or DENIED, then closes)
 * client: &lt;one command line&gt;    server: output lines..., then "%%TASKCTL-EXIT &lt;code&gt;%%", then closes
 * </pre>
 *
 * A connection that arrives while every slot runs an authenticated command gets one line {@code BUSY <reason>} and
 * is closed. The exit line is the last line before the connection closes, and only that one is the exit status:
 * output is arbitrary text (a task's result message, for one) and may contain a line that looks like it.
 *
 * <p>Security: binds to a loopback address unless explicitly allowed; the token is compared in constant time and
 * never logged; by default only a single {@code task:*} command is accepted (no pipes, no chaining).
 *
 * <p>Hardening (see {@link Limits}): each line (the AUTH line, then the command line) must arrive whole within
 * {@code line.timeout.ms}, with no gap longer than {@code read.timeout.ms}, so neither an idle client nor one
 * trickling a byte now and then keeps a slot; a client that stops reading its reply is cut after
 * {@code idle.timeout.ms}. Slots are never lost to clients without the token: when all {@code max.connections}
 * are taken and one of them has not authenticated, the one that has waited longest is closed to make room, so
 * only authenticated commands can fill the listener. A failed authentication is answered after a delay that
 * doubles with each failure of a burst from the same source ({@link AuthThrottle}); the waiting connection can be
 * closed to make room like any unauthenticated one. Refusals are logged once per burst and source plus a
 * summary ({@link RefusalLog}).
 */
final class RemoteShell implements AutoCloseable {

    static final String EXIT_PREFIX = "%%TASKCTL-EXIT ";
    static final String EXIT_SUFFIX = "%%";
    /** The longest line accepted, in characters, for the AUTH line and the command line alike. */
    static final int MAX_LINE = 8192;
    private static final Pattern TASK_COMMAND = Pattern.compile("task:[a-z]+(\\s.*)?");
    private static final Pattern READ_ONLY = Pattern.compile("task:(list|info|runs|run|next|dlq|stats)(\\s.*)?");
    /** Outside quotes these chain, pipe, group or expand in Gogo. */
    private static final String SHELL_SYNTAX = ";|&$`(){}<>#%";
    private static final Logger LOG = LoggerFactory.getLogger(RemoteShell.class);

    /** Runs one command line. */
    interface CommandRunner {
        /** @return the exit code (0 = success) after writing the command's output */
        int run(String commandLine, PrintWriter out);
    }

    /**
     * Timeouts and throttling, in milliseconds; validated by {@link RemoteShellComponent#settings}.
     *
     * @param readTimeoutMs         longest gap while a line is received, the wait for its first byte included
     * @param lineTimeoutMs         each line (AUTH, then the command) must arrive whole within this, counted from
     *                              the connection (AUTH) or from the server's OK (command)
     * @param idleTimeoutMs         longest time the client may leave its reply unread while the server sends it
     * @param authFailureDelayMs    delay before answering the first failed authentication of a burst (0: none)
     * @param authFailureMaxDelayMs the delay doubles with each failure of a burst, up to this
     * @param authFailureWindowMs   quiet time that ends a burst of failures (and of logged refusals); the longest
     *                              time between two log lines about one burst
     */
    record Limits(int readTimeoutMs, int lineTimeoutMs, int idleTimeoutMs, int authFailureDelayMs,
            int authFailureMaxDelayMs, int authFailureWindowMs) {

        /** The defaults of the configuration. */
        static final Limits DEFAULTS = new Limits(2_000, 5_000, 10_000, 200, 5_000, 60_000);
    }

    /** Validated settings. */
    record Settings(InetAddress address, int port, Path tokenFile, boolean allowAnyCommand, int maxConnections,
            Limits limits) {
    }

    /** One accepted connection and the slot it holds. */
    private static final class Connection {
        final Socket socket;
        final String peer;
        final String source;
        final long acceptedNanos = System.nanoTime();
        private final CountDownLatch closed = new CountDownLatch(1);

        Connection(Socket socket) {
            this.socket = socket;
            this.peer = String.valueOf(socket.getRemoteSocketAddress());
            this.source = RefusalLog.source(socket.getInetAddress());
        }

        /** Waits up to {@code nanos}, less if the connection is closed meanwhile. */
        void pause(long nanos) {
            try {
                closed.await(nanos, TimeUnit.NANOSECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }

        /** Closes the socket, then ends a {@link #pause} (in that order: the woken thread must find it closed). */
        void close() {
            closeQuietly(socket);
            closed.countDown();
        }
    }

    private final Settings settings;
    private final CommandRunner runner;
    private final byte[] token;
    private final ServerSocket server;
    private final ExecutorService pool;
    private final ScheduledExecutorService timer;
    private final Thread acceptor;
    private final RefusalLog refusals;
    private final AuthThrottle throttle;
    /** Slots: connections not yet authenticated, longest waiting first, and authenticated ones. */
    private final Set<Connection> unauthenticated = new LinkedHashSet<>();
    private final Set<Connection> authenticated = new HashSet<>();
    private volatile boolean open = true;

    /**
     * Reads or creates the token file and starts listening; refusals are logged as WARN.
     *
     * @throws IOException if the token cannot be read/written or the port cannot be bound
     */
    RemoteShell(Settings settings, CommandRunner runner) throws IOException {
        this(settings, runner, LOG::warn);
    }

    /**
     * Reads or creates the token file and starts listening.
     *
     * @param warnings receives the (summarised) lines about refused connections
     * @throws IOException if the token cannot be read/written or the port cannot be bound
     */
    RemoteShell(Settings settings, CommandRunner runner, Consumer<String> warnings) throws IOException {
        this.settings = settings;
        this.runner = runner;
        Limits limits = settings.limits();
        long window = TimeUnit.MILLISECONDS.toNanos(limits.authFailureWindowMs());
        this.refusals = new RefusalLog(warnings, System::nanoTime, window);
        this.throttle = new AuthThrottle(System::nanoTime, TimeUnit.MILLISECONDS.toNanos(limits.authFailureDelayMs()),
                TimeUnit.MILLISECONDS.toNanos(limits.authFailureMaxDelayMs()), window);
        this.token = loadOrCreateToken(settings.tokenFile()).getBytes(StandardCharsets.UTF_8);
        this.server = new ServerSocket();
        this.server.setReuseAddress(true);
        this.server.bind(new InetSocketAddress(settings.address(), settings.port()), 16);
        AtomicInteger n = new AtomicInteger();
        this.pool = Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "task-remote-shell-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        ScheduledThreadPoolExecutor scheduler = new ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(r, "task-remote-shell-timer");
            t.setDaemon(true);
            return t;
        });
        scheduler.setRemoveOnCancelPolicy(true); // a guard per reply write, nearly all cancelled
        this.timer = scheduler;
        long tick = Math.max(10, Math.min(1_000, limits.authFailureWindowMs() / 4));
        timer.scheduleWithFixedDelay(refusals::flush, tick, tick, TimeUnit.MILLISECONDS);
        this.acceptor = new Thread(this::accept, "task-remote-shell-acceptor");
        this.acceptor.setDaemon(true);
        this.acceptor.start();
    }

    /**
     * What the log shows of a command line. An accepted single {@code task:*} command is shown whole (the audit
     * trail of changes). A refused line, and any command outside scope {@code task} (e.g. {@code web:hashpw PASSWORD}, with
     * {@code allow.any.command}), show only the first word, cut to 60 characters: its arguments may be a secret.
     */
    static String loggable(String command, boolean accepted) {
        String trimmed = command.trim();
        if (accepted && TASK_COMMAND.matcher(trimmed).matches() && singleCommand(trimmed)) {
            return trimmed;
        }
        String first = trimmed.split("\\s+", 2)[0];
        if (first.length() > 60) {
            first = first.substring(0, 60) + "…";
        }
        return first + (first.length() < trimmed.length() ? " (arguments not logged)" : "");
    }

    /** @return the bound port (useful when configured as 0 in tests) */
    int port() {
        return server.getLocalPort();
    }

    static String loadOrCreateToken(Path file) throws IOException {
        SecretFiles.Secret secret = SecretFiles.readOrCreate(file, () -> {
            byte[] random = new byte[32];
            new SecureRandom().nextBytes(random);
            return HexFormat.of().formatHex(random);
        }, 32, "token file");
        if (secret.tightened()) {
            LOG.warn("Token file {} was readable by others; its permissions are now rw-------", file.toAbsolutePath());
        }
        if (secret.created()) {
            LOG.info("Generated the remote shell token in {} (readable by its owner only)", file.toAbsolutePath());
        }
        return secret.value();
    }

    private void accept() {
        while (open) {
            Socket socket;
            try {
                socket = server.accept();
            } catch (IOException e) {
                if (open) {
                    // e.g. out of file descriptors: do not spin (and log) at full speed
                    LOG.warn("Remote shell: accept failed: {}", e.getMessage());
                    pause(100);
                }
                continue;
            }
            Connection connection = new Connection(socket);
            Connection evicted = null;
            boolean admitted;
            synchronized (this) {
                admitted = unauthenticated.size() + authenticated.size() < settings.maxConnections();
                if (!admitted && !unauthenticated.isEmpty()) {
                    evicted = unauthenticated.iterator().next();
                    unauthenticated.remove(evicted);
                    admitted = true;
                }
                if (admitted) {
                    unauthenticated.add(connection);
                }
            }
            if (evicted != null) {
                evicted.close();
                refusals.refused(evicted.source, evicted.peer, "closed before it authenticated to make room for a "
                        + "new connection (all " + settings.maxConnections() + " max.connections were taken)");
            }
            if (!admitted) {
                busy(connection);
                continue;
            }
            try {
                pool.execute(() -> {
                    try {
                        serve(connection);
                    } finally {
                        release(connection);
                        connection.close();
                    }
                });
            } catch (RuntimeException rejected) {
                release(connection);
                connection.close();
            }
        }
    }

    /** Every slot runs an authenticated command: say so in one line and close. */
    private void busy(Connection connection) {
        String reason = "all " + settings.maxConnections() + " max.connections are running commands";
        refusals.refused(connection.source, connection.peer, reason);
        try {
            connection.socket.getOutputStream().write(("BUSY " + reason + "; try again shortly\n")
                    .getBytes(StandardCharsets.UTF_8));
            // what the client sent already must not be left unread, or closing resets the connection
            InputStream in = connection.socket.getInputStream();
            for (int available = in.available(); available > 0; available = in.available()) {
                in.skipNBytes(available);
            }
        } catch (IOException e) {
            LOG.debug("Remote shell: telling {} that the listener is busy: {}", connection.peer, e.getMessage());
        }
        connection.close();
    }

    private synchronized boolean authenticate(Connection connection) {
        if (!unauthenticated.remove(connection)) {
            return false; // closed meanwhile to make room
        }
        authenticated.add(connection);
        return true;
    }

    private synchronized void release(Connection connection) {
        if (!unauthenticated.remove(connection)) {
            authenticated.remove(connection);
        }
    }

    /** @return the connections holding a slot now (authenticated or not) */
    synchronized int connections() {
        return unauthenticated.size() + authenticated.size();
    }

    private void serve(Connection connection) {
        Socket socket = connection.socket;
        String peer = connection.peer;
        Limits limits = settings.limits();
        boolean authenticated = false;
        try {
            DeadlineInputStream input = new DeadlineInputStream(socket, limits.readTimeoutMs(),
                    limits.lineTimeoutMs());
            input.lineStarts(connection.acceptedNanos);
            BufferedReader in = new BufferedReader(new InputStreamReader(input, StandardCharsets.UTF_8));
            PrintWriter out = new PrintWriter(new OutputStreamWriter(new StallGuard(connection,
                    socket.getOutputStream()), StandardCharsets.UTF_8), false);
            String auth;
            try {
                auth = readLine(in);
            } catch (LineTooLongException e) {
                deny(connection, out, "an AUTH line longer than " + MAX_LINE + " characters");
                drain(socket);
                return;
            } catch (DeadlineInputStream.Expired e) {
                refusals.refused(connection.source, peer, e.getMessage() + " before authenticating");
                return;
            }
            if (auth == null) { // gone without a word (a port probe, say): no guess to throttle, nobody to answer
                refusals.refused(connection.source, peer, "closed without sending anything");
                return;
            }
            if (!auth.startsWith("AUTH ")) {
                deny(connection, out, "no AUTH line");
                return;
            }
            byte[] offered = auth.substring(5).trim().getBytes(StandardCharsets.UTF_8);
            if (!MessageDigest.isEqual(offered, token)) {
                deny(connection, out, "wrong token");
                return;
            }
            if (!authenticate(connection)) {
                return;
            }
            authenticated = true;
            out.print("OK\n");
            out.flush();
            input.lineStarts(System.nanoTime());
            String line;
            try {
                line = readLine(in);
            } catch (DeadlineInputStream.Expired e) {
                LOG.warn("Remote shell: {} authenticated but {} while sending its command", peer, e.getMessage());
                finish(out, 2, "the command line did not arrive: the client " + e.getMessage());
                return;
            }
            if (line == null || line.isBlank()) {
                LOG.warn("Remote shell: {} authenticated but sent no command", peer);
                finish(out, 2, "no command given");
                return;
            }
            String command = line.trim();
            if (!settings.allowAnyCommand()
                    && (!TASK_COMMAND.matcher(command).matches() || !singleCommand(command))) {
                LOG.warn("Remote shell: refused command from {} (only a single task:* command is allowed): {}",
                        peer, loggable(command, false));
                finish(out, 2, "only a single task:* command is allowed (set allow.any.command=true in "
                        + "etc/" + RemoteShellConfiguration.PID + ".cfg to lift this)");
                return;
            }
            if (READ_ONLY.matcher(command).matches()) {
                LOG.debug("Remote shell: {} runs: {}", peer, loggable(command, true)); // polls must not flood the log
            } else {
                LOG.info("Remote shell: {} runs: {}", peer, loggable(command, true)); // an audit trail of changes
            }
            int code = runner.run(command, out);
            out.print(EXIT_PREFIX + code + EXIT_SUFFIX + "\n");
            out.flush();
        } catch (LineTooLongException e) {
            // only the command line gets here: an AUTH line that is too long is denied above
            LOG.warn("Remote shell: refused a command from {}: a line longer than {} characters", peer, MAX_LINE);
            try {
                PrintWriter out = new PrintWriter(new OutputStreamWriter(new StallGuard(connection,
                        socket.getOutputStream()), StandardCharsets.UTF_8), false);
                finish(out, 2, "the command line is longer than " + MAX_LINE + " characters");
                drain(socket);
            } catch (IOException | RuntimeException ignored) {
                // the client went away meanwhile: nothing to tell
            }
        } catch (SocketException e) {
            LOG.debug("Remote shell: connection from {} closed: {}", peer, e.getMessage());
        } catch (IOException e) {
            if (authenticated) {
                LOG.warn("Remote shell: connection from {} failed: {}", peer, e.getMessage());
            } else {
                refusals.refused(connection.source, peer, "failed before it authenticated: " + e.getMessage());
            }
        }
    }

    /**
     * Refuses a failed authentication: logged (summarised), then answered after the throttle's delay. Meanwhile the
     * connection is still unauthenticated, so a newcomer can take its slot (which ends the wait).
     */
    private void deny(Connection connection, PrintWriter out, String reason) {
        long delay = throttle.failed(connection.source);
        refusals.refused(connection.source, connection.peer, reason);
        connection.pause(delay);
        out.print("DENIED\n");
        out.flush();
    }

    /**
     * Closing with the rest of a line unread would reset the connection and could lose the reply: ends our side,
     * then reads off what is still coming, for a second at most.
     */
    private static void drain(Socket socket) {
        try {
            socket.shutdownOutput();
            socket.setSoTimeout(1000);
            InputStream rest = socket.getInputStream();
            byte[] sink = new byte[8192];
            long deadline = System.nanoTime() + 1_000_000_000L;
            while (System.nanoTime() < deadline && rest.read(sink) >= 0) {
                // discard
            }
        } catch (IOException | RuntimeException ignored) {
            // the client went away meanwhile: nothing to tell
        }
    }

    private static void finish(PrintWriter out, int code, String message) {
        out.print(message + "\n" + EXIT_PREFIX + code + EXIT_SUFFIX + "\n");
        out.flush();
    }

    private static final class LineTooLongException extends IOException {
        private static final long serialVersionUID = 1L;
    }

    /**
     * The socket's input with both receive limits: each read waits at most the read timeout, and never past the
     * deadline of the current line, so a client sending a byte now and then still has to finish the line in time.
     */
    private static final class DeadlineInputStream extends FilterInputStream {

        /** A receive limit ran out; the message says which, as "sent nothing for …" or "did not send …". */
        static final class Expired extends SocketTimeoutException {
            private static final long serialVersionUID = 1L;

            Expired(String message) {
                super(message);
            }
        }

        private final Socket socket;
        private final int readTimeoutMs;
        private final int lineTimeoutMs;
        private long deadlineNanos;

        DeadlineInputStream(Socket socket, int readTimeoutMs, int lineTimeoutMs) throws IOException {
            super(socket.getInputStream());
            this.socket = socket;
            this.readTimeoutMs = readTimeoutMs;
            this.lineTimeoutMs = lineTimeoutMs;
        }

        /** The next line must be complete within the line timeout from {@code nanos}. */
        void lineStarts(long nanos) {
            deadlineNanos = nanos + TimeUnit.MILLISECONDS.toNanos(lineTimeoutMs);
        }

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            int n = read(one, 0, 1);
            return n < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            long remainingNanos = deadlineNanos - System.nanoTime();
            if (remainingNanos <= 0) {
                throw lineExpired();
            }
            long remainingMs = (remainingNanos + 999_999) / 1_000_000; // rounded up: never before the deadline
            boolean lineLimit = remainingMs < readTimeoutMs;
            socket.setSoTimeout(lineLimit ? (int) remainingMs : readTimeoutMs);
            try {
                return super.read(b, off, len);
            } catch (SocketTimeoutException e) {
                throw lineLimit ? lineExpired()
                        : new Expired("sent nothing for " + readTimeoutMs + " ms (read.timeout.ms)");
            }
        }

        private Expired lineExpired() {
            return new Expired("did not send a whole line within " + lineTimeoutMs + " ms (line.timeout.ms)");
        }
    }

    /**
     * The socket's output, closed by the timer when one write blocks longer than the idle timeout: the client does
     * not read its reply, and must not keep its slot for it.
     */
    private final class StallGuard extends FilterOutputStream {
        private final Connection connection;

        StallGuard(Connection connection, OutputStream out) {
            super(out);
            this.connection = connection;
        }

        @Override
        public void write(int b) throws IOException {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            ScheduledFuture<?> guard;
            try {
                guard = timer.schedule(this::stalled, settings.limits().idleTimeoutMs(), TimeUnit.MILLISECONDS);
            } catch (RejectedExecutionException closing) {
                guard = null;
            }
            try {
                out.write(b, off, len);
            } finally {
                if (guard != null) {
                    guard.cancel(false);
                }
            }
        }

        private void stalled() {
            refusals.refused(connection.source, connection.peer, "did not read its reply for "
                    + settings.limits().idleTimeoutMs() + " ms (idle.timeout.ms); closed");
            connection.close();
        }
    }

    private static void pause(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * @return whether {@code command} is one command, nothing chained, piped, grouped, commented or expanded: no
     *         shell syntax outside quotes (nor {@code #}, {@code %}, or a comment's {@code //} or {@code /*}: Gogo
     *         skips a comment, quotes in it included, so a quote there would hide what follows from this check),
     *         no {@code $}, {@code %} or backquote inside double quotes (Gogo expands there), anything inside single
     *         quotes, a backslash escaping the next character outside single quotes, and every quote closed. So
     *         {@code task:next "rrule:FREQ=WEEKLY;BYDAY=MO start=2026-01-05T09:00"} passes and
     *         {@code task:list; stop 0} does not. (Refusing every {@code ;} refused every multi-part RRULE.)
     */
    static boolean singleCommand(String command) {
        char quote = 0;
        for (int i = 0; i < command.length(); i++) {
            char c = command.charAt(i);
            if (c == '\n' || c == '\r') {
                return false;
            }
            if (quote == '\'') {
                if (c == '\'') {
                    quote = 0;
                }
            } else if (c == '\\') {
                i++; // the next character is literal (outside single quotes)
            } else if (quote == '"') {
                if (c == '"') {
                    quote = 0;
                } else if (c == '$' || c == '`' || c == '%') {
                    return false;
                }
            } else if (c == '\'' || c == '"') {
                quote = c;
            } else if (SHELL_SYNTAX.indexOf(c) >= 0
                    || c == '/' && i + 1 < command.length() && "/*".indexOf(command.charAt(i + 1)) >= 0) {
                return false;
            }
        }
        return quote == 0;
    }

    private static String readLine(BufferedReader in) throws IOException {
        StringBuilder line = new StringBuilder();
        int c;
        while ((c = in.read()) >= 0) {
            if (c == '\n') {
                return line.toString();
            }
            if (c != '\r') {
                line.append((char) c);
            }
            if (line.length() > MAX_LINE) {
                throw new LineTooLongException();
            }
        }
        return line.length() == 0 ? null : line.toString();
    }

    private static void closeQuietly(Socket socket) {
        try {
            socket.close();
        } catch (IOException ignored) {
            // closing a socket that failed; nothing left to do
        }
    }

    @Override
    public void close() {
        open = false;
        try {
            server.close();
        } catch (IOException e) {
            LOG.debug("Remote shell: closing the listener: {}", e.getMessage());
        }
        try {
            acceptor.join(TimeUnit.SECONDS.toMillis(2));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        List<Connection> waiting;
        synchronized (this) {
            waiting = new ArrayList<>(unauthenticated); // authenticated commands finish and answer
        }
        waiting.forEach(Connection::close);
        pool.shutdownNow();
        timer.shutdownNow();
        refusals.close();
    }
}
