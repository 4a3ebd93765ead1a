package org.pluginscheduler.itests;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;

import org.osgi.framework.Bundle;
import org.osgi.framework.Constants;
import org.osgi.framework.FrameworkUtil;
import org.pluginscheduler.itests.plugin.TestPluginActivator;

/**
 * Builds a test plugin bundle, in the test itself: every class of the {@code plugin} package (copied out of the
 * test probe, which contains them but exports nothing) plus a manifest with the headers that drive
 * {@link TestPluginActivator}.
 *
 * <p>Why not TinyBundles: it cannot run inside this framework. Both 3.0.0 and 4.0.0 (the one Pax Exam 4.14.0
 * itself needs) import {@code aQute.bnd.osgi} mandatorily; the bndlib 3.5.0 at hand imports
 * {@code org.osgi.util.promise [1.0,1.1)}, which cannot resolve next to the promise 1.3.0 that SCR needs, and no
 * bndlib 5.x is at hand. Used outside the framework (in {@code @Configuration}), every variant would have to be
 * built up front and handed over by path. Its raw builder writes a jar just like this one.
 */
final class TestPlugin {

    private static final String PLUGIN_PACKAGE = TestPluginActivator.class.getPackageName().replace('.', '/');

    private final Map<String, String> headers = new LinkedHashMap<>();
    private final Map<String, byte[]> entries = new LinkedHashMap<>();

    private TestPlugin(String symbolicName) {
        headers.put(Constants.BUNDLE_MANIFESTVERSION, "2");
        headers.put(Constants.BUNDLE_SYMBOLICNAME, symbolicName);
        headers.put(Constants.BUNDLE_VERSION, "1.0.0");
        headers.put(Constants.BUNDLE_ACTIVATOR, TestPluginActivator.class.getName());
        headers.put(Constants.IMPORT_PACKAGE,
                "org.osgi.framework;version=\"[1.8,2)\",org.pluginscheduler.api;version=\"[1.0,2)\"");
    }

    /** @return a plugin with this symbolic name, version 1.0.0, doing nothing until told */
    static TestPlugin plugin(String symbolicName) {
        return new TestPlugin(symbolicName);
    }

    TestPlugin version(String version) {
        return header(Constants.BUNDLE_VERSION, version);
    }

    /** @param tasks {@code id=schedule|id=schedule}, registered through a ScheduledTaskProvider */
    TestPlugin tasks(String tasks) {
        return header(TestPluginActivator.TASKS, tasks);
    }

    /** @param ids tasks that block until interrupted */
    TestPlugin slow(String... ids) {
        return header(TestPluginActivator.SLOW, String.join(",", ids));
    }

    /** @param tasks {@code id=schedule|...}, added through the bundle's TaskScheduler.addTask */
    TestPlugin adHocTasks(String tasks) {
        return header(TestPluginActivator.AD_HOC, tasks);
    }

    /** @param priorities {@code id=REALTIME|id=BACKGROUND|...} */
    TestPlugin priority(String priorities) {
        return header(TestPluginActivator.PRIORITY, priorities);
    }

    /** @param timeouts {@code id=PT0.3S|...} */
    TestPlugin timeout(String timeouts) {
        return header(TestPluginActivator.TIMEOUT, timeouts);
    }

    /** @param policies {@code id=3xPT1S|...}: that many retries, each after that delay */
    TestPlugin retry(String policies) {
        return header(TestPluginActivator.RETRY, policies);
    }

    /** @param ids per-tenant tasks: one instance per configured tenant */
    TestPlugin perTenant(String... ids) {
        return header(TestPluginActivator.PER_TENANT, String.join(",", ids));
    }

    /** @param ids tasks whose runs return a failed result */
    TestPlugin fail(String... ids) {
        return header(TestPluginActivator.FAIL, String.join(",", ids));
    }

    /** @param ids dead-letter eligible tasks */
    TestPlugin deadLetter(String... ids) {
        return header(TestPluginActivator.DEAD_LETTER, String.join(",", ids));
    }

    /** @param blocks {@code id=PT0.5S|...}: runs sleep this long, ending early if interrupted */
    TestPlugin block(String blocks) {
        return header(TestPluginActivator.BLOCK, blocks);
    }

    /**
     * @param ids tasks whose runs ignore interruption until the plugin's release file exists
     *            ({@link TestPluginActivator#releaseFile})
     */
    TestPlugin stubborn(String... ids) {
        return header(TestPluginActivator.STUBBORN, String.join(",", ids));
    }

    /**
     * A Declarative Services component: the XML at {@code OSGI-INF/<name>.xml}, listed in {@code Service-Component}.
     */
    TestPlugin component(String name, String xml) {
        String path = "OSGI-INF/" + name + ".xml";
        entries.put(path, xml.getBytes(java.nio.charset.StandardCharsets.UTF_8));
        String listed = headers.get("Service-Component");
        return header("Service-Component", listed == null ? path : listed + "," + path);
    }

    TestPlugin header(String name, String value) {
        headers.put(name, value);
        return this;
    }

    String symbolicName() {
        return headers.get(Constants.BUNDLE_SYMBOLICNAME);
    }

    String location() {
        return "itest:" + symbolicName() + "/" + headers.get(Constants.BUNDLE_VERSION);
    }

    /** @return the bundle jar */
    InputStream build() {
        Manifest manifest = new Manifest();
        Attributes main = manifest.getMainAttributes();
        main.put(Attributes.Name.MANIFEST_VERSION, "1.0");
        headers.forEach(main::putValue);
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (JarOutputStream jar = new JarOutputStream(bytes, manifest)) {
            for (Map.Entry<String, URL> entry : pluginClasses().entrySet()) {
                jar.putNextEntry(new JarEntry(entry.getKey()));
                try (InputStream in = entry.getValue().openStream()) {
                    in.transferTo(jar);
                }
                jar.closeEntry();
            }
            for (Map.Entry<String, byte[]> entry : entries.entrySet()) {
                jar.putNextEntry(new JarEntry(entry.getKey()));
                jar.write(entry.getValue());
                jar.closeEntry();
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return new ByteArrayInputStream(bytes.toByteArray());
    }

    /**
     * @return path in the jar → class file: from the test probe inside a framework (Pax Exam); outside one (a
     *         plain JUnit test that deploys the jar into a runtime process), from the test-classes folder
     */
    private static Map<String, URL> pluginClasses() throws IOException {
        Map<String, URL> classes = new TreeMap<>();
        Bundle probe = FrameworkUtil.getBundle(TestPlugin.class);
        if (probe != null) {
            for (URL entry : Collections.list(probe.findEntries(PLUGIN_PACKAGE, "*.class", false))) {
                String path = entry.getPath().startsWith("/") ? entry.getPath().substring(1) : entry.getPath();
                classes.put(path, entry);
            }
            return classes;
        }
        Path folder;
        try {
            folder = Path.of(TestPluginActivator.class.getProtectionDomain().getCodeSource().getLocation().toURI())
                    .resolve(PLUGIN_PACKAGE);
        } catch (URISyntaxException e) {
            throw new IOException(e);
        }
        try (DirectoryStream<Path> files = Files.newDirectoryStream(folder, "*.class")) {
            for (Path file : files) {
                classes.put(PLUGIN_PACKAGE + "/" + file.getFileName(), file.toUri().toURL());
            }
        }
        if (classes.isEmpty()) {
            throw new IOException("no plugin classes in " + folder);
        }
        return classes;
    }
}
