package org.pluginscheduler.web.auth;

import java.util.Objects;
import java.util.Optional;

/**
 * Who made a request, and how they proved it.
 *
 * @param user    the user or token name
 * @param role    what they may do
 * @param via     {@code basic}, {@code bearer} or {@code session}
 * @param session the cookie session, when {@code via} is {@code session}: its CSRF token guards changes
 */
public record Principal(String user, Role role, String via, Optional<Sessions.Session> session) {
    public Principal {
        Objects.requireNonNull(user, "user");
        Objects.requireNonNull(role, "role");
        Objects.requireNonNull(via, "via");
        Objects.requireNonNull(session, "session");
    }
}
