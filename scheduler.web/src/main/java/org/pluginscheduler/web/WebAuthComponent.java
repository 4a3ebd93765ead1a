package org.pluginscheduler.web;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.osgi.service.metatype.annotations.Designate;
import org.pluginscheduler.internal.config.ConfigReader;
import org.pluginscheduler.internal.config.SecretFiles;
import org.pluginscheduler.web.auth.Authenticator;
import org.pluginscheduler.web.auth.LoginThrottle;
import org.pluginscheduler.web.auth.Passwords;
import org.pluginscheduler.web.auth.Role;
import org.pluginscheduler.web.auth.Sessions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The web surface's authentication state, configured by {@value WebConfiguration#PID}: the users and tokens of
 * their factory configurations, the generated admin, the log-in sessions and throttle, and the read-only switch.
 * A bad configuration is refused naming the field; the settings in force stay (at first start: the defaults).
 */
@Component(service = WebAuthComponent.class, configurationPid = WebConfiguration.PID, immediate = true)
@Designate(ocd = WebConfiguration.class)
public final class WebAuthComponent {

    private static final Logger LOG = LoggerFactory.getLogger(WebAuthComponent.class);
    static final List<String> KEYS = List.of("read.only", "admin.generate", "admin.credential.file",
            "session.timeout", "max.sessions", "login.max.failures", "login.lockout");
    static final String ADMIN = "admin";

    /** The settings read from the configuration. */
    record Settings(boolean readOnly, boolean generateAdmin, Path credentialFile, Duration sessionTimeout,
                    int maxSessions, int maxFailures, Duration lockout) {
    }

    private final AuditLog audit = new AuditLog(Clock.systemUTC());
    private final List<WebUserComponent> users = new CopyOnWriteArrayList<>();
    private final List<WebTokenComponent> tokens = new CopyOnWriteArrayList<>();
    private volatile Settings settings;
    private volatile Authenticator authenticator;
    private volatile Optional<Authenticator.User> generatedAdmin = Optional.empty();
    private char[] adminPassword = new char[0];

    @Activate
    public WebAuthComponent(Map<String, Object> properties) {
        Settings read;
        try {
            read = settings(properties);
        } catch (IllegalArgumentException e) {
            read = failSafe(settings(Map.of()), properties);
            LOG.error("Configuration {} rejected: {}; the defaults are in force, except {}", WebConfiguration.PID,
                    e.getMessage(), switches(read));
        }
        apply(read);
    }

    @Modified
    synchronized void modified(Map<String, Object> properties) {
        try {
            apply(settings(properties));
        } catch (IllegalArgumentException e) {
            Settings kept = failSafe(settings, properties);
            LOG.error("Configuration {} rejected: {}; the settings in force stay, except {}", WebConfiguration.PID,
                    e.getMessage(), switches(kept));
            apply(kept);
        }
    }

    /**
     * A refused configuration must not open what it closes: its read-only and generated-admin switches count even
     * when another field is wrong, and a switch that cannot be read counts as closed (read-only on, no generated
     * admin). A typo in session.timeout must not turn a read-only console read-write.
     */
    static Settings failSafe(Settings base, Map<String, ?> properties) {
        Boolean readOnly = switchValue(properties.get("read.only"));
        Boolean generate = switchValue(properties.get("admin.generate"));
        Object file = properties.get("admin.credential.file");
        boolean fileOk = file instanceof String text && !text.isBlank();
        return new Settings(properties.containsKey("read.only") ? readOnly == null || readOnly : base.readOnly(),
                properties.containsKey("admin.generate") ? generate != null && generate && (fileOk || file == null)
                        : base.generateAdmin() && (fileOk || file == null),
                fileOk ? Path.of(((String) file).trim()) : base.credentialFile(), base.sessionTimeout(),
                base.maxSessions(), base.maxFailures(), base.lockout());
    }

    private static Boolean switchValue(Object value) {
        if (value instanceof Boolean b) {
            return b;
        }
        String text = value == null ? "" : value.toString().trim();
        return text.equalsIgnoreCase("true") ? Boolean.TRUE : text.equalsIgnoreCase("false") ? Boolean.FALSE : null;
    }

    private static String switches(Settings s) {
        return "read.only = " + s.readOnly() + " and admin.generate = " + s.generateAdmin();
    }

