package org.pluginscheduler.itests.plugin;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

import org.osgi.framework.BundleActivator;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceReference;
import org.pluginscheduler.api.Priority;
import org.pluginscheduler.api.RetryPolicy;
import org.pluginscheduler.api.ScheduledTaskProvider;
import org.pluginscheduler.api.TaskDefinition;
import org.pluginscheduler.api.TaskScheduler;

/**
 * The activator of every test plugin. Its behaviour comes from manifest headers, so one set of classes serves
 * every test:
 * <ul>
 * <li>{@value #TASKS}: {@code id=schedule|id=schedule|...}: registers one {@link HeaderTaskProvider} with these
 * tasks (definitions are built, not validated: bad ones are the scheduler's to reject).</li>
 * <li>{@value #SLOW}: {@code id,id,...}: these tasks block until interrupted.</li>
 * <li>{@value #AD_HOC}: {@code id=schedule|...}: added as ad-hoc tasks through this bundle's own
 * {@link TaskScheduler} instance.</li>
 * </ul>
 * Optional headers that shape the definitions of both kinds of task, and what their runs do (see
 * {@link HeaderTaskProvider}):
 * <ul>
 * <li>{@value #PRIORITY}: {@code id=REALTIME|id=BACKGROUND|...}</li>
 * <li>{@value #TIMEOUT}: {@code id=PT0.3S|...}</li>
 * <li>{@value #RETRY}: {@code id=3xPT1S|...}: {@link RetryPolicy#fixed} with 3 retries 1 s apart</li>
 * <li>{@value #PER_TENANT}: {@code id,id,...}: per-tenant tasks</li>
 * <li>{@value #FAIL}: {@code id,id,...}: runs return a failed result</li>
 * <li>{@value #DEAD_LETTER}: {@code id,id,...}: dead-letter eligible tasks</li>
 * <li>{@value #BLOCK}: {@code id=PT0.5S|...}: runs sleep this long (ending early if interrupted)</li>
 * <li>{@value #STUBBORN}: {@code id,id,...}: runs ignore interruption until {@link #releaseFile} exists</li>
 * </ul>
 * Stop does nothing on purpose: unregistering the provider and releasing the {@code TaskScheduler} instance is the
 * framework's job, and what the tests check the scheduler reacts to.
 */
public final class TestPluginActivator implements BundleActivator {

    public static final String TASKS = "X-Test-Tasks";
    public static final String SLOW = "X-Test-Slow";
    public static final String AD_HOC = "X-Test-AdHoc-Tasks";
    public static final String PRIORITY = "X-Test-Priority";
    public static final String TIMEOUT = "X-Test-Timeout";
    public static final String RETRY = "X-Test-Retry";
    public static final String PER_TENANT = "X-Test-PerTenant";
    public static final String FAIL = "X-Test-Fail";
    public static final String BLOCK = "X-Test-Block";
    public static final String STUBBORN = "X-Test-Stubborn";
    public static final String DEAD_LETTER = "X-Test-DeadLetter";
    /** Framework property: the folder of the call logs. */
    public static final String LOG_DIR = "itest.log.dir";

    /** @return the file whose existence releases the stubborn runs of plugin {@code symbolicName} */
    public static Path releaseFile(Path logDir, String symbolicName) {
        return logDir.resolve(symbolicName + ".release");
    }

    @Override
    public void start(BundleContext context) throws Exception {
        String version = context.getBundle().getVersion().toString();
        String symbolicName = context.getBundle().getSymbolicName();
        Path logDir = Path.of(context.getProperty(LOG_DIR));
        CallLog log = new CallLog(logDir.resolve(symbolicName + ".log"), version);
        HeaderTaskProvider.Behaviour behaviour = new HeaderTaskProvider.Behaviour(ids(context, SLOW),
                ids(context, FAIL), ids(context, STUBBORN), byId(context, BLOCK, Duration::parse), log, version,
                releaseFile(logDir, symbolicName));
        Options options = new Options(byId(context, PRIORITY, p -> Priority.valueOf(p.toUpperCase(Locale.ROOT))),
                byId(context, TIMEOUT, Duration::parse), byId(context, RETRY, TestPluginActivator::retry),
                ids(context, PER_TENANT), ids(context, DEAD_LETTER));

        String tasks = header(context, TASKS);
        if (!tasks.isBlank()) {
            context.registerService(ScheduledTaskProvider.class,
                    new HeaderTaskProvider(definitions(tasks, options), behaviour), null);
        }
        String adHoc = header(context, AD_HOC);
        if (!adHoc.isBlank()) {
            ServiceReference<TaskScheduler> reference = context.getServiceReference(TaskScheduler.class);
            if (reference == null) {
                throw new IllegalStateException("no TaskScheduler service");
            }
            TaskScheduler scheduler = context.getService(reference);
            for (TaskDefinition definition : definitions(adHoc, options)) {
                scheduler.addTask(definition, execution -> HeaderTaskProvider.run(execution, behaviour), false);
            }
        }
    }

    @Override
    public void stop(BundleContext context) {
        // see the class comment
    }

    /** What the optional headers add to the definitions. */
    private record Options(Map<String, Priority> priority, Map<String, Duration> timeout,
                           Map<String, RetryPolicy> retry, Set<String> perTenant, Set<String> deadLetter) {
    }

    private static String header(BundleContext context, String name) {
        String value = context.getBundle().getHeaders().get(name);
        return value == null ? "" : value;
    }

    /** Parses {@code id,id,...}. */
    private static Set<String> ids(BundleContext context, String name) {
        return Arrays.stream(header(context, name).split(",")).map(String::trim).filter(s -> !s.isEmpty())
                .collect(Collectors.toSet());
    }

    /** Parses {@code id=value|id=value|...}. */
    private static <T> Map<String, T> byId(BundleContext context, String name,
                                           java.util.function.Function<String, T> parser) {
        Map<String, T> result = new HashMap<>();
        for (String entry : header(context, name).split("\\|")) {
            int eq = entry.indexOf('=');
            if (eq > 0) {
                result.put(entry.substring(0, eq).trim(), parser.apply(entry.substring(eq + 1).trim()));
            }
        }
        return result;
    }

    /** Parses {@code <max-retries>x<delay>}, e.g. {@code 3xPT1S}. */
    private static RetryPolicy retry(String text) {
        int x = text.indexOf('x');
        return RetryPolicy.fixed(Integer.parseInt(text.substring(0, x).trim()),
                Duration.parse(text.substring(x + 1).trim()));
    }

    /** Parses {@code id=schedule|id=schedule}; the schedule may itself contain '=' (tz=...). */
    private static List<TaskDefinition> definitions(String text, Options options) {
        List<TaskDefinition> definitions = new ArrayList<>();
        for (String entry : text.split("\\|")) {
            int eq = entry.indexOf('=');
            String id = entry.substring(0, eq).trim();
            TaskDefinition.Builder builder = TaskDefinition.builder(id).schedule(entry.substring(eq + 1).trim());
            if (options.priority().containsKey(id)) {
                builder.priority(options.priority().get(id));
            }
            if (options.timeout().containsKey(id)) {
                builder.timeout(options.timeout().get(id));
            }
            if (options.retry().containsKey(id)) {
                builder.retry(options.retry().get(id));
            }
            if (options.perTenant().contains(id)) {
                builder.perTenant(true);
            }
            if (options.deadLetter().contains(id)) {
                builder.deadLetterEligible(true);
            }
            definitions.add(builder.build());
        }
        return definitions;
    }
}
