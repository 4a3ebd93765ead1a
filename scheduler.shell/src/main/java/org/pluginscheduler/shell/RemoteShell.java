package org.pluginscheduler.shell;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.io.Writer;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Pattern;

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
 * The exit line is the last line before the connection closes, and only that one is the exit status: output is
 * arbitrary text (a task's result message, for one) and may contain a line that looks like it.
 *
 * Security: binds to a loopback address unless explicitly allowed; the token is compared in constant time and
 * never logged; a connection that does not authenticate within {@link #AUTH_TIMEOUT_MS} or sends anything else
 * is refused and logged; by default only a single {@code task:*} command is accepted (no pipes, no chaining).
 */
final class RemoteShell implements AutoCloseable {

    static final String EXIT_PREFIX = "%%TASKCTL-EXIT ";
    static final String EXIT_SUFFIX = "%%";
    static final int AUTH_TIMEOUT_MS = 10_000;
    private static final int MAX_LINE = 8192;
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

    /** Validated settings. */
    record Settings(InetAddress address, int port, Path tokenFile, boolean allowAnyCommand, int maxConnections) {
    }

    private final Settings settings;
    private final CommandRunner runner;
    private final byte[] token;
    private final ServerSocket server;
    private final ExecutorService pool;
    private final Semaphore slots;
    private final Thread acceptor;
    private volatile boolean open = true;

    /**
     * Reads or creates the token file and starts listening.
     *
     * @throws IOException if the token cannot be read/written or the port cannot be bound
     */
    RemoteShell(Settings settings, CommandRunner runner) throws IOException {
        this.settings = settings;
        this.runner = runner;
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
        this.slots = new Semaphore(settings.maxConnections());
        this.acceptor = new Thread(this::accept, "task-remote-shell-acceptor");
        this.acceptor.setDaemon(true);
        this.acceptor.start();
    }

    /** @return the bound port (useful when configured as 0 in tests) */
    int port() {
        return server.getLocalPort();
    }

    static String loadOrCreateToken(Path file) throws IOException {
        if (Files.exists(file)) {
            tightenPermissions(file);
            String existing = Files.readString(file, StandardCharsets.UTF_8).trim();
            if (existing.length() < 32) {
                throw new IOException("token file " + file.toAbsolutePath() + " holds fewer than 32 characters; "
                        + "delete it and a new token is generated at the next start");
            }
            return existing;
        }
        byte[] random = new byte[32];
        new SecureRandom().nextBytes(random);
        String generated = HexFormat.of().formatHex(random);
        Path parent = file.toAbsolutePath().getParent();
        Files.createDirectories(parent);
        try {
            if (Files.getFileStore(parent).supportsFileAttributeView("posix")) {
                Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            } else {
                Files.createFile(file);
            }
        } catch (FileAlreadyExistsException raced) {
            return loadOrCreateToken(file);
        }
        Files.writeString(file, generated + "\n", StandardCharsets.UTF_8);
        LOG.info("Generated the remote shell token in {} (readable by its owner only)", file.toAbsolutePath());
        return generated;
    }

    private static void tightenPermissions(Path file) throws IOException {
        if (!Files.getFileStore(file).supportsFileAttributeView("posix")) {
            return;
        }
        Set<PosixFilePermission> permissions = Files.getPosixFilePermissions(file);
        Set<PosixFilePermission> ownerOnly = PosixFilePermissions.fromString("rw-------");
        if (!ownerOnly.containsAll(permissions)) {
            Files.setPosixFilePermissions(file, ownerOnly);
            LOG.warn("Token file {} was readable by others; its permissions are now rw-------", file.toAbsolutePath());
        }
    }

    private void accept() {
        while (open) {
            Socket socket;
            try {
                socket = server.accept();
            } catch (IOException e) {
                if (open) {
                    LOG.warn("Remote shell: accept failed: {}", e.getMessage());
                }
                continue;
            }
            if (!slots.tryAcquire()) {
                LOG.warn("Remote shell: refused a connection from {}: {} connections already open",
                        socket.getRemoteSocketAddress(), settings.maxConnections());
                closeQuietly(socket);
                continue;
            }
            try {
                pool.execute(() -> {
                    try {
                        serve(socket);
                    } finally {
                        slots.release();
                        closeQuietly(socket);
                    }
                });
            } catch (RuntimeException rejected) {
                slots.release();
                closeQuietly(socket);
            }
        }
    }

    private void serve(Socket socket) {
        String peer = String.valueOf(socket.getRemoteSocketAddress());
        boolean authenticated = false;
        try {
            socket.setSoTimeout(AUTH_TIMEOUT_MS);
            BufferedReader in = new BufferedReader(new InputStreamReader(socket.getInputStream(),
                    StandardCharsets.UTF_8), MAX_LINE);
            Writer raw = new OutputStreamWriter(socket.getOutputStream(), StandardCharsets.UTF_8);
            PrintWriter out = new PrintWriter(raw, false);
            String auth = readLine(in);
            if (auth == null || !auth.startsWith("AUTH ")) {
                LOG.warn("Remote shell: refused a malformed connection from {} (no AUTH line)", peer);
                out.print("DENIED\n");
                out.flush();
                return;
            }
            byte[] offered = auth.substring(5).trim().getBytes(StandardCharsets.UTF_8);
            if (!MessageDigest.isEqual(offered, token)) {
                LOG.warn("Remote shell: refused a connection from {}: wrong token", peer);
                out.print("DENIED\n");
                out.flush();
                return;
            }
            out.print("OK\n");
            out.flush();
            authenticated = true;
            String line = readLine(in);
            if (line == null || line.isBlank()) {
                LOG.warn("Remote shell: {} authenticated but sent no command", peer);
                finish(out, 2, "no command given");
                return;
            }
            String command = line.trim();
            if (!settings.allowAnyCommand()
                    && (!TASK_COMMAND.matcher(command).matches() || !singleCommand(command))) {
                LOG.warn("Remote shell: refused command from {} (only a single task:* command is allowed): {}",
                        peer, command);
                finish(out, 2, "only a single task:* command is allowed (set allow.any.command=true in "
                        + "etc/" + RemoteShellConfiguration.PID + ".cfg to lift this)");
                return;
            }
            if (READ_ONLY.matcher(command).matches()) {
                LOG.debug("Remote shell: {} runs: {}", peer, command); // monitoring polls must not flood the log
            } else {
                LOG.info("Remote shell: {} runs: {}", peer, command); // an audit trail of changes
            }
            socket.setSoTimeout(0);
            int code = runner.run(command, out);
            out.print(EXIT_PREFIX + code + EXIT_SUFFIX + "\n");
            out.flush();
        } catch (SocketTimeoutException e) {
            LOG.warn("Remote shell: refused a connection from {}: nothing sent within {} ms", peer, AUTH_TIMEOUT_MS);
        } catch (LineTooLongException e) {
            LOG.warn("Remote shell: refused a connection from {}: a line longer than {} characters", peer, MAX_LINE);
            // say so (taskctl exited 3, "unreachable", with nothing printed); before authentication, only DENIED
            try {
                PrintWriter out = new PrintWriter(new OutputStreamWriter(socket.getOutputStream(),
                        StandardCharsets.UTF_8), false);
                if (authenticated) {
                    finish(out, 2, "the command line is longer than " + MAX_LINE + " characters");
                } else {
                    out.print("DENIED\n");
                    out.flush();
                }
                // closing with the rest of the line unread would reset the connection and could lose the reply:
                // end our side, then read off what is still coming, for a second at most
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
        } catch (SocketException e) {
            LOG.debug("Remote shell: connection from {} closed: {}", peer, e.getMessage());
        } catch (IOException e) {
            LOG.warn("Remote shell: connection from {} failed: {}", peer, e.getMessage());
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
        pool.shutdownNow();
        try {
            acceptor.join(TimeUnit.SECONDS.toMillis(2));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