    static Settings settings(Map<String, ?> properties) {
        ConfigReader r = new ConfigReader(properties, KEYS);
        r.unknownKeyWarnings().forEach(w -> LOG.warn("Configuration {}: {}", WebConfiguration.PID, w));
        boolean readOnly = r.bool("read.only", false);
        boolean generate = r.bool("admin.generate", true);
        String file = r.string("admin.credential.file", "data/web-admin.credential");
        if (file.isBlank()) {
            r.problem("admin.credential.file", "must not be blank");
        }
        Duration timeout = r.parse("session.timeout", Duration.ofMinutes(30), v -> ConfigReader.duration(v, false));
        int maxSessions = r.integer("max.sessions", 1000, 1, 100_000);
        int maxFailures = r.integer("login.max.failures", 5, 1, 1000);
        Duration lockout = r.parse("login.lockout", Duration.ofMinutes(1), v -> ConfigReader.duration(v, false));
        r.check();
        return new Settings(readOnly, generate, Path.of(file.trim()), timeout, maxSessions, maxFailures, lockout);
    }

    private synchronized void apply(Settings next) {
        Settings previous = settings;
        boolean sameSessions = previous != null && previous.sessionTimeout().equals(next.sessionTimeout())
                && previous.maxSessions() == next.maxSessions() && previous.maxFailures() == next.maxFailures()
                && previous.lockout().equals(next.lockout());
        settings = next;
        Optional<Authenticator.User> admin = next.generateAdmin() ? readOrCreateAdmin(next.credentialFile())
                : Optional.empty();
        Optional<Authenticator.User> old = generatedAdmin;
        // the same password keeps the same user (and so the admin's sessions across other changes)
        generatedAdmin = admin.isPresent() && old.isPresent() && old.get().hash().matches(adminPassword)
                ? old : admin;
        if (!sameSessions) {
            // a new one (sessions and lock-outs start over) is given its users before anyone can see it
            Clock clock = Clock.systemUTC();
            Authenticator fresh = new Authenticator(clock,
                    new Sessions(clock, next.sessionTimeout(), next.maxSessions()),
                    new LoginThrottle(clock, next.maxFailures(), next.lockout()));
            fill(fresh);
            authenticator = fresh;
        } else {
            refresh();
        }
        LOG.info("Web console: {}; {} user(s), {} token(s){}", next.readOnly() ? "read-only" : "read-write",
                authenticator.userNames().size(), tokens.size(), generatedAdmin.isPresent()
                        ? "; log in as '" + ADMIN + "' with the password in " + next.credentialFile().toAbsolutePath()
                        : "");
    }

    private Optional<Authenticator.User> readOrCreateAdmin(Path file) {
        try {
            SecretFiles.Secret secret = SecretFiles.readOrCreate(file,
                    () -> "user=" + ADMIN + "\npassword=" + Passwords.randomSecret(24), 30, "credential file");
            if (secret.tightened()) {
                LOG.warn("Credential file {} was readable by others; its permissions are now rw-------",
                        file.toAbsolutePath());
            }
            String password = null;
            for (String line : secret.value().split("\n")) {
                if (line.startsWith("password=")) {
                    password = line.substring("password=".length()).trim();
                }
            }
            if (password == null || password.length() < 22) {
                LOG.error("Credential file {} has no 'password=' line of at least 22 characters; the generated admin "
                        + "cannot log in (delete the file and a new one is made)", file.toAbsolutePath());
                return Optional.empty();
            }
            if (secret.created()) {
                LOG.info("Generated the web console's admin credential in {} (readable by its owner only)",
                        file.toAbsolutePath());
            }
            adminPassword = password.toCharArray();
            return Optional.of(new Authenticator.User(ADMIN, Role.OPERATOR,
                    Passwords.ofRandomSecret(password.toCharArray())));
        } catch (IOException e) {
            LOG.error("The web console's admin credential {} is not used: {}; the generated admin "
                    + "cannot log in", file.toAbsolutePath(), e.getMessage());
            return Optional.empty();
        }
    }

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    void addUser(WebUserComponent user) {
        users.add(user);
        refresh();
    }

    void removeUser(WebUserComponent user) {
        users.remove(user);
        refresh();
    }

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    void addToken(WebTokenComponent token) {
        tokens.add(token);
        refresh();
    }

    void removeToken(WebTokenComponent token) {
        tokens.remove(token);
        refresh();
    }

    private synchronized void refresh() {
        Authenticator current = authenticator;
        if (current == null) {
            return; // bound before activation: apply() refreshes
        }
        fill(current);
    }

    private void fill(Authenticator current) {
        List<Authenticator.User> all = new ArrayList<>();
        generatedAdmin.ifPresent(all::add);
        for (WebUserComponent user : users) {
            if (all.stream().anyMatch(u -> u.name().equals(user.user().name()))) {
                LOG.warn("Web user '{}' is configured more than once (or is the generated admin); the first one "
                        + "counts", user.user().name());
                continue;
            }
            all.add(user.user());
        }
        current.setUsers(all);
        current.setTokens(tokens.stream().map(WebTokenComponent::token).toList());
    }

    Authenticator authenticator() {
        return authenticator;
    }

    AuditLog audit() {
        return audit;
    }

    boolean readOnly() {
        return settings.readOnly();
    }
}
