package com.example.smallest;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Modified;
import org.pluginscheduler.api.OverlapPolicy;
import org.pluginscheduler.api.TaskAction;
import org.pluginscheduler.api.TaskExecution;
import org.pluginscheduler.api.TaskResult;
import org.pluginscheduler.api.TaskSchedule;

@Component
@TaskSchedule(value = "on-demand", id = "export", timeout = "PT10M", retries = 3, retry_delay = "PT1M",
        overlap = OverlapPolicy.ALLOW) // exports of different customers run side by side
public class ExportTask implements TaskAction {

    private final Path folder;

    public ExportTask() {
        this(Path.of("exports")); // relative to the runtime's working directory
    }

    ExportTask(Path folder) {
        this.folder = folder;
    }

    @Modified // a new configuration changes the task in place: an export in progress goes on
    void modified() {
    }

    @Override
    public TaskResult execute(TaskExecution run) throws IOException {
        String customer = run.arguments().get("customer");
        if (customer == null || !customer.matches("[a-z0-9-]+")) {
            return TaskResult.failure("argument customer must be lower-case letters, digits or '-', not " + customer);
        }
        Path file = Files.createDirectories(folder).resolve(customer + ".txt");
        Files.writeString(file, "export of " + customer + " at " + run.startTime() + System.lineSeparator());
        return TaskResult.success("wrote " + file).withData("file", file);
    }
}
