package org.pluginscheduler.api;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

import org.osgi.service.component.annotations.ComponentPropertyType;

/**
 * Makes a Declarative Services component one scheduled task: the smallest plugin.
 *
 * <pre>
 * &#64;Component
 * &#64;TaskSchedule("cron:0 3 * * *")
 * public class NightlyCleanup implements Runnable {
 *     public void run() {
 *         // the work
 *     }
 * }
 * </pre>
 *
 * <p>This is a component property type: the annotation becomes the component's service properties (names in the
 * table below), and the scheduler tracks every {@link Runnable} or {@link TaskAction} service that has the
 * {@value #SCHEDULE_PROPERTY} property, as it tracks {@link ScheduledTaskProvider}s: the task exists while the
 * service is registered, it is owned by the registering bundle ({@code <bundle-symbolic-name>:<id>}), and when the
 * service goes away its running executions are cancelled and awaited up to the grace period. A {@code Runnable}'s
 * run succeeds when {@code run()} returns; a {@code TaskAction} gets the run's {@link TaskExecution} (attempt,
 * arguments, cancellation) and returns its {@link TaskResult}. A thrown exception is a failure either way.
 *
 * <p><b>Configuration.</b> The values are component properties, so a Config Admin configuration of the
 * component's PID (by default its class name; in the runtime a file {@code etc/<pid>.cfg}) overrides them, and
 * the task follows live: DS modifies the service's properties and the scheduler re-reads them and re-registers the
 * task, as for any changed definition (an unchanged schedule keeps its next fire). Give the component a
 * {@code @Modified} method (it may be empty): without one, DS applies a new configuration by deactivating and
 * activating the component again, so its task goes away for a moment and a run in progress is cancelled. A
 * component with {@code configurationPolicy = REQUIRE} has its task only while its configuration exists. A value
 * that is not valid leaves the task on its last good definition, with a WARN naming the property; {@code task:list}
 * shows the rejected definition beside it, as an INVALID entry with that problem.
 *
 * <p><b>Validation.</b> A task service whose first definition is not valid is INVALID in {@code task:list}, with a
 * problem that names the property, e.g. {@code scheduler.timeout: 'PT5X' is not an ISO-8601 duration such as PT5M};
 * it does not fire until the value is fixed. A {@code scheduler.*} property that is not one of the table's is a
 * problem too (a misspelt option would otherwise silently not apply).
 *
 * <table>
 * <caption>Service properties</caption>
 * <tr><th>element</th><th>property</th><th>default</th></tr>
 * <tr><td>value</td><td>{@value #SCHEDULE_PROPERTY}</td><td>(required) a {@link Schedule} text, or
 * {@code on-demand}</td></tr>
 * <tr><td>id</td><td>scheduler.id</td><td>the component name's last segment, e.g. {@code NightlyCleanup}</td></tr>
 * <tr><td>name</td><td>scheduler.name</td><td>the id</td></tr>
 * <tr><td>description</td><td>scheduler.description</td><td>empty</td></tr>
 * <tr><td>timeout</td><td>scheduler.timeout</td><td>none; an ISO-8601 duration such as {@code PT10M}</td></tr>
 * <tr><td>retries</td><td>scheduler.retries</td><td>0 (0–1000)</td></tr>
 * <tr><td>retry_delay</td><td>scheduler.retry.delay</td><td>{@code PT30S}, between retries</td></tr>
 * <tr><td>overlap</td><td>scheduler.overlap</td><td>{@code SKIP}</td></tr>
 * <tr><td>priority</td><td>scheduler.priority</td><td>{@code NORMAL}</td></tr>
 * <tr><td>misfire</td><td>scheduler.misfire</td><td>the scheduler's default; {@code RUN_ONCE}, {@code SKIP} or
 * {@code CATCH_UP}</td></tr>
 * <tr><td>max_catch_up</td><td>scheduler.max.catch.up</td><td>10, for {@code CATCH_UP} (1–10000)</td></tr>
 * <tr><td>lock_keys</td><td>scheduler.lock.keys</td><td>none</td></tr>
 * <tr><td>group</td><td>scheduler.group</td><td>none</td></tr>
 * <tr><td>per_tenant</td><td>scheduler.per.tenant</td><td>false</td></tr>
 * <tr><td>dead_letter</td><td>scheduler.dead.letter</td><td>false</td></tr>
 * <tr><td>enabled</td><td>scheduler.enabled</td><td>true: registered enabled</td></tr>
 * </table>
 *
 * <p>A bundle with many tasks, or tasks that come and go at run time, registers a {@link ScheduledTaskProvider}
 * instead. The annotation is kept at run time so that the test kit can read a task class's schedule without a
 * framework.
 *
 * @since 1.4
 */
@ComponentPropertyType
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.TYPE)
public @interface TaskSchedule {

    /** Prepended to every element's property name (see the class description). */
    String PREFIX_ = "scheduler.";

    /** The service property that holds the schedule; the scheduler tracks task services that have it. */
    String SCHEDULE_PROPERTY = "scheduler.task.schedule";

    /** @return the schedule's text form, e.g. {@code cron:0 3 * * *}, {@code every:PT5M} or {@code on-demand} */
    String value();

    /** @return the task id, unique within the bundle; empty: the component name's last segment */
    String id() default "";

    /** @return a display name; empty: the id */
    String name() default "";

    /** @return a description for administrators */
    String description() default "";

    /** @return the most a run may take, an ISO-8601 duration such as {@code PT10M}; empty: no limit */
    String timeout() default "";

    /** @return how many times a failed run is retried (0–1000) */
    int retries() default 0;

    /** @return the delay before each retry, an ISO-8601 duration */
    String retry_delay() default "PT30S";

    /** @return what a fire does while the previous run is still going */
    OverlapPolicy overlap() default OverlapPolicy.SKIP;

    /** @return the worker pool the task runs on */
    Priority priority() default Priority.NORMAL;

    /** @return {@code RUN_ONCE}, {@code SKIP} or {@code CATCH_UP}; empty: the scheduler's default */
    String misfire() default "";

    /** @return the most missed fires {@code CATCH_UP} runs */
    int max_catch_up() default 10;

    /** @return named locks every run holds */
    String[] lock_keys() default {};

    /** @return the concurrency and rate-limit group; empty: none */
    String group() default "";

    /** @return one instance per configured tenant */
    boolean per_tenant() default false;

    /** @return keep runs that exhaust their retries as dead letters */
    boolean dead_letter() default false;

    /** @return registered enabled; false: registered disabled until an administrator enables it */
    boolean enabled() default true;
}
