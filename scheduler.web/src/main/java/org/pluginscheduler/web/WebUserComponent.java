package org.pluginscheduler.web;

import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.metatype.annotations.Designate;
import org.pluginscheduler.internal.config.ConfigReader;
import org.pluginscheduler.web.auth.Authenticator;
import org.pluginscheduler.web.auth.Passwords;
import org.pluginscheduler.web.auth.Role;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One configured user ({@value WebConfiguration#USER_PID} factory configuration). A configuration with a bad field
 * is refused with an ERROR naming the field, and that user cannot log in; the others are not affected.
 */
@Component(service = WebUserComponent.class, configurationPid = WebConfiguration.USER_PID,
        configurationPolicy = ConfigurationPolicy.REQUIRE)
@Designate(ocd = WebUserConfiguration.class, factory = true)
public final class WebUserComponent {

    static final Pattern NAME = Pattern.compile("[A-Za-z0-9._@-]{1,64}");
    private static final Logger LOG = LoggerFactory.getLogger(WebUserComponent.class);
    private static final List<String> KEYS = List.of("name", "role", "password.hash");

    private final Authenticator.User user;

    @Activate
    public WebUserComponent(Map<String, Object> properties) {
        this.user = read(properties, String.valueOf(properties.get("service.pid")));
    }

    static Authenticator.User read(Map<String, ?> properties, String pid) {
        ConfigReader r = new ConfigReader(properties, KEYS);
        r.unknownKeyWarnings().forEach(w -> LOG.warn("Configuration {}: {}", pid, w));
        String name = r.string("name", "").trim();
        if (!NAME.matcher(name).matches()) {
            r.problem("name", "'" + name + "' must be 1 to 64 letters, digits, '.', '_', '@' or '-'");
        }
        Role role = r.parse("role", Role.VIEWER, Role::parse);
        Passwords.Hash hash = null;
        try {
            hash = Passwords.parse(r.string("password.hash", ""));
        } catch (IllegalArgumentException e) {
            r.problem("password.hash", e.getMessage());
        }
        try {
            r.check();
        } catch (IllegalArgumentException e) {
            LOG.error("Web user configuration {} rejected, this user cannot log in: {}", pid, e.getMessage());
            throw e;
        }
        return new Authenticator.User(name, role, hash);
    }

    Authenticator.User user() {
        return user;
    }
}
