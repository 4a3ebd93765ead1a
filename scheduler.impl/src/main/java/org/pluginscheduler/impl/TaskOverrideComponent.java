package org.pluginscheduler.impl;

import java.time.Duration;
import java.util.List;
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
import org.pluginscheduler.internal.config.ConfigReader;
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
    void activate(Map<String, Object> properties) {
        pid = String.valueOf(properties.get(Constants.SERVICE_PID));
        modified(properties);
    }

    /** Reads the raw properties, so a value of the wrong type is reported with its field like any other. */
    @Modified
    void modified(Map<String, Object> properties) {
        ConfigReader reader = new ConfigReader(properties, KEYS);
        reader.unknownKeyWarnings().forEach(w -> LOG.warn("Configuration {}: {}", pid, w));
        try {
            TaskOverride override = parse(reader);
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

    /** The keys of this factory PID, in the order they are described. */
    static final List<String> KEYS = List.of("task", "enabled", "schedule", "max.retries", "retry.delay", "timeout");

    static TaskOverride parse(Map<String, ?> properties) {
        return parse(new ConfigReader(properties, KEYS));
    }

    /** @throws IllegalArgumentException naming every bad field and its value */
    static TaskOverride parse(ConfigReader r) {
        TaskId task = null;
        String taskText = r.string("task", "");
        if (taskText.isBlank()) {
            r.problem("task", "is required (a qualified id such as my.plugin:nightly)");
        } else {
            task = r.parse("task", null, TaskId::parse);
        }
        Optional<Boolean> enabled = blank(r, "enabled") ? Optional.empty() : Optional.of(r.bool("enabled", true));
        Optional<Schedule> schedule = Optional.ofNullable(r.parse("schedule", null, v -> {
            try {
                return Schedule.parse(v);
            } catch (ScheduleParseException e) {
                throw new IllegalArgumentException(e.getMessage());
            }
        }));
        Optional<Integer> maxRetries = blank(r, "max.retries") ? Optional.empty()
                : Optional.of(r.integer("max.retries", 0, 0, 1000));
        Optional<Duration> retryDelay = Optional.ofNullable(r.parse("retry.delay", null, v -> ConfigReader.duration(v, true)));
        Optional<Duration> timeout = Optional.ofNullable(r.parse("timeout", null, v -> ConfigReader.duration(v, false)));
        r.check();
        return new TaskOverride(task, enabled, schedule, maxRetries, retryDelay, timeout);
    }

    /** @return whether the key is absent or blank text: "not overridden" */
    private static boolean blank(ConfigReader r, String key) {
        Object raw = r.raw(key);
        return raw == null || raw instanceof String text && text.isBlank();
    }
}
