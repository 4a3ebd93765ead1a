package org.pluginscheduler.store.h2;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import org.pluginscheduler.api.RunRecord;
import org.pluginscheduler.api.RunStatus;
import org.pluginscheduler.api.RunTrigger;
import org.pluginscheduler.api.TaskId;

/**
 * Another runtime using the same data folder, as a separate JVM for the tests.
 * <ul>
 * <li>{@code hold <dir>}: opens the store, prints {@code open}, keeps it open until stdin closes.</li>
 * <li>{@code write <dir>}: 4 threads record runs without end; prints {@code ok <run id>} once a recordRun
 * returned.</li>
 * </ul>
 */
public final class StoreProcess {

    private StoreProcess() {
    }

    public static void main(String[] args) throws Exception {
        PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
        H2TaskStore store = TestStores.open(Path.of(args[1]));
        if (args[0].equals("hold")) {
            out.println("open");
            new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)).readLine();
            store.close();
            return;
        }
        List<Thread> writers = new ArrayList<>();
        for (int w = 0; w < 4; w++) {
            TaskId task = TaskId.of("crash", "t" + w);
            Thread t = new Thread(() -> {
                for (long i = 0; ; i++) {
                    String runId = task.id() + "-" + i;
                    Instant now = Instant.now();
                    store.recordRun(new RunRecord(runId, task, RunTrigger.SCHEDULE, 1, RunStatus.SUCCEEDED, now,
                            Optional.of(now), Optional.of(now), "done", Map.of("i", Long.toString(i)), Map.of()));
                    synchronized (out) {
                        out.println("ok " + runId);
                    }
                }
            });
            t.setDaemon(true);
            t.start();
            writers.add(t);
        }
        TimeUnit.MINUTES.sleep(1); // the test kills this process long before
        System.exit(3);
    }

    /** Starts {@code mode} in a new JVM on the test class path. */
    static Process start(String mode, Path dir) throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        return new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"), StoreProcess.class.getName(),
                mode, dir.toString()).redirectError(ProcessBuilder.Redirect.DISCARD).start();
    }
}
