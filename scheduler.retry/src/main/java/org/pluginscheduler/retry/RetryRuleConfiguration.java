package org.pluginscheduler.retry;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.AttributeType;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;
import org.osgi.service.metatype.annotations.Option;

/**
 * One retry rule: a factory configuration of PID {@value RetryRuleComponent#FACTORY_PID}, for example the file
 * {@code etc/org.pluginscheduler.retry.rule-ratelimit.cfg}.
 *
 * <p>Method names map to property names with {@code _} read as {@code .}: {@code max_delay()} is the property
 * {@code max.delay}. Values are validated in one place, {@link RetryRule#from}; list properties also accept one
 * comma-separated text, which is all a {@code .cfg} file can hold.
 */
@ObjectClassDefinition(
        name = "Plugin Scheduler retry rule",
        description = "When a run of a matching task fails, times out or is abandoned: retry it after a delay, "
                + "give up (dead letter if the task is eligible) or abort its remaining retries. Rules are "
                + "consulted in ranking order, highest first, before the task's own retry policy; the first "
                + "matching rule decides. A retry never exceeds the task policy's maximum number of retries.")
@interface RetryRuleConfiguration {

    @AttributeDefinition(
            name = "Task",
            description = "Glob over the qualified task id <owner>:<task-id>[@<tenant>]: '*' matches any run of "
                    + "characters (also ':' and '@'), '?' exactly one; everything else literally. Examples: "
                    + "'sample.cleanup.plugin:*', '*:import-*', '*@acme'.")
    String task() default "*";

    @AttributeDefinition(
            name = "Exception classes",
            description = "Optional. Fully qualified class names (nested classes with '$'). Matches if the run's "
                    + "exception, or any exception in its cause chain, is of one of these classes or a subclass "
                    + "of one. Compared by name, so plugin classes need not be visible. Empty: no condition; "
                    + "set: runs without an exception (a failed result, a timeout) do not match.",
            required = false)
    String[] exception() default {};

    @AttributeDefinition(
            name = "Message pattern",
            description = "Optional. A Java regular expression searched for (not matched in full) in the failure "
                    + "message, e.g. '(?i)rate limit'. For a thrown exception the message is "
                    + "'<SimpleClassName>: <exception message>'.",
            required = false)
    String message() default "";

    @AttributeDefinition(
            name = "Run statuses",
            description = "Optional. FAILED, TIMED_OUT and/or ABANDONED. Empty: all three.",
            required = false)
    String[] status() default {};

    @AttributeDefinition(
            name = "Action",
            description = "What a matching failure gets: 'retry' (after the delay below, still within the task "
                    + "policy's maximum retries), 'give-up' (no more retries; dead letter if the task is "
                    + "eligible) or 'abort' (no more retries, no dead letter).",
            options = {
                    @Option(label = "retry", value = "retry"),
                    @Option(label = "give-up", value = "give-up"),
                    @Option(label = "abort", value = "abort")})
    String action();

    @AttributeDefinition(
            name = "Delay",
            description = "For 'retry': the wait before the retry, an ISO-8601 duration such as PT30S, PT5M, PT1H. "
                    + "At most 365 days.",
            required = false)
    String delay() default "PT30S";

    @AttributeDefinition(
            name = "Backoff factor",
            description = "For 'retry': the delay grows by this factor per failed attempt: delay × backoff^"
                    + "(attempt − 1). 1 (the default) keeps it constant. From 1 to 100.",
            type = AttributeType.DOUBLE,
            required = false)
    double backoff() default 1.0;

    @AttributeDefinition(
            name = "Maximum delay",
            description = "For 'retry': optional cap on the grown delay, an ISO-8601 duration, not shorter than "
                    + "the delay. Empty: 365 days.",
            required = false)
    String max_delay() default "";

    @AttributeDefinition(
            name = "Reason",
            description = "Optional. Recorded with the decision in the run's message. Empty: a description of "
                    + "the rule.",
            required = false)
    String reason() default "";

    @AttributeDefinition(
            name = "Ranking",
            description = "Rules (and other failure handlers) are consulted highest ranking first; equal rankings "
                    + "in the order they were registered. Becomes the handler's service.ranking.",
            type = AttributeType.INTEGER,
            required = false)
    int ranking() default 0;
}
