package org.pluginscheduler.store.h2;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * kill -9 while four threads record runs: every run whose recordRun had returned is in the database afterwards.
 * (With H2's defaults and a plain commit, the last 0.5–1 s of commits were lost.)
 */
class CrashDurabilityTest {

    @TempDir
    Path dir;

    @Test
    void everyAcknowledgedRunSurvivesKillDashNine() throws Exception {
        Process writer = StoreProcess.start("write", dir);
        List<String> acknowledged = new ArrayList<>();
        try (BufferedReader out = new BufferedReader(new InputStreamReader(writer.getInputStream(),
                StandardCharsets.UTF_8))) {
            String line;
            while ((line = out.readLine()) != null && acknowledged.size() < 3_000) {
                acknowledged.add(line.substring("ok ".length()));
            }
            writer.toHandle().destroyForcibly(); // SIGKILL; unlike Process.destroyForcibly it keeps our pipe open
            assertTrue(writer.waitFor(10, TimeUnit.SECONDS));
            while ((line = out.readLine()) != null) { // printed before the kill
                if (line.startsWith("ok ")) {
                    acknowledged.add(line.substring("ok ".length()));
                }
            }
        }
        assertEquals(137, writer.exitValue(), "killed by SIGKILL");

        try (H2TaskStore store = TestStores.open(dir)) {
            List<String> missing = acknowledged.stream().filter(id -> store.run(id).isEmpty()).toList();
            assertEquals(0, missing.size(), () -> missing.size() + " of " + acknowledged.size()
                    + " acknowledged runs were lost, e.g. " + missing.subList(0, Math.min(10, missing.size())));
            System.out.printf("kill -9 after %d acknowledged runs: none lost%n", acknowledged.size());
        }
    }
}
