package ${package};

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Map;

import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Modified;
import org.pluginscheduler.api.TaskAction;
import org.pluginscheduler.api.TaskExecution;
import org.pluginscheduler.api.TaskResult;
import org.pluginscheduler.api.TaskSchedule;

/**
 * The plugin's one task: every minute it appends a line to {@code heartbeat.log} in the runtime's working
 * directory. Replace the body with your plugin's work; the schedule and options are in {@link TaskSchedule}.
 * Task id: {@code HeartbeatTask} (the class's simple name), so the runtime names it
 * {@code ${artifactId}:HeartbeatTask}.
 */
@Component
@TaskSchedule(value = "every:PT1M", timeout = "PT30S")
public class HeartbeatTask implements TaskAction {

    private final Path file;

    public HeartbeatTask() {
        this(Path.of("heartbeat.log"));
    }

    HeartbeatTask(Path file) {
        this.file = file;
    }

    /**
     * A new configuration (etc/${package}.HeartbeatTask.cfg) changes the task in place. Without this method,
     * Declarative Services would deactivate and activate the component again: its task would go away for a moment
     * and a run in progress would be cancelled.
     */
    @Modified
    void modified() {
        // the scheduler re-reads the scheduler.* properties itself
    }

    @Override
    public TaskResult execute(TaskExecution run) throws IOException {
        String note = run.arguments().getOrDefault("note", "alive"); // task:call ${artifactId}:HeartbeatTask note=hi
        Files.writeString(file, run.startTime() + " " + note + System.lineSeparator(),
                StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        return TaskResult.success("wrote to " + file, Map.of("note", note));
    }
}
