package org.pluginscheduler.itests.plugin;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

import org.osgi.framework.BundleActivator;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceReference;
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
 * Stop does nothing on purpose: unregistering the provider and releasing the {@code TaskScheduler} instance is the
 * framework's job, and what the tests check the scheduler reacts to.
 */
public final class TestPluginActivator implements BundleActivator {

    public static final String TASKS = "X-Test-Tasks";
    public static final String SLOW = "X-Test-Slow";
    public static final String AD_HOC = "X-Test-AdHoc-Tasks";
    /** Framework property: the folder of the call logs. */
    public static final String LOG_DIR = "itest.log.dir";

    @Override
    public void start(BundleContext context) throws Exception {
        String version = context.getBundle().getVersion().toString();
        CallLog log = new CallLog(Path.of(context.getProperty(LOG_DIR))
                .resolve(context.getBundle().getSymbolicName() + ".log"), version);
        Set<String> slow = Arrays.stream(header(context, SLOW).split(",")).map(String::trim)
                .filter(s -> !s.isEmpty()).collect(Collectors.toSet());

        String tasks = header(context, TASKS);
        if (!tasks.isBlank()) {
            context.registerService(ScheduledTaskProvider.class,
                    new HeaderTaskProvider(definitions(tasks), slow, log, version), null);
        }
        String adHoc = header(context, AD_HOC);
        if (!adHoc.isBlank()) {
            ServiceReference<TaskScheduler> reference = context.getServiceReference(TaskScheduler.class);
            if (reference == null) {
                throw new IllegalStateException("no TaskScheduler service");
            }
            TaskScheduler scheduler = context.getService(reference);
            for (TaskDefinition definition : definitions(adHoc)) {
                scheduler.addTask(definition, execution -> HeaderTaskProvider.run(execution, slow, log, version),
                        false);
            }
        }
    }

    @Override
    public void stop(BundleContext context) {
        // see the class comment
    }

    private static String header(BundleContext context, String name) {
        String value = context.getBundle().getHeaders().get(name);
        return value == null ? "" : value;
    }

    /** Parses {@code id=schedule|id=schedule}; the schedule may itself contain '=' (tz=...). */
    static List<TaskDefinition> definitions(String text) {
        List<TaskDefinition> definitions = new ArrayList<>();
        for (String entry : text.split("\\|")) {
            int eq = entry.indexOf('=');
            definitions.add(TaskDefinition.builder(entry.substring(0, eq).trim())
                    .schedule(entry.substring(eq + 1).trim()).build());
        }
        return definitions;
    }
}
