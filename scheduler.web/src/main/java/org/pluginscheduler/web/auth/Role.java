package org.pluginscheduler.web.auth;

import java.util.Locale;

/** What a user may do on the web surface: read everything ({@link #VIEWER}), or also act ({@link #OPERATOR}). */
public enum Role {
    VIEWER,
    OPERATOR;

    /** @return {@code true} if this role may do what {@code needed} may */
    public boolean includes(Role needed) {
        return compareTo(needed) >= 0;
    }

    /** @return the lower-case name used in configuration and JSON */
    public String text() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** @throws IllegalArgumentException naming the accepted values */
    public static Role parse(String text) {
        for (Role role : values()) {
            if (role.text().equals(text == null ? "" : text.trim().toLowerCase(Locale.ROOT))) {
                return role;
            }
        }
        throw new IllegalArgumentException("'" + text + "' is not a role; use viewer or operator");
    }
}
