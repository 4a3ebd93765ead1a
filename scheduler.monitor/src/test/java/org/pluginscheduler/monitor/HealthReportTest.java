package org.pluginscheduler.monitor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import org.apache.felix.hc.api.Result.Status;
import org.junit.jupiter.api.Test;

class HealthReportTest {

    private static HealthReport.Check check(String name, Status status, String... messages) {
        return new HealthReport.Check(name, status, List.of("scheduler"), List.of(messages));
    }

    @Test
    void theJsonNamesEveryCheckWithItsStatusTagsAndMessages() {
        HealthReport report = new HealthReport(List.of(check("Scheduler store", Status.OK, "answered in 1 ms"),
                check("Scheduler fire lag", Status.WARN, "fire lag p99 \"7000\" ms <above>")));
        JsonObject json = JsonParser.parseString(report.json()).getAsJsonObject();
        assertEquals("WARN", json.get("status").getAsString());
        assertEquals(2, json.getAsJsonArray("checks").size());
        JsonObject lag = json.getAsJsonArray("checks").get(1).getAsJsonObject();
        assertEquals("Scheduler fire lag", lag.get("name").getAsString());
        assertEquals("WARN", lag.get("status").getAsString());
        assertEquals("scheduler", lag.getAsJsonArray("tags").get(0).getAsString());
        assertEquals("fire lag p99 \"7000\" ms <above>", lag.getAsJsonArray("messages").get(0).getAsString(),
                "quotes and markup survive");
        assertEquals(200, report.httpStatus());
    }

    @Test
    void theWorstStatusDecidesAndOnlyOkOrWarnIs200() {
        assertEquals(200, new HealthReport(List.of(check("a", Status.OK))).httpStatus());
        HealthReport critical = new HealthReport(List.of(check("a", Status.OK), check("b", Status.CRITICAL),
                check("c", Status.WARN)));
        assertEquals(Status.CRITICAL, critical.status());
        assertEquals(503, critical.httpStatus());
        assertEquals(503, new HealthReport(List.of(check("a", Status.HEALTH_CHECK_ERROR))).httpStatus());
        assertEquals(503, new HealthReport(List.of(check("a", Status.TEMPORARILY_UNAVAILABLE))).httpStatus());
    }

    @Test
    void noCheckAtAllIsNotHealthy() {
        HealthReport none = new HealthReport(List.of());
        assertEquals(503, none.httpStatus());
        assertEquals("{\"status\":\"TEMPORARILY_UNAVAILABLE\",\"checks\":[]}", none.json());
    }

    @Test
    void tagsParameter() {
        assertArrayEquals(new String[] {"scheduler"}, HealthReport.tags(null, "scheduler"));
        assertArrayEquals(new String[] {"scheduler"}, HealthReport.tags(" , ", "scheduler"));
        assertArrayEquals(new String[] {"a", "b"}, HealthReport.tags("a, b,", "scheduler"));
    }
}
