package org.pluginscheduler.store.h2;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.AttributeType;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/** Configuration of the H2 task store, PID {@value #PID}. */
@ObjectClassDefinition(id = H2StoreConfiguration.PID, name = "Plugin Scheduler H2 store",
        description = "Keeps task state, run history, pending runs and dead letters in an H2 database, durably: a "
                + "recorded run survives a crash of the runtime. Replaces the in-memory store while it runs.")
@interface H2StoreConfiguration {

    String PID = "org.pluginscheduler.store.h2";

    @AttributeDefinition(name = "JDBC URL",
            description = "The H2 database. Default: the file data/scheduler.mv.db under the runtime's working "
                    + "directory, opened inside this process; no TCP server is started unless the URL asks for "
                    + "one (jdbc:h2:tcp://... or AUTO_SERVER=TRUE). Relative paths start with ./ . The store sets "
                    + "WRITE_DELAY=0 itself (a URL with another write delay is rejected) and, for a database in "
                    + "this process, DB_CLOSE_ON_EXIT=FALSE unless the URL sets it, and RETENTION_TIME=1000 "
                    + "unless the URL sets it: the file holds about the last RETENTION_TIME milliseconds of "
                    + "commits beside the data (H2's own default, 45000, made it grow to gigabytes under a "
                    + "sustained load). Without sync.to.disk, a power failure can damage a file whose chunks are "
                    + "reused this soon; ;RETENTION_TIME=45000 is H2's trade-off.")
    String url() default StoreSettings.DEFAULT_URL;

    @AttributeDefinition(name = "User", required = false,
            description = "The database user. A new database makes this user its owner; the store needs owner "
                    + "(admin) rights for its schema and its durable commits.")
    String user() default StoreSettings.DEFAULT_USER;

    // ".password": a property starting with a full stop is private to the component (OSGi Compendium 104.4.3,
    // DS 112.6): it is not copied into the TaskStore service's properties, where any bundle or shell could read it
    @AttributeDefinition(name = "Password", type = AttributeType.PASSWORD, required = false,
            description = "The database user's password, key .password (private: never a service property). "
                    + "Never logged.")
    String _password() default "";

    @AttributeDefinition(name = "Maximum run age (days)", min = "1", max = "36500",
            description = "Finished runs that ended longer ago than this are pruned. Running runs never are.")
    int max_age_days() default StoreSettings.DEFAULT_MAX_AGE_DAYS;

    @AttributeDefinition(name = "Runs kept per task", min = "1", max = "10000000",
            description = "Beyond the newest this many runs of a task, finished runs are pruned.")
    int max_runs_per_task() default StoreSettings.DEFAULT_MAX_RUNS_PER_TASK;

    @AttributeDefinition(name = "Prune interval (minutes)", min = "1", max = "10080",
            description = "How often history is pruned, in the background. The first pruning runs a few seconds "
                    + "after the store starts (so a runtime restarted more often than this still prunes), then "
                    + "every interval.")
    int prune_interval_minutes() default StoreSettings.DEFAULT_PRUNE_INTERVAL_MINUTES;

    @AttributeDefinition(name = "Group commit: maximum batch", min = "1", max = "10000",
            description = "At most this many writes share one durable commit. Writes that arrive while a commit "
                    + "is under way form the next batch.")
    int group_commit_max_batch() default StoreSettings.DEFAULT_MAX_BATCH;

    @AttributeDefinition(name = "Group commit: maximum wait (ms)", min = "0", max = "1000",
            description = "How long the writer waits for more writes to join a batch that is not full before it "
                    + "commits. 0: commit what is queued at once (no added latency); writes arriving meanwhile "
                    + "share the next commit.")
    int group_commit_max_wait_ms() default StoreSettings.DEFAULT_MAX_WAIT_MS;

    @AttributeDefinition(name = "Sync to disk",
            description = "Also force every commit to the storage device (fsync), so recorded runs survive a "
                    + "power failure or an operating-system crash, not only a crash of the runtime. Slower.")
    boolean sync_to_disk() default false;
}
