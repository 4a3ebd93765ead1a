package org.pluginscheduler.web;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/** One bearer token for scripts: a factory configuration, PID {@value WebConfiguration#TOKEN_PID}. */
@ObjectClassDefinition(id = WebConfiguration.TOKEN_PID, name = "Plugin Scheduler API token",
        description = "A bearer token for scripts (Authorization: Bearer <token>). Only the token's SHA-256 is "
                + "configured; web:tokenadd makes a token and its configuration.")
@interface WebTokenConfiguration {

    @AttributeDefinition(name = "Name", description = "Who uses the token, for the audit log")
    String name();

    @AttributeDefinition(name = "Role", description = "viewer (read) or operator (read and act)")
    String role() default "viewer";

    @AttributeDefinition(name = "Token SHA-256", description = "The SHA-256 of the token, 64 hex digits")
    String token_sha256();
}
