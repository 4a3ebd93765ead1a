package org.pluginscheduler.internal.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

class ConfigReaderTest {

    private static final List<String> KEYS = List.of("worker.threads", "enabled", "name", ".password");

    private static ConfigReader reader(Map<String, ?> properties) {
        return new ConfigReader(properties, KEYS);
    }

    @Test
    void wholeNumbersOfAnyTypeAndTheirProblemsNameFieldAndValue() {
        assertEquals(4, reader(Map.of("worker.threads", " 4 ")).integer("worker.threads", 8, 1, 1024));
        assertEquals(4, reader(Map.of("worker.threads", 4L)).integer("worker.threads", 8, 1, 1024));
        assertEquals(4, reader(Map.of("worker.threads", 4.0)).integer("worker.threads", 8, 1, 1024));
        assertEquals(8, reader(Map.of()).integer("worker.threads", 8, 1, 1024));
        assertProblem(Map.of("worker.threads", "abc"), "worker.threads: 'abc' is not a whole number");
        assertProblem(Map.of("worker.threads", "99999999999"), "worker.threads: '99999999999' is not in 1–1024");
        assertProblem(Map.of("worker.threads", 0), "worker.threads: 0 is not in 1–1024");
        assertProblem(Map.of("worker.threads", 1.5), "worker.threads: 1.5 is not a whole number");
        assertProblem(Map.of("worker.threads", true), "worker.threads: true (Boolean) is not a whole number");
    }

    private static void assertProblem(Map<String, ?> properties, String expected) {
        ConfigReader r = reader(properties);
        int value = r.integer("worker.threads", 8, 1, 1024);
        assertEquals(8, value, "a bad value reads as the default");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, r::check);
        assertEquals(expected, e.getMessage());
    }

    @Test
    void booleansAreStrict() {
        assertTrue(reader(Map.of("enabled", "TRUE")).bool("enabled", false));
        assertFalse(reader(Map.of("enabled", " false ")).bool("enabled", true));
        assertTrue(reader(Map.of("enabled", Boolean.TRUE)).bool("enabled", false));
        for (Object bad : List.of("maybe", "yes", "1", "", 1)) {
            ConfigReader r = reader(Map.of("enabled", bad));
            assertTrue(r.bool("enabled", true));
            assertEquals(List.of("enabled: " + ConfigReader.quoted(bad) + " is not true or false"), r.problems());
        }
    }

    @Test
    void textAndLists() {
        assertEquals("x", reader(Map.of("name", new String[] {"x"})).string("name", "d"));
        assertEquals("5", reader(Map.of("name", 5)).string("name", "d"));
        ConfigReader r = reader(Map.of("name", new String[] {"a", "b"}));
        assertEquals("d", r.string("name", "d"));
        assertEquals(List.of("name: [a, b] (String[]) is not one value"), r.problems());
        assertEquals(List.of("a", "b", "c"), reader(Map.of("name", "a, b ,,c")).list("name", ","));
        assertEquals(List.of("a", "b"), reader(Map.of("name", List.of("a", " b"))).list("name", ","));
    }

    @Test
    void parseFailuresAreNamed() {
        ConfigReader r = reader(Map.of("name", "x"));
        r.parse("name", null, v -> {
            throw new IllegalArgumentException("'" + v + "' is no good");
        });
        assertEquals(List.of("name: 'x' is no good"), r.problems());
    }

    @Test
    void unknownKeysAreNamedWithTheClosestKnownOneAndFrameworkKeysIgnored() {
        Map<String, Object> p = Map.of("worker.thread", "4", "enabeld", "true", "service.pid", "x",
                "service.factoryPid", "y", "component.name", "c", "felix.fileinstall.filename", "f",
                "store.target", "(a=b)", ".password", "s", ".other", "t", "config.region", "eu");
        ConfigReader r = reader(p);
        assertEquals(Map.of("worker.thread", "worker.threads", "enabeld", "enabled", ".other", "name",
                "config.region", "worker.threads"), r.unknownKeys());
        r.knownPrefix("config.");
        assertEquals(List.of("unknown key '.other' is ignored; did you mean 'name'?",
                "unknown key 'enabeld' is ignored; did you mean 'enabled'?",
                "unknown key 'worker.thread' is ignored; did you mean 'worker.threads'?"), r.unknownKeyWarnings());
        assertEquals("worker.threads", ConfigReader.closest("worker_threads", KEYS));
    }

    @Test
    void decimals() {
        assertEquals(2.5, reader(Map.of("name", "2.5")).decimal("name", 1, 1, 100));
        ConfigReader r = reader(Map.of("name", "lots"));
        r.decimal("name", 1, 1, 100);
        assertEquals(List.of("name: 'lots' is not a number"), r.problems());
        r = reader(Map.of("name", 1e300));
        r.decimal("name", 1, 1, 100);
        assertEquals(List.of("name: 1.0E300 is not in 1–100"), r.problems());
    }
}
