package com.example.reports;

import java.io.IOException;
import java.time.Duration;
import java.util.Optional;

import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.pluginscheduler.api.RetryDecision;
import org.pluginscheduler.api.TaskFailure;
import org.pluginscheduler.api.TaskFailureHandler;

/**
 * A failure hook, as README section 5 describes: it speaks only about this bundle's tasks, ranks below the
 * administrators' retry rules (0), and decides only what it understands; anything else is left to the task's
 * retry policy. (BundleContext comes from osgi.core, a provided dependency in the pom.)
 */
@Component(service = TaskFailureHandler.class, property = "service.ranking:Integer=" + ReportFailureHook.RANKING)
public class ReportFailureHook implements TaskFailureHandler {

    static final int RANKING = -100;
    static final Duration REPORT_SERVER_DELAY = Duration.ofMinutes(10);

    private volatile String owner;

    @Activate
    void activate(BundleContext context) {
        owner = context.getBundle().getSymbolicName(); // the owner of this bundle's tasks
    }

    @Override
    public Optional<RetryDecision> onFailure(TaskFailure failure) {
        if (!failure.taskId().owner().equals(owner) || failure.error().isEmpty()) {
            return Optional.empty(); // not ours, or no exception to judge by
        }
        if (failure.error().get() instanceof IOException) {
            return Optional.of(RetryDecision.retryAfter(REPORT_SERVER_DELAY,
                    "report server unreachable; retrying in 10 minutes"));
        }
        return Optional.empty(); // the task's policy decides
    }
}
