package org.pluginscheduler.impl;

import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

import org.osgi.framework.Constants;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.metatype.annotations.Designate;
import org.pluginscheduler.api.Schedule;
import org.pluginscheduler.api.ScheduleParseException;
import org.pluginscheduler.api.TaskId;
import org.pluginscheduler.impl.core.TaskOverride;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One factory configuration of {@value TaskOverrideConfiguration#FACTORY_PID}: validated, then handed to the core,
 * which re-registers the task with the override applied. Deleting the configuration removes the override.
 */
@Component(configurationPid = TaskOverrideConfiguration.FACTORY_PID, configurationPolicy = ConfigurationPolicy.REQUIRE,
        service = {})
@Designate(ocd = TaskOverrideConfiguration.class, factory = true)
public final class TaskOverrideComponent {

    private static final Logger LOG = LoggerFactory.getLogger(TaskOverrideComponent.class);

    private final SchedulerComponent core;
    private String pid;

    @Activate
    public TaskOverrideComponent(@Reference SchedulerComponent core) {
        this.core = core;
    }

    @Activate
    void activate(TaskOverrideConfiguration configuration, Map<String, Object> properties) {
        pid = String.valueOf(properties.get(Constants.SERVICE_PID));
        modified(configuration);
    }

    @Modified
    void modified(TaskOverrideConfiguration configuration) {
        try {
            TaskOverride override = parse(configuration);
            core.engine().override(pid, Optional.of(override));
            LOG.info("Configuration {} applied: override of {}", pid, override.task());
        } catch (IllegalArgumentException e) {
            LOG.error("Configuration {} rejected: {}; {}", pid, e.getMessage(),
                    "the last good override of this configuration (if any) stays in force");
        }
    }

    @Deactivate
    void deactivate() {
        try {
            core.engine().override(pid, Optional.empty());
        } catch (IllegalStateException stopped) {
            // the scheduler is stopping too
        }
    }

    static TaskOverride parse(TaskOverrideConfiguration c) {
        if (c.task() == null || c.task().isBlank()) {
            throw new IllegalArgumentException("task: is required (a qualified id such as my.plugin:nightly)");
        }
        TaskId task;
        try {
            task = TaskId.parse(c.task().trim());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("task: " + e.getMessage());
        }
        Optional<Boolean> enabled = optional(c.enabled()).map(v -> switch (v.toLowerCase(Locale.ROOT)) {
            case "true" -> true;
            case "false" -> false;
            default -> throw new IllegalArgumentException("enabled: '" + v + "' is not true or false");
        });
        Optional<Schedule> schedule = optional(c.schedule()).map(v -> {
            try {
                return Schedule.parse(v);
            } catch (ScheduleParseException e) {
                throw new IllegalArgumentException("schedule: " + e.getMessage());
            }
        });
        Optional<Integer> maxRetries = optional(c.max_retries()).map(v -> {
            try {
                int n = Integer.parseInt(v);
                if (n < 0 || n > 1000) {
                    throw new NumberFormatException();
                }
                return n;
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("max.retries: '" + v + "' is not a number in 0–1000");
            }
        });
        Optional<Duration> retryDelay = optional(c.retry_delay()).map(v -> duration("retry.delay", v, true));
        Optional<Duration> timeout = optional(c.timeout()).map(v -> duration("timeout", v, false));
        return new TaskOverride(task, enabled, schedule, maxRetries, retryDelay, timeout);
    }

    private static Optional<String> optional(String value) {
        return value == null || value.isBlank() ? Optional.empty() : Optional.of(value.trim());
    }

    static Duration duration(String field, String value, boolean zeroAllowed) {
        Duration d;
        try {
            d = Duration.parse(value.toUpperCase(Locale.ROOT));
        } catch (DateTimeParseException e) {
            throw new IllegalArgumentException(field + ": '" + value + "' is not an ISO-8601 duration such as PT5M");
        }
        if (d.isNegative() || !zeroAllowed && d.isZero()) {
            throw new IllegalArgumentException(field + ": " + value + " must be positive");
        }
        return d;
    }
}
