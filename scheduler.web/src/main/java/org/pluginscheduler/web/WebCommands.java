package org.pluginscheduler.web;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Dictionary;
import java.util.Hashtable;
import java.util.List;
import org.apache.felix.service.command.Descriptor;
import org.osgi.framework.InvalidSyntaxException;
import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.pluginscheduler.web.auth.Passwords;
import org.pluginscheduler.web.auth.Role;

/**
 * Gogo commands (scope {@code web}) to manage the console's users and tokens in Config Admin. Passwords and tokens
 * are generated, printed once, and only their hashes are kept.
 */
@Component(service = WebCommands.class, property = {
        "osgi.command.scope=web",
        "osgi.command.function=hashpw",
        "osgi.command.function=useradd",
        "osgi.command.function=tokenadd",
        "osgi.command.function=users",
        "osgi.command.function=userdel"})
public final class WebCommands {

    private final ConfigurationAdmin configurationAdmin;

    @Activate
    public WebCommands(@Reference ConfigurationAdmin configurationAdmin) {
        this.configurationAdmin = configurationAdmin;
    }

    @Descriptor("Print the PBKDF2 hash of a password, for password.hash in an " + WebConfiguration.USER_PID
            + " configuration file")
    public String hashpw(@Descriptor("the password") String password) {
        return Passwords.hash(password.toCharArray());
    }

    @Descriptor("Add (or replace) a web console user with a generated password, printed once")
    public String useradd(@Descriptor("user name") String name, @Descriptor("viewer or operator") String role)
            throws IOException, InvalidSyntaxException {
        Role parsed = Role.parse(role);
        if (!WebUserComponent.NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("name: '" + name + "' must be 1 to 64 letters, digits, '.', '_', '@' "
                    + "or '-'");
        }
        if (name.equals(WebAuthComponent.ADMIN)) {
            throw new IllegalArgumentException("name: 'admin' is the generated admin; choose another name");
        }
        String password = Passwords.randomSecret(18);
        Dictionary<String, Object> props = new Hashtable<>();
        props.put("name", name);
        props.put("role", parsed.text());
        props.put("password.hash", Passwords.hash(password.toCharArray()));
        configuration(WebConfiguration.USER_PID, name).update(props);
        return "user " + name + " (" + parsed.text() + "), password: " + password
                + "\n(shown once; only its hash is kept)";
    }

    @Descriptor("Add a bearer token for scripts, printed once")
    public String tokenadd(@Descriptor("who uses it (for the audit log)") String name,
                           @Descriptor("viewer or operator") String role) throws IOException, InvalidSyntaxException {
        Role parsed = Role.parse(role);
        if (!WebUserComponent.NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("name: '" + name + "' must be 1 to 64 letters, digits, '.', '_', '@' "
                    + "or '-'");
        }
        String token = Passwords.randomSecret(32);
        Dictionary<String, Object> props = new Hashtable<>();
        props.put("name", name);
        props.put("role", parsed.text());
        props.put("token.sha256", Passwords.tokenDigest(token));
        configuration(WebConfiguration.TOKEN_PID, name).update(props);
        return "token " + name + " (" + parsed.text() + "): " + token
                + "\n(shown once; send it as Authorization: Bearer <token>)";
    }

    @Descriptor("List the configured web console users and tokens (names and roles)")
    public String users() throws IOException, InvalidSyntaxException {
        List<String> lines = new ArrayList<>();
        for (String pid : List.of(WebConfiguration.USER_PID, WebConfiguration.TOKEN_PID)) {
            Configuration[] found = configurationAdmin.listConfigurations("(service.factoryPid=" + pid + ")");
            if (found != null) {
                for (Configuration c : found) {
                    if (c.getProperties() == null) {
                        continue; // made but not yet given properties
                    }
                    lines.add((pid.endsWith("user") ? "user  " : "token ") + c.getProperties().get("name") + " "
                            + c.getProperties().get("role"));
                }
            }
        }
        lines.sort(null);
        return lines.isEmpty() ? "no configured users or tokens (the generated admin is not listed)"
                : String.join("\n", lines);
    }

    @Descriptor("Remove a configured web console user or token by name")
    public String userdel(@Descriptor("user or token name") String name) throws IOException, InvalidSyntaxException {
        int removed = 0;
        for (String pid : List.of(WebConfiguration.USER_PID, WebConfiguration.TOKEN_PID)) {
            Configuration[] found = configurationAdmin.listConfigurations("(service.factoryPid=" + pid + ")");
            if (found != null) {
                for (Configuration c : found) {
                    if (c.getProperties() != null && name.equals(c.getProperties().get("name"))) {
                        c.delete();
                        removed++;
                    }
                }
            }
        }
        return removed == 0 ? "no user or token named " + name : "removed " + name;
    }

    private Configuration configuration(String factoryPid, String name) throws IOException, InvalidSyntaxException {
        Configuration[] found = configurationAdmin.listConfigurations("(&(service.factoryPid=" + factoryPid
                + ")(name=" + name + "))");
        if (found != null && found.length > 0) {
            return found[0];
        }
        return configurationAdmin.getFactoryConfiguration(factoryPid, name, "?");
    }
}
