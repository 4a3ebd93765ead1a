package org.pluginscheduler.web;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/** One user of the web surface: a factory configuration, PID {@value WebConfiguration#USER_PID}. */
@ObjectClassDefinition(id = WebConfiguration.USER_PID, name = "Plugin Scheduler web user",
        description = "A user of the REST API and dashboard (HTTP Basic or the log-in form). Make the hash with the "
                + "shell command web:hashpw, or let web:useradd make the whole configuration.")
@interface WebUserConfiguration {

    @AttributeDefinition(name = "Name", description = "The user name: letters, digits, . _ @ -, at most 64")
    String name();

    @AttributeDefinition(name = "Role", description = "viewer (read) or operator (read and act)")
    String role() default "viewer";

    @AttributeDefinition(name = "Password hash",
            description = "pbkdf2-sha256$<iterations>$<salt>$<hash>, from web:hashpw; never the password")
    String password_hash();
}
