package com.example.smallest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.jar.Attributes;
import java.util.jar.Manifest;

import org.junit.jupiter.api.Test;

/**
 * bnd made each annotated class a component and imports the API as a consumer: from the minor version it was
 * compiled against (at least 1.4, which has @TaskSchedule) up to the next major.
 */
class BundleManifestTest {

    @Test
    void bndWroteBothComponentsAndImportsTheApiAsAConsumer() throws IOException {
        Attributes manifest;
        try (InputStream in = Files.newInputStream(Path.of("target/classes/META-INF/MANIFEST.MF"))) {
            manifest = new Manifest(in).getMainAttributes();
        }
        String imports = manifest.getValue("Import-Package");
        java.util.regex.Matcher api = java.util.regex.Pattern
                .compile("org\\.pluginscheduler\\.api;version=\"\\[1\\.(\\d+),2\\)\"").matcher(imports);
        assertTrue(api.find(), imports);
        assertTrue(Integer.parseInt(api.group(1)) >= 4, "at least 1.4, for @TaskSchedule: " + imports);
        String components = manifest.getValue("Service-Component");
        assertTrue(components.contains("OSGI-INF/com.example.smallest.DiskSpaceCheck.xml")
                && components.contains("OSGI-INF/com.example.smallest.ExportTask.xml"), components);
        assertEquals(null, manifest.getValue("Export-Package"), "nothing exported");
    }
}
