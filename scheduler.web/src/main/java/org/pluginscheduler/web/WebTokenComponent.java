package org.pluginscheduler.web;

import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.metatype.annotations.Designate;
import org.pluginscheduler.internal.config.ConfigReader;
import org.pluginscheduler.web.auth.Authenticator;
import org.pluginscheduler.web.auth.Role;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** One configured bearer token ({@value WebConfiguration#TOKEN_PID} factory configuration). */
@Component(service = WebTokenComponent.class, configurationPid = WebConfiguration.TOKEN_PID,
        configurationPolicy = ConfigurationPolicy.REQUIRE)
@Designate(ocd = WebTokenConfiguration.class, factory = true)
public final class WebTokenComponent {

    private static final Logger LOG = LoggerFactory.getLogger(WebTokenComponent.class);
    private static final List<String> KEYS = List.of("name", "role", "token.sha256");
    private static final Pattern SHA256 = Pattern.compile("[0-9a-f]{64}");

    private final Authenticator.Token token;

    @Activate
    public WebTokenComponent(Map<String, Object> properties) {
        String pid = String.valueOf(properties.get("service.pid"));
        ConfigReader r = new ConfigReader(properties, KEYS);
        r.unknownKeyWarnings().forEach(w -> LOG.warn("Configuration {}: {}", pid, w));
        String name = r.string("name", "").trim();
        if (!WebUserComponent.NAME.matcher(name).matches()) {
            r.problem("name", "'" + name + "' must be 1 to 64 letters, digits, '.', '_', '@' or '-'");
        }
        Role role = r.parse("role", Role.VIEWER, Role::parse);
        String digest = r.string("token.sha256", "").trim().toLowerCase(Locale.ROOT);
        if (!SHA256.matcher(digest).matches()) {
            r.problem("token.sha256", "must be 64 hex digits (the SHA-256 of the token, never the token)");
        }
        try {
            r.check();
        } catch (IllegalArgumentException e) {
            LOG.error("API token configuration {} rejected, this token is refused: {}", pid, e.getMessage());
            throw e;
        }
        this.token = new Authenticator.Token(name, role, digest);
    }

    Authenticator.Token token() {
        return token;
    }
}
