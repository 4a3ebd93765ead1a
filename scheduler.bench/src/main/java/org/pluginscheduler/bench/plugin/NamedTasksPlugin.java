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
 * A plugin bundle (W1) whose tasks look like an operator's: ids {@code job-00000}, {@code job-00001}, ... numbered
 * from {@code Bench-First}, {@code Bench-Tasks} of them, with names that are not their ids ("Nightly report 7",
 * "Hourly export 8"), half of them cron, half interval. The web API's {@code q} filter matches ids, then names, so
 * a search for "port" (every report and export) looks at both. None fires during a benchmark. Packaged at run time by
 * {@code PluginJar} from the bench's classes; it uses only the OSGi framework and the scheduler API.
 */
public final class NamedTasksPlugin implements BundleActivator, ScheduledTaskProvider {

    private ServiceRegistration<ScheduledTaskProvider> registration;
    private List<TaskDefinition> definitions;

    @Override
    public void start(BundleContext context) {
        int first = Integer.parseInt(context.getBundle().getHeaders().get("Bench-First"));
        int count = Integer.parseInt(context.getBundle().getHeaders().get("Bench-Tasks"));
        definitions = definitions(first, count);
        registration = context.registerService(ScheduledTaskProvider.class, this, null);
    }

    /** @return the id of task number {@code i} */
    public static String id(int i) {
        return String.format("job-%05d", i);
    }

    /** @return tasks number {@code first} to {@code first + count - 1}: even ones cron reports, odd ones exports */
    public static List<TaskDefinition> definitions(int first, int count) {
        // a day that is at least a month away, so no cron task fires while it is measured
        int month = LocalDate.now().plusMonths(2).getMonthValue();
        List<TaskDefinition> list = new ArrayList<>(count);
        for (int i = first; i < first + count; i++) {
            boolean report = i % 2 == 0;
            Schedule schedule = report
                    ? new Schedule.Cron((i % 60) + " " + ((i / 60) % 24) + " 1 " + month + " *", Optional.empty())
                    : new Schedule.Interval(Duration.ofHours(1), Duration.ofHours(1), Optional.empty());
            list.add(TaskDefinition.builder(id(i)).name((report ? "Nightly report " : "Hourly export ") + i)
                    .schedule(schedule).build());
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
