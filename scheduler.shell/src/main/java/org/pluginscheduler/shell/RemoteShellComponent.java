package org.pluginscheduler.shell;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import org.apache.felix.service.command.CommandProcessor;
import org.apache.felix.service.command.CommandSession;
import org.apache.felix.service.command.Converter;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.metatype.annotations.Designate;
import org.pluginscheduler.internal.config.ConfigReader;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Scriptable, authenticated access to the shell (see {@link RemoteShell}), configured by
 * {@value RemoteShellConfiguration#PID}. Commands run in a fresh Gogo session each, without globbing.
 * A bad configuration is rejected naming the field, and the listener in force stays.
 */
@Component(configurationPid = RemoteShellConfiguration.PID, immediate = true)
@Designate(ocd = RemoteShellConfiguration.class)
public final class RemoteShellComponent {

    private static final Logger LOG = LoggerFactory.getLogger(RemoteShellComponent.class);

    private final CommandProcessor processor;
    private RemoteShell shell;
    private RemoteShell.Settings current;

    @Activate
    public RemoteShellComponent(@Reference CommandProcessor processor, Map<String, Object> properties) {
        this.processor = processor;
        modified(properties);
    }

    /**
     * Reads the raw properties (not a typed annotation: Declarative Services would read {@code enabled = flase}
     * or {@code allow.non.loopback = yes} as false and throw for {@code port = abc} without naming the field).
     */
    @Modified
    synchronized void modified(Map<String, Object> properties) {
        ConfigReader reader = new ConfigReader(properties, KEYS);
        reader.unknownKeyWarnings().forEach(w -> LOG.warn("Configuration {}: {}", RemoteShellConfiguration.PID, w));
        RemoteShell.Settings settings;
        try {
            settings = settings(reader);
        } catch (IllegalArgumentException e) {
            LOG.error("Configuration {} rejected: {}; the last good configuration stays in force ({})",
                    RemoteShellConfiguration.PID, e.getMessage(),
                    shell == null ? "the remote shell stays off" : "the listener in force stays");
            return;
        }
        if (settings == null) { // enabled = false
            stop();
            current = null;
            LOG.info("Remote shell disabled");
            return;
        }
        if (settings.equals(current) && shell != null) {
            return;
        }
        stop();
        try {
            shell = new RemoteShell(settings, this::run);
            current = settings;
            LOG.info("Remote shell listening on {}:{} (token in {})", settings.address().getHostAddress(),
                    shell.port(), settings.tokenFile().toAbsolutePath());
        } catch (IOException e) {
            LOG.error("Remote shell could not start on {}:{}: {}. Is the port taken? Set another port in "
                    + "etc/{}.cfg", settings.address().getHostAddress(), settings.port(), e.getMessage(),
                    RemoteShellConfiguration.PID);
        }
    }

    @Deactivate
    synchronized void deactivate() {
        stop();
    }

    private void stop() {
        if (shell != null) {
            shell.close();
            shell = null;
        }
    }

    /** The keys of this PID, in the order they are described. */
    static final List<String> KEYS = List.of("enabled", "port", "bind.address", "allow.non.loopback", "token.file",
            "allow.any.command", "max.connections", "read.timeout.ms", "line.timeout.ms", "idle.timeout.ms",
            "auth.failure.delay.ms", "auth.failure.max.delay.ms", "auth.failure.window.ms");

    static RemoteShell.Settings settings(Map<String, ?> properties) {
        return settings(new ConfigReader(properties, KEYS));
    }

    /**
     * @return the settings, or null if the shell is disabled (other fields are checked all the same)
     * @throws IllegalArgumentException naming every bad field and its value
     */
    static RemoteShell.Settings settings(ConfigReader r) {
        boolean enabled = r.bool("enabled", true);
        int port = r.integer("port", 8102, 1, 65535);
        boolean allowNonLoopback = r.bool("allow.non.loopback", false);
        InetAddress address = r.parse("bind.address", InetAddress.getLoopbackAddress(), text -> {
            InetAddress a;
            try {
                a = InetAddress.getByName(text);
            } catch (UnknownHostException e) {
                throw new IllegalArgumentException("'" + text + "' is not an address");
            }
            if (!a.isLoopbackAddress() && !allowNonLoopback) {
                throw new IllegalArgumentException(text + " is not a loopback address; set allow.non.loopback=true "
                        + "to listen on it");
            }
            return a;
        });
        if (r.has("bind.address") && r.string("bind.address", "").isBlank()) {
            r.problem("bind.address", "must not be blank (default 127.0.0.1)");
        }
        String tokenFile = r.string("token.file", "data/remote-shell.token");
        if (tokenFile.isBlank()) {
            r.problem("token.file", "must not be blank");
        }
        boolean anyCommand = r.bool("allow.any.command", false);
        int maxConnections = r.integer("max.connections", 4, 1, 64);
        RemoteShell.Limits d = RemoteShell.Limits.DEFAULTS;
        int readTimeout = r.integer("read.timeout.ms", d.readTimeoutMs(), 10, 600_000);
        int lineTimeout = r.integer("line.timeout.ms", d.lineTimeoutMs(), 10, 600_000);
        int idleTimeout = r.integer("idle.timeout.ms", d.idleTimeoutMs(), 10, 3_600_000);
        int failureDelay = r.integer("auth.failure.delay.ms", d.authFailureDelayMs(), 0, 60_000);
        int failureMaxDelay = r.integer("auth.failure.max.delay.ms", d.authFailureMaxDelayMs(), 0, 600_000);
        int failureWindow = r.integer("auth.failure.window.ms", d.authFailureWindowMs(), 100, 86_400_000);
        if (failureMaxDelay < failureDelay && r.problems().stream().noneMatch(p -> p.startsWith("auth.failure."))) {
            r.problem("auth.failure.max.delay.ms", failureMaxDelay + " is less than auth.failure.delay.ms ("
                    + failureDelay + ")");
        }
        r.check();
        RemoteShell.Limits limits = new RemoteShell.Limits(readTimeout, lineTimeout, idleTimeout, failureDelay,
                failureMaxDelay, failureWindow);
        return enabled ? new RemoteShell.Settings(address, port, Path.of(tokenFile.trim()), anyCommand, maxConnections,
                limits) : null;
    }

    /** @return the exit status a {@link CommandException} asks for (4: a called run did not succeed), else 1 */
    static int exitCode(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof CommandException c) {
                return c.exitCode();
            }
        }
        return CommandException.FAILED;
    }

    /**
     * @param line the command line that failed
     * @return the command's own message if it failed with a {@link CommandException}; for arguments that fit none
     *         of a command's signatures (Gogo's "Cannot coerce ..."), what is wrong and the command's usage; else a
     *         short line
     */
    static String oneLine(Throwable e, String line) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof CommandException) {
                return t.getMessage();
            }
        }
        return Usage.explain(line, e.getMessage())
                .orElseGet(() -> "error: " + (e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage()));
    }

    /** Runs one line in a fresh session: its output and result go to {@code out}; errors give exit code 1. */
    private int run(String line, PrintWriter out) {
        ByteArrayOutputStream buffer = new ByteArrayOutputStream();
        PrintStream capture = new PrintStream(buffer, true, StandardCharsets.UTF_8);
        int code = 0;
        try (CommandSession session = processor.createSession(InputStream.nullInputStream(), capture, capture)) {
            session.put(CommandSession.OPTION_NO_GLOB, Boolean.TRUE);
            Object result = session.execute(line);
            if (result != null) {
                capture.println(session.format(result, Converter.INSPECT));
            }
        } catch (Exception e) {
            capture.println(oneLine(e, line));
            code = exitCode(e);
        }
        capture.flush();
        String text = buffer.toString(StandardCharsets.UTF_8);
        out.print(text.endsWith("\n") || text.isEmpty() ? text : text + "\n");
        return code;
    }
}
