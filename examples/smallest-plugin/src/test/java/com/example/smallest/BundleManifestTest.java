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

/** bnd made each annotated class a component and imports the API at the version that has @TaskSchedule. */
class BundleManifestTest {

    @Test
    void bndWroteBothComponentsAndImportsApi14() throws IOException {
        Attributes manifest;
        try (InputStream in = Files.newInputStream(Path.of("target/classes/META-INF/MANIFEST.MF"))) {
            manifest = new Manifest(in).getMainAttributes();
        }
        String imports = manifest.getValue("Import-Package");
        assertTrue(imports.contains("org.pluginscheduler.api;version=\"[1.4,2)\""), imports);
        String components = manifest.getValue("Service-Component");
        assertTrue(components.contains("OSGI-INF/com.example.smallest.DiskSpaceCheck.xml")
                && components.contains("OSGI-INF/com.example.smallest.ExportTask.xml"), components);
        assertEquals(null, manifest.getValue("Export-Package"), "nothing exported");
    }
}
