package org.pluginscheduler.impl.schedule;

import java.time.Instant;
import java.util.Optional;

/**
 * The fire instants of one schedule. Stateful implementations (RRULE) advance an internal cursor as callers ask
 * for later instants, so a fire costs a step, not a re-iteration from the start. Not thread-safe: each task owns
 * its sequence and calls it under the scheduler's lock.
 */
public interface FireSequence {

    /** @return the first fire of a newly registered schedule, given the registration instant */
    default Optional<Instant> first(Instant now) {
        return nextAfter(now);
    }

    /** @return the first fire strictly after {@code after}, or empty if the schedule is exhausted */
    Optional<Instant> nextAfter(Instant after);
}
