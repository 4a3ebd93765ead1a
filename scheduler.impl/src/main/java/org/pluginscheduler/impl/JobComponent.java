package org.pluginscheduler.impl;

import java.util.Locale;
import java.util.Map;

import org.osgi.framework.Constants;
import org.osgi.service.component.ComponentConstants;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.metatype.annotations.Designate;
import org.pluginscheduler.api.Priority;
import org.pluginscheduler.api.RetryPolicy;
import org.pluginscheduler.api.TaskAction;
import org.pluginscheduler.api.TaskDefinition;
import org.pluginscheduler.api.TaskId;
import org.pluginscheduler.api.TaskResult;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One configuration-defined job (factory PID {@value JobConfiguration#FACTORY_PID}). The job is a task owned by
 * {@value #OWNER}; at each run it calls the handler service named in its configuration, looked up at that moment,
 * so the job exists whether or not the handler's bundle is running (a run without its handler fails, saying so).
 * Deleting the configuration removes the job with its history; a shutdown leaves it dormant.
 */
@Component(configurationPid = JobConfiguration.FACTORY_PID, configurationPolicy = ConfigurationPolicy.REQUIRE,
        service = {})
@Designate(ocd = JobConfiguration.class, factory = true)
public final class JobComponent {

    /** The owner of configuration-defined jobs. */
    static final String OWNER = "config";

    private static final Logger LOG = LoggerFactory.getLogger(JobComponent.class);

    private final SchedulerComponent core;
    private final JobRegistry jobs;
    private String pid;
    private TaskId current;

    @Activate
    public JobComponent(@Reference SchedulerComponent core, @Reference JobRegistry jobs) {
        this.core = core;
        this.jobs = jobs;
    }

    @Activate
    void activate(JobConfiguration configuration, Map<String, Object> properties) {
        pid = String.valueOf(properties.get(Constants.SERVICE_PID));
        modified(configuration, properties);
    }

    @Modified
    void modified(JobConfiguration configuration, Map<String, Object> properties) {
        TaskDefinition definition;
        try {
            definition = definition(configuration, properties);
        } catch (IllegalArgumentException e) {
            LOG.error("Configuration {} rejected: {}; {}", pid, e.getMessage(), current == null
                    ? "the job is not registered" : "job " + current + " keeps its last good configuration");
            return;
        }
        TaskId id = TaskId.of(OWNER, definition.id());
        String handler = configuration.handler().trim();
        try {
            jobs.claimJob(id, pid);
            if (current != null && !current.equals(id)) {
                core.engine().removeTask(current);
                jobs.releaseJob(current, pid);
            }
            core.engine().addTask(SchedulerComponent.JOBS_BUNDLE_ID, OWNER, "configuration " + pid, definition,
                    run -> run(handler, run), true);
            current = id;
            LOG.info("Configuration {} applied: job {} runs handler '{}' on {}", pid, id, handler,
                    definition.scheduleText());
        } catch (IllegalArgumentException | IllegalStateException e) {
            LOG.error("Configuration {} rejected: {}", pid, e.getMessage());
        }
    }

    private TaskResult run(String handler, org.pluginscheduler.api.TaskExecution execution) throws Exception {
        TaskAction action = jobs.handler(handler);
        if (action == null) {
            return TaskResult.failure("handler '" + handler + "' is not available (no TaskAction service with "
                    + TaskAction.HANDLER_PROPERTY + "=" + handler + ")");
        }
        return action.execute(execution);
    }

    @Deactivate
    void deactivate(int reason) {
        if (current == null) {
            return;
        }
        // the id is released first: once the task is gone, nothing may still find this configuration by it
        jobs.releaseJob(current, pid);
        boolean deleted = reason == ComponentConstants.DEACTIVATION_REASON_CONFIGURATION_DELETED;
        try {
            if (deleted) {
                core.engine().removeTask(current);
                LOG.info("Job {} removed: configuration {} was deleted", current, pid);
            } else if (!TaskSchedulerService.schedulerGoing(reason)) { // else it stops with the scheduler
                core.engine().retireAdHoc(current);
            }
        } catch (IllegalStateException stopped) {
            // the scheduler is stopping too
        }
    }


    static TaskDefinition definition(JobConfiguration c, Map<String, Object> properties) {
        if (c.id() == null || c.id().isBlank()) {
            throw new IllegalArgumentException("id: is required");
        }
        if (c.handler() == null || c.handler().isBlank()) {
            throw new IllegalArgumentException("handler: is required (the task.handler name of a TaskAction service)");
        }
        if (c.schedule() == null || c.schedule().isBlank()) {
            throw new IllegalArgumentException("schedule: is required, e.g. cron:0 2 * * *");
        }
        Priority priority;
        try {
            priority = Priority.valueOf(c.priority().trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("priority: '" + c.priority() + "' is not REALTIME, NORMAL or BACKGROUND");
        }
        if (c.max_retries() < 0 || c.max_retries() > 1000) {
            throw new IllegalArgumentException("max.retries: " + c.max_retries() + " is not in 0–1000");
        }
        TaskDefinition.Builder b = TaskDefinition.builder(c.id().trim()).schedule(c.schedule().trim())
                .description(c.description()).enabledByDefault(c.enabled()).priority(priority)
                .deadLetterEligible(c.dead_letter())
                .retry(c.max_retries() == 0 ? RetryPolicy.none() : RetryPolicy.fixed(c.max_retries(),
                        TaskOverrideComponent.duration("retry.delay", c.retry_delay(), true)));
        if (!c.name().isBlank()) {
            b.name(c.name());
        }
        if (!c.timeout().isBlank()) {
            b.timeout(TaskOverrideComponent.duration("timeout", c.timeout(), false));
        }
        for (String key : c.lock_keys() == null ? new String[0] : c.lock_keys()) {
            for (String k : key.split("[,\\s]+")) {
                if (!k.isBlank()) {
                    b.lockKeys(k);
                }
            }
        }
        properties.forEach((k, v) -> {
            if (k.startsWith("config.") && k.length() > 7) {
                b.config(k.substring(7), String.valueOf(v));
            }
        });
        TaskDefinition definition = b.build();
        if (!definition.problems().isEmpty()) {
            throw new IllegalArgumentException(String.join("; ", definition.problems()));
        }
        return definition;
    }
}
