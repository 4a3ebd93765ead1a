package org.pluginscheduler.itests.plugin;

import java.nio.file.Path;
import java.util.Map;

import org.osgi.framework.BundleContext;

/**
 * A task service: a Declarative Services component that is a plain {@link Runnable}, its schedule and options in
 * its component properties (the {@code TaskSchedule} property names; the test writes the component XML). Each run
 * logs {@code <version> run <scheduler.id> -} to the plugin's {@link CallLog}.
 */
public class TaskServiceComponent implements Runnable {

    private volatile CallLog log;
    private volatile String id;

    void activate(BundleContext context, Map<String, Object> properties) {
        String symbolicName = context.getBundle().getSymbolicName();
        log = new CallLog(Path.of(context.getProperty(TestPluginActivator.LOG_DIR)).resolve(symbolicName + ".log"),
                context.getBundle().getVersion().toString());
        modified(properties);
    }

    void modified(Map<String, Object> properties) {
        id = String.valueOf(properties.get("scheduler.id"));
    }

    @Override
    public void run() {
        log.append("run", id, "-");
    }
}
