package org.pluginscheduler.testkit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Component descriptions are read as DS reads them, from a directory or a jar. */
class ComponentXmlTest {

    static final String TYPED = """
            <?xml version="1.0" encoding="UTF-8"?>
            <scr:component xmlns:scr="http://www.osgi.org/xmlns/scr/v1.3.0" name="acme.typed" modified="modified"
                configuration-policy="require" configuration-pid="a.pid b.pid">
              <property name="s" value="text"/>
              <property name="l" type="Long" value="12"/>
              <property name="d" type="Double" value="1.5"/>
              <property name="f" type="Float" value="2.5"/>
              <property name="i" type="Integer" value="3"/>
              <property name="b" type="Byte" value="4"/>
              <property name="c" type="Character" value="65"/>
              <property name="z" type="Boolean" value="true"/>
              <property name="h" type="Short" value="5"/>
              <property name="keys" type="String">
                one
                  two

              </property>
              <property name="ints" type="Integer">1
            2</property>
              <properties entry="OSGI-INF/extra.properties"/>
              <property name="late" value="after the file"/>
              <service>
                <provide interface="java.lang.Runnable"/>
                <provide interface="org.pluginscheduler.api.TaskAction"/>
              </service>
              <implementation class="com.acme.Typed"/>
            </scr:component>
            """;

    static void write(Path root, String file, String text) throws IOException {
        Path path = root.resolve(file);
        Files.createDirectories(path.getParent());
        Files.writeString(path, text);
    }

    @Test
    void everyTypeAndMultiValuesAndPropertiesFilesInDocumentOrder(@TempDir Path root) throws IOException {
        write(root, "OSGI-INF/acme.typed.xml", TYPED);
        write(root, "OSGI-INF/extra.properties", "fromFile=yes\nlate=from the file\ns=overridden by the file\n");

        ComponentXml.Found found = ComponentXml.read(root);

        assertTrue(found.anyXml());
        ComponentXml.Component c = found.components().get(0);
        assertEquals("acme.typed", c.name());
        assertEquals("com.acme.Typed", c.implementation());
        assertEquals(List.of("java.lang.Runnable", "org.pluginscheduler.api.TaskAction"), c.provides());
        assertEquals("require", c.configurationPolicy());
        assertEquals(List.of("a.pid", "b.pid"), c.configurationPids());
        assertEquals("modified", c.modified());
        Map<String, Object> p = c.properties();
        assertEquals("overridden by the file", p.get("s"), "a later <properties> wins over an earlier <property>");
        assertEquals("after the file", p.get("late"), "and a later <property> over the file");
        assertEquals("yes", p.get("fromFile"));
        assertEquals(12L, p.get("l"));
        assertEquals(1.5d, p.get("d"));
        assertEquals(2.5f, p.get("f"));
        assertEquals(3, p.get("i"));
        assertEquals((byte) 4, p.get("b"));
        assertEquals('A', p.get("c"), "a Character's value is its code");
        assertEquals(Boolean.TRUE, p.get("z"));
        assertEquals((short) 5, p.get("h"));
        assertArrayEquals(new String[] {"one", "two"}, (String[]) p.get("keys"), "non-blank lines, trimmed");
        assertArrayEquals(new int[] {1, 2}, (int[]) p.get("ints"));
        assertEquals("acme.typed", p.get("component.name"));
    }

    @Test
    void aComponentWithoutServiceOrModifiedAndTheDefaults(@TempDir Path root) throws IOException {
        write(root, "OSGI-INF/x.xml", """
                <scr:component xmlns:scr="http://www.osgi.org/xmlns/scr/v1.4.0" name="com.acme.Sub">
                  <implementation class="com.acme.Sub"/>
                </scr:component>""");
        write(root, "OSGI-INF/metatype/m.xml", "<metatype:MetaData xmlns:metatype=\"x\"/>");
        write(root, "OSGI-INF/other.xml", "<notAComponent/>");

        ComponentXml.Found found = ComponentXml.read(root);

        assertEquals(1, found.components().size(), "" + found.components());
        ComponentXml.Component c = found.components().get(0);
        assertEquals(List.of(), c.provides());
        assertNull(c.modified());
        assertEquals("optional", c.configurationPolicy());
        assertEquals(List.of("com.acme.Sub"), c.configurationPids(), "the name is the PID by default");
    }

    @Test
    void aJarIsReadLikeADirectory(@TempDir Path dir) throws IOException {
        Path jar = dir.resolve("plugin.jar");
        try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(jar))) {
            entry(out, "OSGI-INF/acme.typed.xml", TYPED);
            entry(out, "OSGI-INF/extra.properties", "fromFile=jar\n");
        }

        ComponentXml.Found found = ComponentXml.read(jar);

        assertEquals("jar", found.components().get(0).properties().get("fromFile"));
    }

    private static void entry(JarOutputStream out, String name, String text) throws IOException {
        out.putNextEntry(new JarEntry(name));
        out.write(text.getBytes(StandardCharsets.UTF_8));
        out.closeEntry();
    }

    @Test
    void noOsgiInfIsNoXmlAndABadValueNamesFileAndProperty(@TempDir Path root) throws IOException {
        assertFalse(ComponentXml.read(root).anyXml());

        write(root, "OSGI-INF/bad.xml", """
                <scr:component xmlns:scr="http://www.osgi.org/xmlns/scr/v1.3.0" name="bad">
                  <property name="scheduler.retries" type="Integer" value="three"/>
                  <implementation class="com.acme.Bad"/>
                </scr:component>""");
        ComponentXml.Found found = ComponentXml.read(root); // fails only a lookup of com.acme.Bad
        assertEquals(1, found.broken().size(), "" + found);
        ComponentXml.Broken bad = found.broken().get(0);
        assertEquals("com.acme.Bad", bad.implementation());
        assertTrue(bad.problem().contains("bad.xml") && bad.problem().contains("scheduler.retries"), bad.problem());
    }

    @Test
    void aClassComesFromItsClassPathEntry() {
        Path root = ComponentXml.rootOf(ComponentXmlTest.class).orElseThrow();
        assertTrue(Files.isRegularFile(root.resolve(ComponentXmlTest.class.getName().replace('.', '/') + ".class")),
                "" + root);
        assertTrue(ComponentXml.rootOf(String.class).isEmpty(), "a JDK class has no file");
    }
}
