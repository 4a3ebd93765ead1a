package org.pluginscheduler.api;

import java.time.Duration;

import org.osgi.annotation.versioning.ProviderType;

/**
 * The administrator's {@link TaskScheduler}: its scope is every task of every owner, and it adds the operations on
 * the whole scheduler. For the shell, the web surface and other administration tools; a plugin uses the
 * {@code TaskScheduler} service, whose scope is its own bundle's tasks.
 *
 * <p>Registered as a bundle-scoped service like {@code TaskScheduler}: the ad-hoc tasks an administration tool adds
 * are owned by that tool's bundle. Every inherited method acts on any task: {@link #tasks()} lists all of them,
 * {@link #deadLetters()} all dead letters, {@link #resolve(String)} matches a bare id across owners.
 *
 * <p>Guarding it: inside one JVM without Java security, any bundle that imports this package can get the service.
 * Where the framework runs with a security manager, grant {@code ServicePermission} {@code GET} on
 * {@code org.pluginscheduler.api.SchedulerAdmin} to the administration bundles only.
 */
@ProviderType
public interface SchedulerAdmin extends TaskScheduler {

    /** Pauses the whole scheduler: no task fires until {@link #resumeAll()}; running work finishes. */
    @Override
    void pauseAll();

    /** Resumes the whole scheduler. */
    @Override
    void resumeAll();

    /**
     * Purges finished run history of every task that ended more than {@code olderThan} ago. Running runs are never
     * purged. Dead letters are not affected.
     *
     * @return how many run records were removed
     */
    @Override
    int purgeHistory(Duration olderThan);

    /**
     * Registers an observer of every task's finished runs and of store writes. The observer gets its own bounded
     * queue and daemon thread (named after it), so a slow, blocking or throwing observer never delays the scheduler
     * nor any other observer: when its queue is full, its events are dropped and counted. Events reach one observer
     * in order, on one thread, in bursts: after delivering what was queued, the thread lets new events gather for
     * about 10 ms (waking per event cost the scheduler's own threads CPU), so an event arrives within a few tens of
     * milliseconds. Registering the same observer twice registers it twice.
     *
     * <p>Only the runs that finish after this call are observed. Observers are removed when the subscription is
     * closed, when the admin service is released by the bundle that got it, and when the scheduler stops.
     *
     * @param observer the observer
     * @return a handle; closing it removes the observer (idempotent)
     * @since 1.5
     */
    Subscription observe(SchedulerObserver observer);

    /**
     * A registration that can be cancelled.
     *
     * @since 1.5
     */
    @ProviderType
    interface Subscription extends AutoCloseable {

        /**
         * Cancels the registration: the observer's queued events are discarded and its thread stops; an event being
         * delivered when this is called is the last one it gets. Does not wait for the observer. Idempotent; never
         * throws.
         */
        @Override
        void close();

        /**
         * @return how many events did not fit the observer's queue and were dropped (a batch of runs written
         *         together is one event), since it was registered: what it missed
         */
        long dropped();
    }
}
