package org.pluginscheduler.shell;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/** Configuration of scriptable shell access, PID {@value #PID}. */
@ObjectClassDefinition(id = RemoteShellConfiguration.PID, name = "Plugin Scheduler remote shell",
        description = "Lets scripts run task:* commands against the running runtime (see the client script taskctl). "
                + "Listens on loopback only unless told otherwise; every connection must present the secret token.")
@interface RemoteShellConfiguration {

    String PID = "org.pluginscheduler.shell.remote";

    @AttributeDefinition(name = "Enabled", description = "false: nothing listens")
    boolean enabled() default true;

    @AttributeDefinition(name = "Port", min = "1", max = "65535", description = "TCP port to listen on")
    int port() default 8102;

    @AttributeDefinition(name = "Bind address",
            description = "Address to listen on. Anything but a loopback address is refused unless "
                    + "allow.non.loopback is true.")
    String bind_address() default "127.0.0.1";

    @AttributeDefinition(name = "Allow non-loopback",
            description = "Must be true to listen on an address reachable from other machines")
    boolean allow_non_loopback() default false;

    @AttributeDefinition(name = "Token file",
            description = "File holding the secret token, relative to the working directory. Generated with "
                    + "owner-only permissions on first start if missing.")
    String token_file() default "data/remote-shell.token";

    @AttributeDefinition(name = "Any command",
            description = "false (default): only single task:* commands are accepted; true: any Gogo command line")
    boolean allow_any_command() default false;

    @AttributeDefinition(name = "Maximum connections", min = "1", max = "64",
            description = "Connections served at once; more are refused")
    int max_connections() default 4;
}
