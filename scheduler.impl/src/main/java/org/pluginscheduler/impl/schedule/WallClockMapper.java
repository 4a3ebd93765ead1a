package org.pluginscheduler.impl.schedule;

import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.zone.ZoneOffsetTransition;
import java.time.zone.ZoneRules;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;

/**
 * Turns a sequence of wall-clock times into fire instants under the documented DST policy (see
 * {@code Schedule}): a wall time in a gap moves forward by the gap's length; a wall time in an overlap fires at
 * its first occurrence, or at both when {@code bothPasses} is set (cron expressions whose hour field is a
 * wildcard, as Vixie cron does). Instants that coincide fire once.
 *
 * <p>The common case (no transition within hours) costs one call of {@code nextWall}. Near a transition the
 * mapper looks back and ahead by the transition's length, because there wall order and instant order differ.
 */
final class WallClockMapper {

    private static final Duration NEAR = Duration.ofHours(3);
    private static final int MAX_STEPS = 100_000;

    private final ZoneId zone;
    private final ZoneRules rules;
    private final boolean bothPasses;
    private final Function<LocalDateTime, Optional<LocalDateTime>> nextWall;

    /**
     * @param nextWall the first matching wall time strictly after its argument, or empty if none
     */
    WallClockMapper(ZoneId zone, boolean bothPasses, Function<LocalDateTime, Optional<LocalDateTime>> nextWall) {
        this.zone = zone;
        this.rules = zone.getRules();
        this.bothPasses = bothPasses;
        this.nextWall = nextWall;
    }

    Optional<Instant> nextAfter(Instant after) {
        LocalDateTime local = LocalDateTime.ofInstant(after, zone);
        if (rules.isFixedOffset()) {
            ZoneOffset offset = rules.getOffset(after);
            return nextWall.apply(local).map(w -> w.toInstant(offset));
        }
        LocalDateTime cursor = lookBack(after, local);
        Instant best = null;
        LocalDateTime limit = null;
        for (int step = 0; step < MAX_STEPS; step++) {
            Optional<LocalDateTime> wall = nextWall.apply(cursor);
            if (wall.isEmpty()) {
                break;
            }
            LocalDateTime w = wall.get();
            if (limit != null && w.isAfter(limit)) {
                break;
            }
            for (Instant candidate : candidates(w)) {
                if (candidate.isAfter(after) && (best == null || candidate.isBefore(best))) {
                    best = candidate;
                    ZoneOffsetTransition near = transitionNear(best);
                    if (near == null) {
                        return Optional.of(best);
                    }
                    // around a transition a later wall time may map to an earlier instant: scan past it. Across a
                    // gap only a wall time before best's own wall time can (best may be a wall time moved forward
                    // by the gap); across an overlap, with both passes, one up to the overlap's length later
                    limit = near.isGap() ? LocalDateTime.ofInstant(best, zone)
                            : w.plus(near.getDuration().abs()).plusMinutes(1);
                }
            }
            cursor = w;
        }
        return Optional.ofNullable(best);
    }

    /** Walls before {@code local} may still map after {@code after} just behind a gap or inside an overlap. */
    private LocalDateTime lookBack(Instant after, LocalDateTime local) {
        ZoneOffsetTransition previous = rules.previousTransition(after.plusNanos(1));
        if (previous != null && previous.isGap()
                && !previous.getInstant().plus(previous.getDuration()).isBefore(after)) {
            return local.minus(previous.getDuration());
        }
        ZoneOffsetTransition next = rules.nextTransition(after);
        if (bothPasses && next != null && next.isOverlap()
                && !next.getInstant().minus(next.getDuration().abs()).isAfter(after)) {
            return next.getDateTimeAfter().minusNanos(1);
        }
        return local;
    }

    /**
     * @return a transition within {@link #NEAR} plus its own length of {@code instant}, or null: the window must
     *         cover the whole transition, for a wall time in a gap of 8 hours (Antarctica/Casey, 1969) fires up to 8
     *         hours after it, past later wall times (Pacific/Apia skipped the whole of 30 December 2011, so 18:00 on
     *         the 30th fires at 18:00 on the 31st, after 06:00 on the 31st), and a second pass of a repeated day
     *         (Alaska, 1867) comes a day after the first
     */
    private ZoneOffsetTransition transitionNear(Instant instant) {
        ZoneOffsetTransition previous = rules.previousTransition(instant.plusNanos(1));
        if (previous != null && previous.getInstant().plus(previous.getDuration().abs()).plus(NEAR).isAfter(instant)) {
            return previous;
        }
        ZoneOffsetTransition next = rules.nextTransition(instant);
        if (next != null && next.getInstant().minus(next.getDuration().abs()).minus(NEAR).isBefore(instant)) {
            return next;
        }
        return null;
    }

    private List<Instant> candidates(LocalDateTime wall) {
        List<ZoneOffset> offsets = rules.getValidOffsets(wall);
        if (offsets.size() == 1) {
            return List.of(wall.toInstant(offsets.get(0)));
        }
        ZoneOffsetTransition transition = rules.getTransition(wall);
        if (offsets.isEmpty()) {
            return List.of(wall.plus(transition.getDuration()).toInstant(transition.getOffsetAfter()));
        }
        Instant first = wall.toInstant(transition.getOffsetBefore());
        return bothPasses ? List.of(first, wall.toInstant(transition.getOffsetAfter())) : List.of(first);
    }
}
