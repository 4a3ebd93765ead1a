package org.pluginscheduler.retry;

import java.util.List;

/** A retry rule configuration that cannot be used. Checked, so the caller has to decide what stays in force. */
final class InvalidRuleException extends Exception {
    private static final long serialVersionUID = 1L;

    private final List<String> problems;

    /** @param problems one {@code "field: detail"} entry per problem; not empty */
    InvalidRuleException(List<String> problems) {
        super(String.join("; ", problems));
        this.problems = List.copyOf(problems);
    }

    /** @return one {@code "field: detail"} entry per problem, in the order of the fields */
    List<String> problems() {
        return problems;
    }
}
