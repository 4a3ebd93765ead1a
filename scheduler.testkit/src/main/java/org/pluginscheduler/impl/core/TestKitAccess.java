package org.pluginscheduler.impl.core;

import java.time.Instant;
import java.util.Optional;

/**
 * Not API: the one thing the test kit needs from the core that is not public, the core's timer driven by hand.
 * The test kit runs on a plain class path (never in OSGi), where this class joins the core's package.
 */
public final class TestKitAccess {

    private TestKitAccess() {
    }

    /**
     * Fires every timer entry of {@code engine} due at its clock's current instant (fires, retries, lock waits).
     *
     * @return when the next entry is due, if any
     */
    public static Optional<Instant> runDue(SchedulerEngine engine) {
        return engine.timer().runDue();
    }
}
