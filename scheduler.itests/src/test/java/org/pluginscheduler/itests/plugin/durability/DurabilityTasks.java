package org.pluginscheduler.itests.plugin.durability;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import org.pluginscheduler.api.RetryPolicy;
import org.pluginscheduler.api.ScheduledTaskProvider;
import org.pluginscheduler.api.TaskDefinition;
import org.pluginscheduler.api.TaskExecution;
import org.pluginscheduler.api.TaskResult;

/**
 * The load of the durability plugin:
 * <ul>
 * <li>{@code load-000} … : interval tasks every 100 ms, 2 ms of work each (defaults: overlap SKIP, misfire
 * RUN_ONCE);</li>
 * <li>{@code job}: one-shot submissions only (its schedule is an instant far in the future), 5 ms of work;</li>
 * <li>{@code flaky}: one-shot submissions with {@code chain=<id>}: attempt 1 fails, every later attempt succeeds;
 * retried up to {@value #FLAKY_RETRIES} times {@link #FLAKY_RETRY_DELAY} apart (more than one retry, so a retry cut
 * off by a kill is retried again).</li>
 * </ul>
 * Every execution appends {@code exec <run-id> <attempt> <task> <trigger> <args>} when its code starts, before
 * anything else.
 */
final class DurabilityTasks implements ScheduledTaskProvider {

    static final String JOB = "job";
    static final String FLAKY = "flaky";
    static final int FLAKY_RETRIES = 5;
    static final Duration FLAKY_RETRY_DELAY = Duration.ofSeconds(2);
    /** Never fires: the one-shot tasks exist for submissions. */
    private static final String NEVER = "at:2099-01-01T00:00:00Z";

    private final List<TaskDefinition> tasks;
    private final EventLog log;

    DurabilityTasks(int loadTasks, EventLog log) {
        this.log = log;
        List<TaskDefinition> list = new ArrayList<>();
        for (int i = 0; i < loadTasks; i++) {
            list.add(TaskDefinition.builder(loadTaskId(i)).schedule("every:PT0.1S").build());
        }
        list.add(TaskDefinition.builder(JOB).schedule(NEVER).build());
        list.add(TaskDefinition.builder(FLAKY).schedule(NEVER)
                .retry(RetryPolicy.fixed(FLAKY_RETRIES, FLAKY_RETRY_DELAY)).build());
        tasks = List.copyOf(list);
    }

    static String loadTaskId(int i) {
        return String.format("load-%03d", i);
    }

    @Override
    public List<TaskDefinition> tasks() {
        return tasks;
    }

    @Override
    public TaskResult execute(TaskExecution run) throws Exception {
        String id = run.taskId().id();
        log.write("exec " + run.runId() + " " + run.attempt() + " " + id + " " + run.trigger() + " "
                + args(run.arguments()));
        switch (id) {
            case FLAKY -> {
                Thread.sleep(1);
                return run.attempt() == 1 ? TaskResult.failure("attempt 1 fails by design")
                        : TaskResult.success("attempt " + run.attempt() + " succeeded");
            }
            case JOB -> {
                Thread.sleep(5);
                return TaskResult.success("done " + args(run.arguments()));
            }
            default -> {
                Thread.sleep(2);
                return TaskResult.success();
            }
        }
    }

    /** @return {@code k=v,k=v} in key order, or {@code -} for none (the values used here hold no spaces) */
    static String args(Map<String, String> arguments) {
        if (arguments.isEmpty()) {
            return "-";
        }
        StringBuilder b = new StringBuilder();
        new TreeMap<>(arguments).forEach((k, v) -> b.append(b.length() == 0 ? "" : ",").append(k).append('=')
                .append(v));
        return b.toString();
    }
}
