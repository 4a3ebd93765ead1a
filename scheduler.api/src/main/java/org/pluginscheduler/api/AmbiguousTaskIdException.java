package org.pluginscheduler.api;

import java.util.List;

/** A bare task id matches tasks of several owners; the message lists the qualified candidates. */
public class AmbiguousTaskIdException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    private final List<TaskId> candidates;

    /** @param id the bare id as given; @param candidates the qualified ids it matches */
    public AmbiguousTaskIdException(String id, List<TaskId> candidates) {
        super("task id '" + id + "' is ambiguous; use one of: "
                + String.join(", ", candidates.stream().map(TaskId::toString).sorted().toList()));
        this.candidates = List.copyOf(candidates);
    }

    /** @return the qualified ids the bare id matches */
    public List<TaskId> candidates() {
        return candidates;
    }
}
