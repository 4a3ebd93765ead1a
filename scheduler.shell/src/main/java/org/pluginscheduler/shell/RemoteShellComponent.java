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

import org.apache.felix.service.command.CommandProcessor;
import org.apache.felix.service.command.CommandSession;
import org.apache.felix.service.command.Converter;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.metatype.annotations.Designate;
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
    public RemoteShellComponent(@Reference CommandProcessor processor, RemoteShellConfiguration configuration) {
        this.processor = processor;
        modified(configuration);
    }

    @Modified
    synchronized void modified(RemoteShellConfiguration configuration) {
        if (!configuration.enabled()) {
            stop();
            current = null;
            LOG.info("Remote shell disabled");
            return;
        }
        RemoteShell.Settings settings;
        try {
            settings = settings(configuration);
        } catch (IllegalArgumentException e) {
            LOG.error("Configuration {} rejected: {}; {}", RemoteShellConfiguration.PID, e.getMessage(),
                    shell == null ? "the remote shell stays off" : "the listener in force stays");
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

    static RemoteShell.Settings settings(RemoteShellConfiguration c) {
        if (c.port() < 1 || c.port() > 65535) {
            throw new IllegalArgumentException("port: " + c.port() + " is not in 1–65535");
        }
        InetAddress address;
        try {
            address = InetAddress.getByName(c.bind_address().trim());
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("bind.address: '" + c.bind_address() + "' is not an address");
        }
        if (!address.isLoopbackAddress() && !c.allow_non_loopback()) {
            throw new IllegalArgumentException("bind.address: " + c.bind_address() + " is not a loopback address; "
                    + "set allow.non.loopback=true to listen on it");
        }
        if (c.token_file().isBlank()) {
            throw new IllegalArgumentException("token.file: must not be blank");
        }
        if (c.max_connections() < 1 || c.max_connections() > 64) {
            throw new IllegalArgumentException("max.connections: " + c.max_connections() + " is not in 1–64");
        }
        return new RemoteShell.Settings(address, c.port(), Path.of(c.token_file().trim()), c.allow_any_command(),
                c.max_connections());
    }

    /** @return the command's own message if it failed with a {@link CommandException}, else a short one */
    static String oneLine(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof CommandException) {
                return t.getMessage();
            }
        }
        return "error: " + (e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage());
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
            capture.println(oneLine(e));
            code = 1;
        }
        capture.flush();
        String text = buffer.toString(StandardCharsets.UTF_8);
        out.print(text.endsWith("\n") || text.isEmpty() ? text : text + "\n");
        return code;
    }
}
