package org.pluginscheduler.api;

import java.util.List;

/**
 * A {@link TaskDefinition} failed validation. The message lists every problem, each naming its field, e.g.
 * {@code "task 'nightly': schedule: minute: 61 is not in 0–59"}.
 */
public class InvalidTaskDefinitionException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    private final List<String> problems;

    /** @param taskId the definition's id as given; @param problems one {@code "field: detail"} entry each */
    public InvalidTaskDefinitionException(String taskId, List<String> problems) {
        super("task '" + taskId + "': " + String.join("; ", problems));
        this.problems = List.copyOf(problems);
    }

    /** @return the problems, one {@code "field: detail"} entry each */
    public List<String> problems() {
        return problems;
    }
}
