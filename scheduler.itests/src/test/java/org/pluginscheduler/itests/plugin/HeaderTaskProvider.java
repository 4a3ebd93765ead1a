package org.pluginscheduler.itests.plugin;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.pluginscheduler.api.ScheduledTaskProvider;
import org.pluginscheduler.api.TaskDefinition;
import org.pluginscheduler.api.TaskExecution;
import org.pluginscheduler.api.TaskResult;

/**
 * A provider whose tasks come from the bundle's manifest. Every run is logged ({@code execute}); then, by task id:
 * <ul>
 * <li>a slow task sleeps for a minute unless interrupted, logging {@code interrupted cancelled=<isCancelled()>}
 * if it is (and ending with the interrupt);</li>
 * <li>a blocking task sleeps for its duration, ending the same way if interrupted;</li>
 * <li>a stubborn task ignores interruption: it waits until the bundle's release file exists (see
 * {@link TestPluginActivator#releaseFile}), at most a minute, logging {@code ignored-interrupt
 * cancelled=<isCancelled()>} the first time it is interrupted and {@code released} when it returns;</li>
 * <li>a failing task returns a failed result, message {@code failed <version>}.</li>
 * </ul>
 * Otherwise a run succeeds with message {@code ran <version>} and data {@code version=<version>}.
 */
public final class HeaderTaskProvider implements ScheduledTaskProvider {

    /** What the manifest says the runs of each task do. */
    static final class Behaviour {
        final Set<String> slow;
        final Set<String> fail;
        final Set<String> stubborn;
        final Map<String, Duration> block;
        final CallLog log;
        final String version;
        final Path releaseFile;

        Behaviour(Set<String> slow, Set<String> fail, Set<String> stubborn, Map<String, Duration> block, CallLog log,
                  String version, Path releaseFile) {
            this.slow = slow;
            this.fail = fail;
            this.stubborn = stubborn;
            this.block = block;
            this.log = log;
            this.version = version;
            this.releaseFile = releaseFile;
        }
    }

    private static final long STUBBORN_LIMIT_NANOS = Duration.ofMinutes(1).toNanos();

    private final List<TaskDefinition> tasks;
    private final Behaviour behaviour;

    HeaderTaskProvider(List<TaskDefinition> tasks, Behaviour behaviour) {
        this.tasks = tasks;
        this.behaviour = behaviour;
    }

    @Override
    public List<TaskDefinition> tasks() {
        return tasks;
    }

    @Override
    public TaskResult execute(TaskExecution execution) throws Exception {
        return run(execution, behaviour);
    }

    static TaskResult run(TaskExecution execution, Behaviour b) throws InterruptedException {
        CallLog log = b.log;
        String id = execution.taskId().id();
        log.append("execute", execution);
        if (b.stubborn.contains(id)) {
            ignoreInterruptsUntilReleased(execution, b);
            log.append("released", execution);
            return TaskResult.success("released " + b.version, Map.of("version", b.version));
        }
        Duration block = b.block.get(id);
        if (block != null || b.slow.contains(id)) {
            try {
                Thread.sleep(block != null ? block.toMillis() : 60_000);
            } catch (InterruptedException e) {
                log.append("interrupted cancelled=" + execution.isCancelled(), execution);
                throw e;
            }
        }
        if (b.fail.contains(id)) {
            return TaskResult.failure("failed " + b.version);
        }
        return TaskResult.success("ran " + b.version, Map.of("version", b.version));
    }

    /** Swallows every interrupt; returns once the release file exists, or after a minute at most. */
    private static void ignoreInterruptsUntilReleased(TaskExecution execution, Behaviour b) {
        long start = System.nanoTime();
        boolean interrupted = false;
        while (!Files.exists(b.releaseFile) && System.nanoTime() - start < STUBBORN_LIMIT_NANOS) {
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                if (!interrupted) {
                    interrupted = true;
                    b.log.append("ignored-interrupt cancelled=" + execution.isCancelled(), execution);
                }
            }
        }
    }
}
