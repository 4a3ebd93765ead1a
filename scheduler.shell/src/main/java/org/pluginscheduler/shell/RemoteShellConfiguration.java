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
            description = "Connections served at once. When all are taken, the one that has waited longest without "
                    + "authenticating is closed to make room; only when all run authenticated commands is a new "
                    + "connection refused (BUSY).")
    int max_connections() default 4;

    @AttributeDefinition(name = "Read timeout (ms)", min = "10", max = "600000",
            description = "Longest gap while the AUTH line or the command line is received, the wait for the "
                    + "first byte included")
    int read_timeout_ms() default 2000;

    @AttributeDefinition(name = "Line timeout (ms)", min = "10", max = "600000",
            description = "The AUTH line must arrive whole within this after connecting, the command line within "
                    + "this after OK, however steadily the client trickles bytes")
    int line_timeout_ms() default 5000;

    @AttributeDefinition(name = "Idle timeout (ms)", min = "10", max = "3600000",
            description = "A client that leaves its reply unread this long (the server cannot send) is "
                    + "disconnected")
    int idle_timeout_ms() default 10000;

    @AttributeDefinition(name = "Failed authentication delay (ms)", min = "0", max = "60000",
            description = "Wait before answering the first failed authentication of a burst; it doubles with "
                    + "each further failure from the same source (all of loopback is one source). 0: no delay")
    int auth_failure_delay_ms() default 200;

    @AttributeDefinition(name = "Failed authentication maximum delay (ms)", min = "0", max = "600000",
            description = "The doubling delay stops growing here; not less than auth.failure.delay.ms")
    int auth_failure_max_delay_ms() default 5000;

    @AttributeDefinition(name = "Failure burst window (ms)", min = "100", max = "86400000",
            description = "Quiet time that ends a burst of failures: the delay starts again from the first "
                    + "step. Refused connections are logged as one line at the start of a burst and one summary "
                    + "(count, time span) per window")
    int auth_failure_window_ms() default 60000;
}
