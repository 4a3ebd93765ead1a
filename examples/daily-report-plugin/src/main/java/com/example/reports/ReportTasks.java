package com.example.reports;

import java.util.List;
import org.osgi.service.component.annotations.Component;
import org.pluginscheduler.api.ScheduledTaskProvider;
import org.pluginscheduler.api.TaskDefinition;
import org.pluginscheduler.api.TaskExecution;
import org.pluginscheduler.api.TaskResult;

@Component(service = ScheduledTaskProvider.class)
public class ReportTasks implements ScheduledTaskProvider {

    @Override
    public List<TaskDefinition> tasks() {
        return List.of(TaskDefinition.builder("daily-report")
                .name("Daily report")
                .description("Writes yesterday's report")
                .schedule("cron:0 6 * * *")
                .build());
    }

    @Override
    public TaskResult execute(TaskExecution run) throws Exception {
        // run.taskId().id() tells you which of your tasks is running
        return TaskResult.success("report written");
    }
}
