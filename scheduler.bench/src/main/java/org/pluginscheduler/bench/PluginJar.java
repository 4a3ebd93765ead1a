package org.pluginscheduler.bench;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;

/** Packages one activator class of {@code org.pluginscheduler.bench.plugin} as a plugin bundle. */
final class PluginJar {

    private PluginJar() {
    }

    /**
     * @param activator a class without nested classes that uses only the OSGi framework and the scheduler API
     * @param headers   extra manifest headers the activator reads
     */
    static Path build(Path jar, String symbolicName, Class<?> activator, Map<String, String> headers)
            throws IOException {
        Manifest manifest = new Manifest();
        Attributes a = manifest.getMainAttributes();
        a.put(Attributes.Name.MANIFEST_VERSION, "1.0");
        a.putValue("Bundle-ManifestVersion", "2");
        a.putValue("Bundle-SymbolicName", symbolicName);
        a.putValue("Bundle-Version", "1.0.0");
        a.putValue("Bundle-Activator", activator.getName());
        a.putValue("Import-Package", "org.osgi.framework;version=\"[1.8,2)\","
                + "org.pluginscheduler.api;version=\"[1.0,2)\"");
        a.putValue("Require-Capability", "osgi.ee;filter:=\"(&(osgi.ee=JavaSE)(version>=17))\"");
        headers.forEach(a::putValue);
        Files.createDirectories(jar.toAbsolutePath().getParent());
        String entry = activator.getName().replace('.', '/') + ".class";
        try (OutputStream out = Files.newOutputStream(jar); JarOutputStream jos = new JarOutputStream(out, manifest);
             InputStream classFile = activator.getClassLoader().getResourceAsStream(entry)) {
            if (classFile == null) {
                throw new IOException("class file not found: " + entry);
            }
            jos.putNextEntry(new JarEntry(entry));
            classFile.transferTo(jos);
            jos.closeEntry();
        }
        return jar;
    }
}
