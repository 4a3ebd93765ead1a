package org.pluginscheduler.testkit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Map;

import org.junit.jupiter.api.Test;
import org.pluginscheduler.api.OverlapPolicy;
import org.pluginscheduler.api.TaskSchedule;

/** The annotation's elements become the property names the core reads, by the DS naming rules. */
class ComponentPropertiesTest {

    @TaskSchedule(value = "every:PT1M", retry_delay = "PT1S", overlap = OverlapPolicy.ALLOW,
            lock_keys = {"a", "b"})
    static final class Annotated implements Runnable {
        @Override
        public void run() {
        }
    }

    @Test
    void taskScheduleElementsMapToTheirPropertiesDefaultsIncluded() {
        Map<String, Object> p = ComponentProperties.ofTaskService(Annotated.class);

        assertEquals("every:PT1M", p.get("scheduler.task.schedule"), "single-element value: the type's name");
        assertEquals("PT1S", p.get("scheduler.retry.delay"), "_ becomes .");
        assertEquals("ALLOW", p.get("scheduler.overlap"), "enums by name");
        assertArrayEquals(new String[] {"a", "b"}, (String[]) p.get("scheduler.lock.keys"));
        assertEquals(10, p.get("scheduler.max.catch.up"), "a default is a property too");
        assertEquals(Boolean.TRUE, p.get("scheduler.enabled"));
        assertEquals(Annotated.class.getName(), p.get("component.name"));
        assertEquals(17, p.size(), "16 elements and the component name: " + p.keySet());
    }

    @TaskSchedule("every:PT1M")
    static final class Defaults implements Runnable {
        @Override
        public void run() {
        }
    }

    @Test
    void anEmptyArrayIsNoPropertyAsBndWritesIt() {
        Map<String, Object> p = ComponentProperties.ofTaskService(Defaults.class);

        assertEquals(false, p.containsKey("scheduler.lock.keys"), "" + p.get("scheduler.lock.keys"));
        assertEquals(16, p.size(), p.keySet().toString());
    }

    @Test
    void namesFollowTheDsRules() {
        assertEquals("task.schedule", ComponentProperties.typeName("TaskSchedule"));
        assertEquals("retry.delay", ComponentProperties.elementName("retry_delay"));
        assertEquals("a_b", ComponentProperties.elementName("a__b"));
        assertEquals("a-b", ComponentProperties.elementName("a$_$b"));
        assertEquals("a$b", ComponentProperties.elementName("a$$b"));
        assertEquals("ab", ComponentProperties.elementName("a$b"));
    }
}
