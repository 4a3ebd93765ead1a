package org.pluginscheduler.monitor;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import org.apache.felix.hc.api.Result;
import org.apache.felix.hc.api.ResultLog;
import org.apache.felix.hc.api.execution.HealthCheckExecutionResult;

/**
 * The {@code /health} answer: {@code {"status":"OK","checks":[{"name","status","tags","messages":[…]}]}}, and its
 * HTTP status: 200 for OK and WARN, 503 for anything worse. Independent of OSGi and servlets.
 */
final class HealthReport {

    private static final Gson GSON = new GsonBuilder().disableHtmlEscaping().serializeNulls().create();

    /**
     * One check's outcome.
     *
     * @param messages its log entries' messages, debug entries left out
     */
    record Check(String name, Result.Status status, List<String> tags, List<String> messages) {
        Check {
            tags = List.copyOf(tags);
            messages = List.copyOf(messages);
        }

        static Check of(HealthCheckExecutionResult result) {
            List<String> messages = new ArrayList<>();
            for (ResultLog.Entry entry : result.getHealthCheckResult()) {
                if (!entry.isDebug()) {
                    messages.add(entry.getMessage());
                }
            }
            if (result.hasTimedOut() && messages.isEmpty()) {
                messages.add("timed out after " + result.getElapsedTimeInMs() + " ms");
            }
            return new Check(result.getHealthCheckMetadata().getName(), result.getHealthCheckResult().getStatus(),
                    result.getHealthCheckMetadata().getTags(), messages);
        }
    }

    private final List<Check> checks;

    HealthReport(List<Check> checks) {
        this.checks = List.copyOf(checks);
    }

    /**
     * @return the worst status of the checks (the order of {@link Result.Status}: OK, WARN,
     *         TEMPORARILY_UNAVAILABLE, CRITICAL, HEALTH_CHECK_ERROR); with no check at all
     *         {@code TEMPORARILY_UNAVAILABLE}: nothing says the scheduler is healthy
     */
    Result.Status status() {
        if (checks.isEmpty()) {
            return Result.Status.TEMPORARILY_UNAVAILABLE;
        }
        return checks.stream().map(Check::status).max(Enum::compareTo).orElseThrow();
    }

    /** @return 200 while the status is OK or WARN, 503 otherwise */
    int httpStatus() {
        Result.Status status = status();
        return status == Result.Status.OK || status == Result.Status.WARN ? 200 : 503;
    }

    /** @return the JSON document */
    String json() {
        JsonObject root = new JsonObject();
        root.addProperty("status", status().name());
        JsonArray array = new JsonArray();
        for (Check check : checks) {
            JsonObject c = new JsonObject();
            c.addProperty("name", check.name());
            c.addProperty("status", check.status().name());
            JsonArray tags = new JsonArray();
            check.tags().forEach(tags::add);
            c.add("tags", tags);
            JsonArray messages = new JsonArray();
            check.messages().forEach(messages::add);
            c.add("messages", messages);
            array.add(c);
        }
        root.add("checks", array);
        return GSON.toJson(root);
    }

    /**
     * The tags of a {@code ?tags=a,b} parameter: split at commas, trimmed, blanks dropped.
     *
     * @return {@code defaultTag} alone if the parameter is absent or names no tag
     */
    static String[] tags(String parameter, String defaultTag) {
        if (parameter == null) {
            return new String[] {defaultTag};
        }
        String[] tags = Arrays.stream(parameter.split(",")).map(String::trim).filter(t -> !t.isEmpty())
                .toArray(String[]::new);
        return tags.length == 0 ? new String[] {defaultTag} : tags;
    }
}
