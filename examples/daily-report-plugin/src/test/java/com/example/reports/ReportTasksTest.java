package com.example.reports;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.jar.Manifest;

import org.junit.jupiter.api.Test;
import org.pluginscheduler.api.Schedule;
import org.pluginscheduler.api.TaskDefinition;

/** The example's task is valid, and bnd wrote the manifest the README describes. */
class ReportTasksTest {

    @Test
    void theTaskIsValid() {
        TaskDefinition daily = new ReportTasks().tasks().get(0);
        assertEquals("daily-report", daily.id());
        assertEquals(java.util.List.of(), daily.problems());
        assertEquals(Schedule.parse("cron:0 6 * * *"), daily.schedule());
    }

    @Test
    void bndWroteTheComponentAndTheConsumerImport() throws IOException {
        Manifest manifest;
        try (InputStream in = Files.newInputStream(Path.of("target/classes/META-INF/MANIFEST.MF"))) {
            manifest = new Manifest(in);
        }
        String imports = manifest.getMainAttributes().getValue("Import-Package");
        assertTrue(imports.contains("org.pluginscheduler.api;version=\"[1.3,2)\""), imports);
        String components = manifest.getMainAttributes().getValue("Service-Component");
        assertTrue(components.contains("OSGI-INF/com.example.reports.ReportTasks.xml")
                && components.contains("OSGI-INF/com.example.reports.ReportFailureHook.xml"), components);
        assertEquals(null, manifest.getMainAttributes().getValue("Export-Package"), "nothing exported");
    }
}
