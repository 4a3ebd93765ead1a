package org.pluginscheduler.web;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;

/** The audit line is one line whatever a client sends: a forged entry cannot be slipped into the log. */
class AuditLogTest {

    private static final Instant AT = Instant.parse("2026-12-07T10:00:00Z");

    private static AuditLog.Entry entry(String user, String path) {
        return new AuditLog.Entry(AT, user, "-", "session", "POST", path, null, 401, "127.0.0.1", "login=failed");
    }

    @Test
    void aUserNameWithALineBreakCannotForgeAnotherEntry() {
        String forged = "x\nuser=olga role=operator via=basic POST /api/v1/scheduler/pause task=- status=200";
        String line = AuditLog.line(entry(forged, "/api/v1/session"));
        assertFalse(line.contains("\n") || line.contains("\r"), line);
        assertTrue(line.startsWith("user=\"x\\nuser=olga role=operator"), line);
        assertFalse(AuditLog.line(entry("a\r\u0085b\u2028c\u0000d", "/x")).matches("(?s).*[\\r\\u0085\\u2028\\u0000].*"));
    }

    @Test
    void aUserNameWithSpacesCannotForgeTheFieldsOfItsOwnLine() {
        String line = AuditLog.line(entry("olga role=operator via=basic", "/api/v1/session"));
        assertTrue(line.startsWith("user=\"olga role=operator via=basic\" role=- via=session "), line);
        assertTrue(AuditLog.line(entry("say \"hi\" \\", "/p")).startsWith("user=\"say \\\"hi\\\" \\\\\" "));
        assertEquals("user=olga role=- via=session POST /api/v1/tasks/o:t@x%20y/trigger task=- status=401 "
                + "remote=127.0.0.1 login=failed", AuditLog.line(entry("olga", "/api/v1/tasks/o:t@x%20y/trigger")),
                "plain values stay as they were");
    }

    @Test
    void hugeValuesAreCutInTheLineAndInMemory() {
        AuditLog log = new AuditLog(Clock.fixed(AT, ZoneOffset.UTC));
        String huge = "u".repeat(60_000);
        log.record(huge, "-", "session", "POST", "/" + huge, null, 401, "127.0.0.1", "login=failed");
        JsonObject kept = log.recent(1).get(0).getAsJsonObject();
        assertTrue(kept.get("user").getAsString().length() <= AuditLog.MAX_VALUE + 20, "user kept whole");
        assertTrue(kept.get("path").getAsString().length() <= AuditLog.MAX_VALUE + 20, "path kept whole");
        assertTrue(kept.get("user").getAsString().endsWith("…(+" + (60_000 - AuditLog.MAX_VALUE) + ")"));
        assertTrue(AuditLog.line(entry(huge, "/")).length() < 2 * AuditLog.MAX_VALUE + 200);
    }
}
