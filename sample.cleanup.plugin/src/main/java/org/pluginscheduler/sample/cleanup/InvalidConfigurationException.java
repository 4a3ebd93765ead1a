package org.pluginscheduler.sample.cleanup;

import java.util.List;

/**
 * A configuration that cannot be used. Checked, so the caller has to decide what stays in force.
 */
final class InvalidConfigurationException extends Exception {
    private static final long serialVersionUID = 1L;

    private final List<String> problems;

    /** @param problems one {@code "field: detail"} entry per problem; not empty */
    InvalidConfigurationException(List<String> problems) {
        super(String.join("; ", problems));
        this.problems = List.copyOf(problems);
    }

    /** @return one {@code "field: detail"} entry per problem */
    List<String> problems() {
        return problems;
    }
}
