package org.pluginscheduler.execution;

import java.util.Map;
import java.util.Optional;

import org.osgi.framework.BundleContext;
import org.osgi.framework.BundleEvent;
import org.osgi.framework.BundleListener;
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
 * {@code task-background-N}. A busy pool never delays another priority.</li>
 * <li><b>Shares per owner</b> (bulkheads). An owner (the bundle a task belongs to: {@code taskId().owner()}) holds
 * at most {@code owner.share.percent} (default 50) of a pool's configured threads at once, rounded down and at least
 * one; its further runs wait in its own queue, and a free thread goes to the next owner in turn that has runs
 * waiting and is under its share (round robin across owners, first come first served within one). So with the
 * defaults one plugin holds at most 4 of the 8 NORMAL threads, and another plugin's runs never wait behind its
 * backlog. With a pool of one thread, one owner can still hold that thread.</li>
 * <li><b>Timeouts.</b> A run still running at its timeout is reported to the core, which cancels and interrupts
 * it. One that ignores the interruption for {@code stuck.after.seconds} more (default 5) is declared stuck: its pool
 * gets a replacement thread, so the stuck run does not take capacity from the others, until the stuck thread
 * returns. A pool grows at most by its own size this way. A stuck run still counts against its owner's share until
 * its thread returns, and that thread is then retired, never handed another run. When a bundle is uninstalled
 * while runs of its tasks are stuck, a WARN names their threads.</li>
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
    private BundleContext context;
    /** Reports the stuck runs of a bundle that is uninstalled; the framework calls it on its own thread. */
    private final BundleListener uninstalls = event -> {
        RunPools current = pools;
        if (event.getType() == BundleEvent.UNINSTALLED && current != null
                && event.getBundle().getSymbolicName() != null) {
            current.ownerGone(event.getBundle().getSymbolicName());
        }
    };

    @Activate
    synchronized void activate(BundleContext context, Map<String, Object> properties) {
        start(properties);
        this.context = context;
        context.addBundleListener(uninstalls);
    }

    /** Starts the pools with the configuration in {@code properties} (or the defaults); activation without OSGi. */
    synchronized void start(Map<String, Object> properties) {
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
        if (context != null) {
            context.removeBundleListener(uninstalls);
            context = null;
        }
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
    public void abandoned(ExecutableRun run) {
        pools.abandon(run);
    }

    @Override
    public ExecutionStats stats() {
        return pools.stats();
    }
}
