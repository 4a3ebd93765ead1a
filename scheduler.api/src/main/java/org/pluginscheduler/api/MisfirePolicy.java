package org.pluginscheduler.api;

import java.util.Objects;

/**
 * What a periodic task does about fires it missed while it or the whole scheduler was paused (and, with a
 * persistent store, while the runtime was down). The default is {@link #runOnce()}.
 *
 * @param kind       the policy
 * @param maxCatchUp for {@link Kind#CATCH_UP}: the most missed fires to run, at least 1; otherwise 0
 */
public record MisfirePolicy(Kind kind, int maxCatchUp) {

    /** The policies. */
    public enum Kind {
        /** Run once for any number of missed fires, then continue on schedule. */
        RUN_ONCE,
        /** Drop missed fires; continue on schedule. */
        SKIP,
        /** Run each missed fire, oldest first, up to {@code maxCatchUp}. */
        CATCH_UP
    }

    /** @throws IllegalArgumentException if {@code maxCatchUp} does not fit the kind */
    public MisfirePolicy {
        Objects.requireNonNull(kind, "kind");
        if (kind == Kind.CATCH_UP ? maxCatchUp < 1 || maxCatchUp > 10_000 : maxCatchUp != 0) {
            throw new IllegalArgumentException("misfire: maxCatchUp " + maxCatchUp + " is not valid for " + kind
                    + " (CATCH_UP: 1–10000, others: 0)");
        }
    }

    /** @return the default policy */
    public static MisfirePolicy runOnce() {
        return new MisfirePolicy(Kind.RUN_ONCE, 0);
    }

    /** @return a policy that drops missed fires */
    public static MisfirePolicy skip() {
        return new MisfirePolicy(Kind.SKIP, 0);
    }

    /** @return a policy that runs up to {@code max} missed fires */
    public static MisfirePolicy catchUp(int max) {
        return new MisfirePolicy(Kind.CATCH_UP, max);
    }
}
