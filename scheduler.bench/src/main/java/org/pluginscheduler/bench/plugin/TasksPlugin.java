package org.pluginscheduler.bench.plugin;

import java.time.Duration;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import org.osgi.framework.BundleActivator;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceRegistration;
import org.pluginscheduler.api.Schedule;
import org.pluginscheduler.api.ScheduledTaskProvider;
import org.pluginscheduler.api.TaskDefinition;
import org.pluginscheduler.api.TaskExecution;
import org.pluginscheduler.api.TaskResult;

/**
 * A plugin bundle (P4) with many tasks: its activator registers one {@link ScheduledTaskProvider} listing
 * {@code Bench-Tasks} tasks ({@code t0}, {@code t1}, ...) of kind {@code Bench-Kind}: {@code cron} (daily-style
 * expressions spread over minutes and hours, on a day that is not near) or {@code interval} (hourly, first fire an
 * hour away). None fires during a benchmark. Packaged at run time by {@code PluginJar} from the bench's classes; it
 * uses only the OSGi framework and the scheduler API.
 */
public final class TasksPlugin implements BundleActivator, ScheduledTaskProvider {

    private ServiceRegistration<ScheduledTaskProvider> registration;
    private List<TaskDefinition> definitions;

    @Override
    public void start(BundleContext context) {
        int count = Integer.parseInt(context.getBundle().getHeaders().get("Bench-Tasks"));
        String kind = context.getBundle().getHeaders().get("Bench-Kind");
        definitions = definitions(count, kind);
        registration = context.registerService(ScheduledTaskProvider.class, this, null);
    }

    /** @return the task list of the benchmark plugin: {@code count} tasks of one kind */
    public static List<TaskDefinition> definitions(int count, String kind) {
        // a day that is at least a month away, so no cron task fires while it is measured
        int month = LocalDate.now().plusMonths(2).getMonthValue();
        List<TaskDefinition> list = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            Schedule schedule = "cron".equals(kind)
                    ? new Schedule.Cron((i % 60) + " " + ((i / 60) % 24) + " 1 " + month + " *", Optional.empty())
                    : new Schedule.Interval(Duration.ofHours(1), Duration.ofHours(1), Optional.empty());
            list.add(TaskDefinition.builder("t" + i).schedule(schedule).build());
        }
        return list;
    }

    @Override
    public void stop(BundleContext context) {
        registration.unregister();
    }

    @Override
    public List<TaskDefinition> tasks() {
        return definitions;
    }

    @Override
    public TaskResult execute(TaskExecution execution) {
        return TaskResult.success("");
    }
}
