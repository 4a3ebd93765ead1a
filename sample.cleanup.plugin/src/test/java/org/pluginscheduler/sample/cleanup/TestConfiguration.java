package org.pluginscheduler.sample.cleanup;

import java.lang.annotation.Annotation;

/**
 * A {@link CleanupConfiguration} as Declarative Services would hand it over, built by hand so the component can
 * be tested without a framework. Defaults match the annotation's.
 */
record TestConfiguration(String folder, int max_age_days, String schedule, boolean enabled)
        implements CleanupConfiguration {

    static TestConfiguration defaults() {
        return new TestConfiguration("tmp", 7, "cron:0 3 * * *", true);
    }

    TestConfiguration withFolder(String folder) {
        return new TestConfiguration(folder, max_age_days, schedule, enabled);
    }

    TestConfiguration withMaxAgeDays(int days) {
        return new TestConfiguration(folder, days, schedule, enabled);
    }

    TestConfiguration withSchedule(String schedule) {
        return new TestConfiguration(folder, max_age_days, schedule, enabled);
    }

    TestConfiguration withEnabled(boolean enabled) {
        return new TestConfiguration(folder, max_age_days, schedule, enabled);
    }

    @Override
    public Class<? extends Annotation> annotationType() {
        return CleanupConfiguration.class;
    }

    /** @return the raw properties Declarative Services would pass for this configuration */
    java.util.Map<String, Object> properties() {
        return java.util.Map.of("folder", folder, "max.age.days", String.valueOf(max_age_days), "schedule", schedule,
                "enabled", String.valueOf(enabled));
    }
}
