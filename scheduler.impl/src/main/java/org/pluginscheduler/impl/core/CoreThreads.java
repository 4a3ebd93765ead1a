package org.pluginscheduler.impl.core;

import java.util.Objects;
import java.util.concurrent.Executor;

/**
 * The executors the core runs its work on, each for one kind of work (see {@link CoreContext}).
 *
 * @param control       the core's own work (applying task lists, records of runs cancelled before they started,
 *                      hand-overs); never plugin code; must run its tasks one at a time, in order
 * @param providerReads starts each read of a provider's {@code tasks()} on a thread of its own; the core bounds how
 *                      many run at once ({@link ProviderReads}). An executor that runs reads on the caller's thread
 *                      (tests) makes every read complete before it returns, so none ever times out
 * @param pluginCalls   work that calls plugin code other than {@code tasks()}: failure handlers deciding about a
 *                      stuck run or an abandoned one; should be bounded
 * @param stateWriter   writes task states; must run its tasks one at a time, in order
 */
public record CoreThreads(Executor control, Executor providerReads, Executor pluginCalls, Executor stateWriter) {
    public CoreThreads {
        Objects.requireNonNull(control, "control");
        Objects.requireNonNull(providerReads, "providerReads");
        Objects.requireNonNull(pluginCalls, "pluginCalls");
        Objects.requireNonNull(stateWriter, "stateWriter");
    }
}
