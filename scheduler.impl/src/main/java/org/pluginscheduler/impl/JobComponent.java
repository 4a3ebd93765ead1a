package org.pluginscheduler.impl;

import java.time.Duration;
import java.util.List;
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
import org.pluginscheduler.internal.config.ConfigReader;
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
    void activate(Map<String, Object> properties) {
        pid = String.valueOf(properties.get(Constants.SERVICE_PID));
        modified(properties);
    }

    /** Reads the raw properties, so a value of the wrong type is reported with its field like any other. */
    @Modified
    void modified(Map<String, Object> properties) {
        ConfigReader reader = reader(properties);
        reader.unknownKeyWarnings().forEach(w -> LOG.warn("Configuration {}: {}", pid, w));
        TaskDefinition definition;
        try {
            definition = definition(reader);
        } catch (IllegalArgumentException e) {
            LOG.error("Configuration {} rejected: {}; {}", pid, e.getMessage(), current == null
                    ? "the job is not registered" : "job " + current + " keeps its last good configuration");
            return;
        }
        TaskId id = TaskId.of(OWNER, definition.id());
        String handler = definitionHandler(properties);
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
            } else {
                core.engine().retireAdHoc(current);
            }
        } catch (IllegalStateException stopped) {
            // the scheduler is stopping too
        }
    }


    /** The keys of this factory PID, in the order they are described; {@code config.*} keys are the job's own. */
    static final List<String> KEYS = List.of("id", "schedule", "handler", "name", "description", "enabled",
            "priority", "timeout", "max.retries", "retry.delay", "dead.letter", "lock.keys");

    static ConfigReader reader(Map<String, ?> properties) {
        return new ConfigReader(properties, KEYS).knownPrefix(CONFIG_PREFIX);
    }

    private static final String CONFIG_PREFIX = "config.";

    private static String definitionHandler(Map<String, ?> properties) {
        return String.valueOf(properties.get("handler")).trim();
    }

    static TaskDefinition definition(Map<String, ?> properties) {
        return definition(reader(properties));
    }

    /** @throws IllegalArgumentException naming every bad field and its value */
    static TaskDefinition definition(ConfigReader r) {
        String id = r.string("id", "").trim();
        if (id.isEmpty()) {
            r.problem("id", "is required");
        }
        String handler = r.string("handler", "").trim();
        if (handler.isEmpty()) {
            r.problem("handler", "is required (the task.handler name of a TaskAction service)");
        }
        String schedule = r.string("schedule", "").trim();
        if (schedule.isEmpty()) {
            r.problem("schedule", "is required, e.g. cron:0 2 * * *");
        }
        Priority priority = r.parse("priority", Priority.NORMAL, v -> {
            try {
                return Priority.valueOf(v.toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("'" + v + "' is not REALTIME, NORMAL or BACKGROUND");
            }
        });
        String name = r.string("name", "");
        String description = r.string("description", "");
        boolean enabled = r.bool("enabled", true);
        boolean deadLetter = r.bool("dead.letter", false);
        int maxRetries = r.integer("max.retries", 0, 0, 1000);
        Duration retryDelay = r.parse("retry.delay", Duration.ofSeconds(30),
                v -> ConfigReader.duration(v, true));
        Duration timeout = r.parse("timeout", null, v -> ConfigReader.duration(v, false));
        List<String> lockKeys = r.list("lock.keys", "[,\\s]+");
        r.check();
        TaskDefinition.Builder b = TaskDefinition.builder(id).schedule(schedule)
                .description(description).enabledByDefault(enabled).priority(priority)
                .deadLetterEligible(deadLetter)
                .retry(maxRetries == 0 ? RetryPolicy.none() : RetryPolicy.fixed(maxRetries, retryDelay));
        if (!name.isBlank()) {
            b.name(name);
        }
        if (timeout != null) {
            b.timeout(timeout);
        }
        lockKeys.forEach(b::lockKeys);
        for (String key : new java.util.TreeSet<>(r.keys())) {
            if (key.startsWith(CONFIG_PREFIX) && key.length() > CONFIG_PREFIX.length()) {
                b.config(key.substring(CONFIG_PREFIX.length()), String.valueOf(r.raw(key)));
            }
        }
        TaskDefinition definition = b.build();
        if (!definition.problems().isEmpty()) {
            throw new IllegalArgumentException(String.join("; ", definition.problems()));
        }
        return definition;
    }
}
