package org.pluginscheduler.bench.plugin;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.util.List;

import org.osgi.framework.BundleActivator;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceRegistration;
import org.pluginscheduler.api.ScheduledTaskProvider;
import org.pluginscheduler.api.TaskDefinition;
import org.pluginscheduler.api.TaskExecution;
import org.pluginscheduler.api.TaskResult;

/**
 * The plugin of P5 (cold start): dropped into the runtime's deploy/ folder, it registers one task that fires at
 * registration ({@code every:PT1H}, no initial delay). Its run prints {@code BENCH-FIRED <epoch-ms>} on standard
 * output and writes it to {@code fired.txt} in the working folder (the runtime does not pass its standard output
 * on), where the bench finds it.
 */
public final class FirePlugin implements BundleActivator, ScheduledTaskProvider {

    private ServiceRegistration<ScheduledTaskProvider> registration;

    @Override
    public void start(BundleContext context) {
        registration = context.registerService(ScheduledTaskProvider.class, this, null);
    }

    @Override
    public void stop(BundleContext context) {
        registration.unregister();
    }

    @Override
    public List<TaskDefinition> tasks() {
        return List.of(TaskDefinition.builder("first").schedule("every:PT1H").build());
    }

    @Override
    public TaskResult execute(TaskExecution execution) throws IOException {
        String line = "BENCH-FIRED " + Instant.now().toEpochMilli();
        System.out.println(line);
        System.out.flush();
        Path tmp = Files.writeString(Path.of("fired.tmp"), line);
        Files.move(tmp, Path.of("fired.txt"), StandardCopyOption.ATOMIC_MOVE);
        return TaskResult.success("fired");
    }
}
