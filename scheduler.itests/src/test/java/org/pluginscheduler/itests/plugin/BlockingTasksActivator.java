package org.pluginscheduler.itests.plugin;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import org.osgi.framework.BundleActivator;
import org.osgi.framework.BundleContext;
import org.pluginscheduler.api.ScheduledTaskProvider;
import org.pluginscheduler.api.TaskDefinition;
import org.pluginscheduler.api.TaskExecution;
import org.pluginscheduler.api.TaskResult;

/**
 * A hostile plugin: registers one provider whose {@code tasks()} ignores interruption and blocks until the bundle's
 * release file exists ({@link TestPluginActivator#releaseFile}), at most a minute; then it lists one task,
 * {@value #TASK} ({@code every:PT0.2S}). Used instead of {@link TestPluginActivator} through the bundle's
 * {@code Bundle-Activator} header.
 */
public final class BlockingTasksActivator implements BundleActivator {

    /** The id of the task listed once released. */
    public static final String TASK = "late";
    private static final long LIMIT_NANOS = Duration.ofMinutes(1).toNanos();

    @Override
    public void start(BundleContext context) {
        Path release = TestPluginActivator.releaseFile(Path.of(context.getProperty(TestPluginActivator.LOG_DIR)),
                context.getBundle().getSymbolicName());
        context.registerService(ScheduledTaskProvider.class, new ScheduledTaskProvider() {
            @Override
            public List<TaskDefinition> tasks() {
                long start = System.nanoTime();
                while (!Files.exists(release) && System.nanoTime() - start < LIMIT_NANOS) {
                    try {
                        Thread.sleep(10);
                    } catch (InterruptedException ignored) {
                        // hostile on purpose
                    }
                }
                return List.of(TaskDefinition.builder(TASK).schedule("every:PT0.2S").build());
            }

            @Override
            public TaskResult execute(TaskExecution execution) {
                return TaskResult.success("late");
            }
        }, null);
    }

    @Override
    public void stop(BundleContext context) {
        // the framework unregisters the provider
    }
}
