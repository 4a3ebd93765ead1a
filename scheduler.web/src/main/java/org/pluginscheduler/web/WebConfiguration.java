package org.pluginscheduler.web;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/**
 * The web surface's security settings, PID {@value #PID}. Where it listens (host, port, TLS) is Felix HTTP's own
 * configuration, PID {@code org.apache.felix.http}; the runtime binds it to 127.0.0.1.
 */
@ObjectClassDefinition(id = WebConfiguration.PID, name = "Plugin Scheduler web console",
        description = "Authentication and limits of the REST API and dashboard. Users and bearer tokens are "
                + "configured in " + WebConfiguration.USER_PID + " and " + WebConfiguration.TOKEN_PID + ".")
@interface WebConfiguration {

    String PID = "org.pluginscheduler.web";
    String USER_PID = "org.pluginscheduler.web.user";
    String TOKEN_PID = "org.pluginscheduler.web.token";

    @AttributeDefinition(name = "Read-only",
            description = "true: every request that would change something is refused (403), whatever the role. "
                    + "It holds even when another field of this configuration is refused; a value that is not true "
                    + "or false counts as true")
    boolean read_only() default false;

    @AttributeDefinition(name = "Generated admin",
            description = "true: a user 'admin' with the operator role and a generated password exists; the "
                    + "password is written, readable by its owner only, to admin.credential.file on first start. "
                    + "false: only configured users and tokens")
    boolean admin_generate() default true;

    @AttributeDefinition(name = "Admin credential file",
            description = "Where the generated admin's credential is kept, relative to the working directory")
    String admin_credential_file() default "data/web-admin.credential";

    @AttributeDefinition(name = "Session timeout",
            description = "A dashboard session ends after this long without a request (ISO-8601 duration)")
    String session_timeout() default "PT30M";

    @AttributeDefinition(name = "Maximum sessions", min = "1", max = "100000",
            description = "Live dashboard sessions at most; the least recently used ends first")
    int max_sessions() default 1000;

    @AttributeDefinition(name = "Failed log-ins before lock-out", min = "1", max = "1000",
            description = "Failures from one client for one user name before that name is locked out from that "
                    + "client; ×4 for any names, then every name that failed there is. A user who got nothing wrong "
                    + "from the client, and a configured token, are not refused. Every loopback address is one "
                    + "client, an IPv6 address counts by its /64; checks in progress count too; failures are "
                    + "forgotten after a quiet day (or 64 lock-outs)")
    int login_max_failures() default 5;

    @AttributeDefinition(name = "Lock-out",
            description = "First lock-out's length (ISO-8601 duration); each further one doubles, up to 64×")
    String login_lockout() default "PT1M";
}
