package org.pluginscheduler.impl.core;

import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;

import org.pluginscheduler.api.Priority;
import org.pluginscheduler.api.RunRecord;
import org.pluginscheduler.api.TaskId;
import org.pluginscheduler.api.execution.ExecutableRun;
import org.pluginscheduler.api.execution.RunExecutor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A run as the execution service sees it. A separate object from the {@link Execution} that task code gets
 * as its {@code TaskExecution}, so that a plugin cannot cast its context and drive its own run.
 */
final class RunHandoff implements ExecutableRun {
    private static final Logger LOG = LoggerFactory.getLogger(RunHandoff.class);
    private static final int NEW = 0;
    private static final int RUN = 1;
    private static final int REJECTED = 2;

    private final Launcher launcher;
    private final Execution execution;
    private final RunExecutor target;
    /** NEW until run() or rejected() takes effect: only the first does (an execution service may misbehave). */
    private final AtomicInteger state = new AtomicInteger(NEW);
    private volatile boolean timedOut;
    private volatile RunRecord record;

    /** @param target the execution service it is handed to */
    RunHandoff(Launcher launcher, Execution execution, RunExecutor target) {
        this.launcher = launcher;
        this.execution = execution;
        this.target = target;
    }

    @Override
    public TaskId taskId() {
        return execution.taskId();
    }

    @Override
    public String runId() {
        return execution.runId();
    }

    @Override
    public Priority priority() {
        return execution.definition().priority();
    }

    @Override
    public Optional<Duration> timeout() {
        return execution.definition().timeout().filter(t -> t.compareTo(RunShell.NO_LIMIT) <= 0);
    }

    @Override
    public void run() {
        if (state.compareAndSet(NEW, RUN)) {
            execution.handoff = this;
            record = launcher.shell.run(execution);
        } else {
            LOG.error("{} was handed to run again or after it was handed back; ignored", execution);
        }
    }

    @Override
    public void rejected(String reason) {
        if (state.compareAndSet(NEW, REJECTED)) {
            launcher.returned(execution, reason, target);
        } else {
            LOG.error("{} was handed back after it ran or was handed back; ignored", execution);
        }
    }

    @Override
    public void timedOut(Duration timeout) {
        if (state.get() == RUN) {
            timedOut = true;
            launcher.shell.timedOut(execution, timeout);
        }
    }

    @Override
    public void stuck(String thread, boolean replaced) {
        if (timedOut) { // stuck only ever follows timedOut
            launcher.shell.stuck(execution, thread, replaced);
        }
    }

    @Override
    public void cancel(String reason) {
        if (state.get() == RUN) {
            execution.cancel(reason);
        }
    }

    /** The core gave up waiting for the run after cancelling it: the execution service may replace its thread. */
    void abandoned() {
        try {
            target.abandoned(this);
        } catch (RuntimeException e) {
            LOG.error("The execution service threw when told that {} was abandoned: {}", execution, e.toString());
        }
    }

    /** @return the run's final record once {@link #run()} returned (null if it was not stored) */
    RunRecord record() {
        return record;
    }

    @Override
    public String toString() {
        return execution.toString();
    }
}
