package org.pluginscheduler.execution;

import java.util.Map;
import java.util.Optional;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.metatype.annotations.Designate;
import org.pluginscheduler.api.execution.ExecutableRun;
import org.pluginscheduler.api.execution.ExecutionStats;
import org.pluginscheduler.api.execution.RunExecutor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The scheduler's execution service: runs what the core hands it on one thread pool per priority.
 *
 * <ul>
 * <li><b>Pools.</b> {@code realtime.threads} (default 2), {@code worker.threads} (NORMAL, default 8) and
 * {@code background.threads} (default 2) threads, named {@code task-realtime-N}, {@code task-normal-N},
 * {@code task-background-N}. Runs of one priority start in the order they were handed over; a busy pool never
 * delays another priority.</li>
 * <li><b>Timeouts.</b> A run still running at its timeout is reported to the core, which cancels and interrupts
 * it. One that ignores the interruption for {@code stuck.after.seconds} more (default 5) is declared stuck: its pool
 * gets a replacement thread, so the stuck run does not take capacity from the others, until the stuck thread
 * returns. A pool grows at most by its own size this way.</li>
 * <li><b>Stopping</b> (the bundle stops or is updated): runs that have not started are handed back to the core at
 * once, to run on the next execution service; running runs get {@code grace.period.seconds} (default 10) to finish,
 * then they are cancelled and given one more second.</li>
 * <li><b>Configuration</b>, PID {@value ExecutionConfiguration#PID}, applies live: pool sizes change without losing or
 * repeating a run, a new stuck delay applies to runs that time out afterwards. A bad value is logged with its field
 * and the last good configuration (at first the defaults) stays in force; an unknown key is logged with the key
 * it most resembles.</li>
 * </ul>
 *
 * <p>The work is done by {@link RunPools}; this class only ties it to Declarative Services and Config Admin. The
 * configuration arrives as raw properties, not as a typed {@link ExecutionConfiguration}, so that a value Declarative
 * Services could not convert ({@code worker.threads = abc}) is reported with its field like any other bad value.
 *
 * <p>Immediate: it stays active while its bundle is, also when the core binds a better execution service instead
 * (a delayed component would then be deactivated, and its running runs cancelled after the grace period).
 *
 * <p>Thread-safety: Declarative Services serializes activate, modified and deactivate; they are synchronized anyway.
 * The {@link RunExecutor} methods may be called from any thread.
 */
@Component(service = RunExecutor.class, configurationPid = ExecutionConfiguration.PID, immediate = true)
@Designate(ocd = ExecutionConfiguration.class)
public final class PooledRunExecutor implements RunExecutor {

    private static final Logger LOG = LoggerFactory.getLogger(PooledRunExecutor.class);

    /** The last good settings; the defaults until a good configuration arrives. */
    private ExecutionSettings settings = ExecutionSettings.DEFAULTS;
    private ThreadTimer timer;
    private volatile RunPools pools;

    @Activate
    synchronized void activate(Map<String, Object> properties) {
        configure(properties).ifPresent(good -> settings = good);
        timer = new ThreadTimer();
        pools = new RunPools(settings, timer);
    }

    @Modified
    synchronized void modified(Map<String, Object> properties) {
        configure(properties).ifPresent(good -> {
            settings = good;
            pools.reconfigure(good);
        });
    }

    @Deactivate
    synchronized void deactivate() {
        try {
            pools.shutdown();
        } finally {
            timer.close();
        }
    }

    /**
     * Checks a configuration and logs the outcome: a WARN per unknown key, then one ERROR naming every bad field
     * and its value, or one INFO with the settings that apply.
     *
     * @return the settings to apply, or empty to keep the last good ones
     */
    static Optional<ExecutionSettings> configure(Map<String, ?> properties) {
        ExecutionSettings.unknownKeys(properties).forEach((key, closest) ->
                LOG.warn("Configuration {}: unknown key '{}' is ignored; did you mean '{}'?", ExecutionConfiguration.PID,
                        key, closest));
        try {
            ExecutionSettings good = ExecutionSettings.from(properties);
            LOG.info("Configuration {} applied: {}", ExecutionConfiguration.PID, good);
            return Optional.of(good);
        } catch (IllegalArgumentException e) {
            LOG.error("Configuration {} rejected: {}; the last good configuration stays in force",
                    ExecutionConfiguration.PID, e.getMessage());
            return Optional.empty();
        }
    }

    /** @return the settings in force */
    synchronized ExecutionSettings settings() {
        return settings;
    }

    @Override
    public void execute(ExecutableRun run) {
        pools.execute(run);
    }

    @Override
    public void executeHere(ExecutableRun run) {
        pools.executeHere(run);
    }

    @Override
    public ExecutionStats stats() {
        return pools.stats();
    }
}
