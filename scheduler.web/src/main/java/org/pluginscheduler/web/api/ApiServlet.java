package org.pluginscheduler.web.api;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import org.pluginscheduler.api.AmbiguousTaskIdException;
import org.pluginscheduler.api.DeadLetter;
import org.pluginscheduler.api.NoSuchTaskException;
import org.pluginscheduler.api.RunRecord;
import org.pluginscheduler.api.Schedule;
import org.pluginscheduler.api.ScheduleParseException;
import org.pluginscheduler.api.SchedulerAdmin;
import org.pluginscheduler.api.TaskAccessException;
import org.pluginscheduler.api.TaskDefinition;
import org.pluginscheduler.api.TaskId;
import org.pluginscheduler.api.TaskInfo;
import org.pluginscheduler.api.TaskState;

/**
 * The REST API, {@code /api/v1/*}, over {@link SchedulerAdmin}. Authentication and roles are the servlet context's
 * ({@code SecurityContext}); this servlet parses, validates (a bad value is a 400 problem naming the field), acts
 * and answers JSON. The routes are listed in {@link #ROUTES} and described in {@code openapi.json}.
 */
public final class ApiServlet {

    static final int MAX_BODY = 64 * 1024;
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(ApiServlet.class);

    /** Every route, as {@code METHOD path-template}: what openapi.json must describe (a test checks both ways). */
    public static final List<String> ROUTES = List.of(
            "GET /session", "POST /session", "DELETE /session",
            "GET /tasks", "GET /tasks/{id}", "DELETE /tasks/{id}", "GET /tasks/{id}/runs",
            "POST /tasks/{id}/trigger", "POST /tasks/{id}/call", "POST /tasks/{id}/submit",
            "POST /tasks/{id}/enable", "POST /tasks/{id}/disable", "POST /tasks/{id}/pause",
            "POST /tasks/{id}/resume", "PUT /tasks/{id}/schedule", "DELETE /tasks/{id}/schedule",
            "GET /runs/{runId}",
            "GET /dead-letters", "DELETE /dead-letters", "POST /dead-letters/{runId}/replay",
            "GET /scheduler", "POST /scheduler/pause", "POST /scheduler/resume",
            "GET /stats", "GET /schedules/preview", "GET /audit", "GET /openapi.json");

    /** What the session routes need from the authentication side. */
    public interface Sessions {
        /** Writes the current session's JSON (GET) or 401. */
        void current(HttpServletRequest request, HttpServletResponse response) throws IOException;

        void logIn(HttpServletRequest request, HttpServletResponse response, String user, String password)
                throws IOException;

        void logOut(HttpServletRequest request, HttpServletResponse response) throws IOException;

        /** @return the newest audit entries first */
        JsonArray audit(int limit);
    }

    private final SchedulerAdmin admin;
    private final Sessions sessions;

    public ApiServlet(SchedulerAdmin admin, Sessions sessions) {
        this.admin = admin;
        this.sessions = sessions;
    }

    /** Answers one request (already authenticated by the context). */
    public void handle(HttpServletRequest request, HttpServletResponse response) throws IOException {
        String method = request.getMethod().toUpperCase(Locale.ROOT);
        String info = request.getPathInfo() == null ? "/" : request.getPathInfo();
        List<String> segments = new ArrayList<>();
        for (String s : info.split("/")) {
            if (!s.isEmpty()) {
                segments.add(s);
            }
        }
        try {
            checkQuery(request.getQueryString());
            route(method.equals("HEAD") ? "GET" : method, segments, request, response);
        } catch (Problems.ProblemException e) {
            Problems.write(response, e.status(), e.title(), e.getMessage(), e.field(), request.getRequestURI());
        } catch (ScheduleParseException e) {
            Problems.write(response, 400, "Invalid schedule", e.getMessage(), "schedule", request.getRequestURI());
        } catch (NoSuchTaskException e) {
            Problems.write(response, 404, "No such task", e.getMessage(), "id", request.getRequestURI());
        } catch (AmbiguousTaskIdException e) {
            Problems.write(response, 400, "Ambiguous task id", e.getMessage(), "id", request.getRequestURI());
        } catch (TaskAccessException e) {
            Problems.write(response, 403, "Not allowed", e.getMessage(), null, request.getRequestURI());
        } catch (org.pluginscheduler.api.store.TaskStoreException e) {
            // the store's own words may name files or connections: they go to the log, not to the client
            LOG.warn("{} {}: the task store failed: {}", method, request.getRequestURI(), e.getMessage());
            Problems.write(response, 503, "Store unavailable", "the task store failed or did not confirm in time; "
                    + "see the scheduler's log", null, request.getRequestURI());
        } catch (IllegalStateException e) {
            Problems.write(response, 409, "Conflict", e.getMessage(), null, request.getRequestURI());
        } catch (IllegalArgumentException e) {
            Problems.write(response, 400, "Bad request", e.getMessage(), null, request.getRequestURI());
        } catch (RuntimeException e) {
            // never the container's HTML error page; the detail stays in the log, not in the answer
            String incident = java.util.UUID.randomUUID().toString();
            LOG.warn("API request {} {} failed (incident {})", method, request.getRequestURI(), incident, e);
            if (!response.isCommitted()) {
                response.resetBuffer();
                Problems.write(response, 500, "Internal error", "the server failed; incident " + incident
                        + " is in its log", null, request.getRequestURI());
            }
        }
    }

    /** A query Jetty cannot decode made getParameter throw (a 500 and an ERROR with a stack trace): say so. */
    private static void checkQuery(String query) {
        if (query == null) {
            return;
        }
        try {
            java.net.URLDecoder.decode(query, StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            throw Problems.badField("query", "is not valid URL encoding (" + e.getMessage() + ")");
        }
    }

    private void route(String method, List<String> p, HttpServletRequest request, HttpServletResponse response)
            throws IOException {
        int n = p.size();
        String head = n == 0 ? "" : p.get(0);
        switch (head) {
            case "session" -> {
                only(n == 1);
                switch (method) {
                    case "GET" -> sessions.current(request, response);
                    case "POST" -> {
                        JsonObject body = body(request, true);
                        sessions.logIn(request, response, requiredString(body, "user"),
                                requiredString(body, "password"));
                    }
                    case "DELETE" -> sessions.logOut(request, response);
                    default -> notAllowed("GET, POST, DELETE");
                }
            }
            case "tasks" -> tasks(method, p, request, response);
            case "runs" -> {
                only(n == 2);
                allow(method, "GET");
                RunRecord run = admin.run(p.get(1)).orElseThrow(() -> new Problems.ProblemException(404,
                        "No such run", "no run has id '" + p.get(1) + "'", "runId"));
                request.setAttribute(AUDIT, run.taskId().toString());
                send(response, 200, Json.run(run));
            }
            case "dead-letters" -> deadLetters(method, p, request, response);
            case "scheduler" -> {
                only(n <= 2);
                if (n == 1) {
                    allow(method, "GET");
                } else {
                    allow(method, "POST");
                    switch (p.get(1)) {
                        case "pause" -> admin.pauseAll();
                        case "resume" -> admin.resumeAll();
                        default -> throw notFound();
                    }
                }
                JsonObject o = new JsonObject();
                o.addProperty("pausedAll", admin.isPausedAll());
                send(response, 200, o);
            }
            case "stats" -> {
                only(n == 1);
                allow(method, "GET");
                send(response, 200, Json.stats(admin.stats()));
            }
            case "schedules" -> {
                only(n == 2 && p.get(1).equals("preview"));
                allow(method, "GET");
                preview(request, response);
            }
            case "audit" -> {
                only(n == 1);
                allow(method, "GET");
                if (!"operator".equals(request.getAttribute("org.pluginscheduler.web.role"))) {
                    throw new Problems.ProblemException(403, "Operator role required",
                            "the audit log is for operators", null);
                }
                JsonObject o = new JsonObject();
                o.add("items", sessions.audit(intParam(request, "limit", 100, 1, 1000)));
                send(response, 200, o);
            }
            case "openapi.json" -> {
                only(n == 1);
                allow(method, "GET");
                openApi(response);
            }
            default -> throw notFound();
        }
    }

    static final String AUDIT = "org.pluginscheduler.web.audit.task";

    private void tasks(String method, List<String> p, HttpServletRequest request, HttpServletResponse response)
            throws IOException {
        int n = p.size();
        if (n == 1) {
            allow(method, "GET");
            listTasks(request, response);
            return;
        }
        TaskId id = admin.resolve(p.get(1));
        request.setAttribute(AUDIT, id.toString());
        if (n == 2) {
            switch (method) {
                case "GET" -> send(response, 200, taskDetail(id));
                case "DELETE" -> {
                    if (!admin.removeTask(id)) {
                        throw new NoSuchTaskException(id.toString());
                    }
                    response.setStatus(204);
                }
                default -> notAllowed("GET, DELETE");
            }
            return;
        }
        only(n == 3);
        String action = p.get(2);
        switch (action) {
            case "runs" -> {
                allow(method, "GET");
                // runs are read newest first up to offset + limit: deeper than history is ever kept makes no sense
                int offset = intParam(request, "offset", 0, 0, 100_000);
                int limit = intParam(request, "limit", 50, 1, 1000);
                List<RunRecord> runs = admin.runs(id, offset + limit + 1);
                JsonArray items = new JsonArray();
                runs.stream().skip(offset).limit(limit).map(Json::run).forEach(items::add);
                boolean more = runs.size() > offset + limit;
                JsonObject o = page(more ? null : runs.size(), offset, limit, items);
                o.addProperty("hasMore", more);
                send(response, 200, o);
            }
            case "trigger" -> {
                allow(method, "POST");
                send(response, 202, runId(admin.trigger(id)));
            }
            case "call" -> {
                allow(method, "POST");
                JsonObject body = body(request, false);
                send(response, 200, Json.run(admin.call(id, stringMap(body, "arguments"), keys(body))));
            }
            case "submit" -> {
                allow(method, "POST");
                JsonObject body = body(request, false);
                Optional<Instant> at = optionalString(body, "at").map(text -> instant(text, "at"));
                send(response, 202, runId(admin.submit(id, stringMap(body, "arguments"), at, keys(body))));
            }
            case "enable", "disable", "pause", "resume" -> {
                allow(method, "POST");
                switch (action) {
                    case "enable" -> admin.enable(id);
                    case "disable" -> admin.disable(id);
                    case "pause" -> admin.pause(id);
                    default -> admin.resume(id);
                }
                send(response, 200, summary(id));
            }
            case "schedule" -> {
                switch (method) {
                    case "PUT" -> {
                        JsonObject body = body(request, true);
                        admin.reschedule(id, schedule(requiredString(body, "schedule")));
                    }
                    case "DELETE" -> admin.resetSchedule(id);
                    default -> notAllowed("PUT, DELETE");
                }
                send(response, 200, summary(id));
            }
            default -> throw notFound();
        }
    }

    private void listTasks(HttpServletRequest request, HttpServletResponse response) throws IOException {
        String owner = request.getParameter("owner");
        String tenant = request.getParameter("tenant");
        String q = request.getParameter("q");
        TaskState state = null;
        String stateText = request.getParameter("state");
        if (stateText != null && !stateText.isBlank()) {
            try {
                state = TaskState.valueOf(stateText.trim().toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw Problems.badField("state", "'" + stateText + "' is not one of "
                        + java.util.Arrays.toString(TaskState.values()));
            }
        }
        int offset = intParam(request, "offset", 0, 0, Integer.MAX_VALUE);
        int limit = intParam(request, "limit", 50, 1, 1000);
        String needle = q == null || q.isBlank() ? null : q.trim().toLowerCase(Locale.ROOT);
        List<TaskInfo> all = admin.tasks();
        Map<String, Integer> states = new TreeMap<>();
        Map<String, Integer> owners = new TreeMap<>();
        List<TaskInfo> matching = new ArrayList<>();
        for (TaskInfo info : all) {
            states.merge(info.state().name(), 1, Integer::sum);
            owners.merge(info.id().owner(), 1, Integer::sum);
            if (owner != null && !owner.isBlank() && !info.id().owner().equals(owner.trim())) {
                continue;
            }
            if (tenant != null && !tenant.isBlank() && !info.id().tenant().orElse("").equals(tenant.trim())) {
                continue;
            }
            if (state != null && info.state() != state) {
                continue;
            }
            if (needle != null && !info.id().toString().toLowerCase(Locale.ROOT).contains(needle)
                    && !info.definition().map(d -> d.name().toLowerCase(Locale.ROOT).contains(needle)).orElse(false)) {
                continue;
            }
            matching.add(info);
        }
        JsonArray items = new JsonArray();
        matching.stream().skip(offset).limit(limit).forEach(info -> items.add(Json.task(info, describe(info))));
        JsonObject o = page(matching.size(), offset, limit, items);
        JsonObject facets = new JsonObject();
        JsonObject stateCounts = new JsonObject();
        states.forEach(stateCounts::addProperty);
        JsonObject ownerCounts = new JsonObject();
        owners.forEach(ownerCounts::addProperty);
        facets.add("states", stateCounts);
        facets.add("owners", ownerCounts);
        o.add("facets", facets);
        send(response, 200, o);
    }

    private JsonObject taskDetail(TaskId id) {
        TaskInfo info = admin.task(id).orElseThrow(() -> new NoSuchTaskException(id.toString()));
        JsonObject o = Json.task(info, describe(info));
        o.add("definition", info.definition().<JsonElement>map(Json::definition)
                .orElse(com.google.gson.JsonNull.INSTANCE));
        o.add("nextFires", Json.fires(admin.nextFires(id, 5)));
        o.addProperty("zone", scheduleOf(info).flatMap(Schedule::zone).map(Object::toString).orElse(null));
        return o;
    }

    private JsonObject summary(TaskId id) {
        TaskInfo info = admin.task(id).orElseThrow(() -> new NoSuchTaskException(id.toString()));
        return Json.task(info, describe(info));
    }

    private static Optional<Schedule> scheduleOf(TaskInfo info) {
        try {
            return Optional.of(Schedule.parse(info.scheduleText()));
        } catch (IllegalArgumentException e) {
            return info.definition().map(TaskDefinition::schedule);
        }
    }

    /**
     * The schedule in words. Remembered per schedule text for {@link #DESCRIPTIONS_LIVE} (a page of 1,000 tasks
     * parsed and described each one on every refresh; a default zone changed in configuration shows within that
     * time), at most {@link #DESCRIPTIONS_KEPT} texts.
     */
    private String describe(TaskInfo info) {
        String text = info.scheduleText();
        long now = System.nanoTime();
        Described known = descriptions.get(text);
        if (known != null && now - known.madeAt() < DESCRIPTIONS_LIVE) {
            return known.words();
        }
        String words = scheduleOf(info).map(s -> {
            try {
                return admin.describe(s);
            } catch (RuntimeException e) {
                return text;
            }
        }).orElse(text);
        if (descriptions.size() >= DESCRIPTIONS_KEPT) {
            descriptions.clear();
        }
        descriptions.put(text, new Described(words, now));
        return words;
    }

    private record Described(String words, long madeAt) {
    }

    static final long DESCRIPTIONS_LIVE = java.util.concurrent.TimeUnit.SECONDS.toNanos(60);
    static final int DESCRIPTIONS_KEPT = 20_000;
    private final Map<String, Described> descriptions = new java.util.concurrent.ConcurrentHashMap<>();

    private void deadLetters(String method, List<String> p, HttpServletRequest request, HttpServletResponse response)
            throws IOException {
        int n = p.size();
        if (n == 1) {
            String taskText = request.getParameter("task");
            Optional<TaskId> task = taskText == null || taskText.isBlank() ? Optional.empty()
                    : Optional.of(resolveParam(taskText, "task"));
            task.ifPresent(t -> request.setAttribute(AUDIT, t.toString()));
            switch (method) {
                case "GET" -> {
                    int offset = intParam(request, "offset", 0, 0, Integer.MAX_VALUE);
                    int limit = intParam(request, "limit", 50, 1, 1000);
                    List<DeadLetter> all = admin.deadLetters().stream()
                            .filter(d -> task.isEmpty() || d.taskId().equals(task.get())).toList();
                    JsonArray items = new JsonArray();
                    all.stream().skip(offset).limit(limit).map(Json::deadLetter).forEach(items::add);
                    send(response, 200, page(all.size(), offset, limit, items));
                }
                case "DELETE" -> {
                    JsonObject o = new JsonObject();
                    o.addProperty("purged", admin.purgeDeadLetters(task));
                    send(response, 200, o);
                }
                default -> notAllowed("GET, DELETE");
            }
            return;
        }
        only(n == 3 && p.get(2).equals("replay"));
        allow(method, "POST");
        String runId = p.get(1);
        Optional<DeadLetter> letter = admin.deadLetters().stream().filter(d -> d.runId().equals(runId)).findFirst();
        if (letter.isEmpty()) {
            throw new Problems.ProblemException(404, "No such dead letter", "no dead letter has run id '" + runId
                    + "'", "runId");
        }
        request.setAttribute(AUDIT, letter.get().taskId().toString());
        send(response, 202, runId(admin.replayDeadLetter(runId)));
    }

    private void preview(HttpServletRequest request, HttpServletResponse response) throws IOException {
        String text = request.getParameter("schedule");
        if (text == null || text.isBlank()) {
            throw Problems.badField("schedule", "is required, e.g. schedule=cron:0 3 * * *");
        }
        Schedule schedule = schedule(text);
        int count = intParam(request, "count", 10, 1, 1000);
        String fromText = request.getParameter("from");
        Instant from = fromText == null || fromText.isBlank() ? Instant.now() : instant(fromText, "from");
        JsonObject o = new JsonObject();
        o.addProperty("schedule", schedule.text());
        o.addProperty("description", admin.describe(schedule));
        o.add("fires", Json.fires(admin.preview(schedule, from, count)));
        send(response, 200, o);
    }

    private void openApi(HttpServletResponse response) throws IOException {
        try (InputStream in = ApiServlet.class.getResourceAsStream("/openapi.json")) {
            if (in == null) {
                throw new IllegalStateException("openapi.json is missing from the bundle");
            }
            byte[] bytes = in.readAllBytes();
            response.setStatus(200);
            response.setContentType("application/json");
            response.setCharacterEncoding("UTF-8");
            response.setContentLength(bytes.length);
            response.getOutputStream().write(bytes);
        }
    }

    // ---- parsing helpers: every bad value is a 400 naming its field

    private static Schedule schedule(String text) {
        try {
            return Schedule.parse(text.trim());
        } catch (ScheduleParseException e) {
            throw e;
        } catch (IllegalArgumentException e) {
            throw Problems.badField("schedule", e.getMessage());
        }
    }

    private TaskId resolveParam(String text, String field) {
        try {
            return admin.resolve(text.trim());
        } catch (NoSuchTaskException e) {
            throw new Problems.ProblemException(404, "No such task", e.getMessage(), field);
        } catch (IllegalArgumentException e) {
            throw Problems.badField(field, e.getMessage());
        }
    }

    private static Instant instant(String text, String field) {
        try {
            return Instant.parse(text.trim());
        } catch (DateTimeParseException e) {
            try {
                return java.time.OffsetDateTime.parse(text.trim()).toInstant();
            } catch (DateTimeParseException e2) {
                throw Problems.badField(field, "'" + text + "' is not an ISO-8601 instant such as "
                        + "2026-12-07T03:00:00Z");
            }
        }
    }

    static int intParam(HttpServletRequest request, String name, int defaultValue, int min, int max) {
        String text = request.getParameter(name);
        if (text == null || text.isBlank()) {
            return defaultValue;
        }
        long value;
        try {
            value = Long.parseLong(text.trim());
        } catch (NumberFormatException e) {
            throw Problems.badField(name, "'" + text + "' is not a whole number");
        }
        if (value < min || value > max) {
            throw Problems.badField(name, value + " is out of range [" + min + ", " + max + "]");
        }
        return (int) value;
    }

    static JsonObject body(HttpServletRequest request, boolean required) throws IOException {
        String type = request.getContentType();
        byte[] bytes = request.getInputStream().readNBytes(MAX_BODY + 1);
        if (bytes.length > MAX_BODY) {
            throw new Problems.ProblemException(413, "Body too large", "at most " + MAX_BODY + " bytes", "body");
        }
        String text = new String(bytes, StandardCharsets.UTF_8).trim();
        if (text.isEmpty()) {
            if (required) {
                throw Problems.badField("body", "a JSON object is required");
            }
            return new JsonObject();
        }
        if (type == null || !type.toLowerCase(Locale.ROOT).startsWith("application/json")) {
            throw new Problems.ProblemException(415, "Unsupported media type",
                    "send the body as Content-Type: application/json", "body");
        }
        try {
            JsonElement element = JsonParser.parseString(text);
            if (!element.isJsonObject()) {
                throw Problems.badField("body", "must be a JSON object");
            }
            return element.getAsJsonObject();
        } catch (JsonParseException e) {
            throw Problems.badField("body", "is not valid JSON: " + e.getMessage());
        }
    }

    static String requiredString(JsonObject body, String field) {
        return optionalString(body, field).orElseThrow(() -> Problems.badField(field, "is required"));
    }

    static Optional<String> optionalString(JsonObject body, String field) {
        JsonElement e = body.get(field);
        if (e == null || e.isJsonNull()) {
            return Optional.empty();
        }
        if (!e.isJsonPrimitive() || !e.getAsJsonPrimitive().isString()) {
            throw Problems.badField(field, "must be a string");
        }
        return Optional.of(e.getAsString());
    }

    static Map<String, String> stringMap(JsonObject body, String field) {
        JsonElement e = body.get(field);
        if (e == null || e.isJsonNull()) {
            return Map.of();
        }
        if (!e.isJsonObject()) {
            throw Problems.badField(field, "must be an object of string values");
        }
        Map<String, String> map = new LinkedHashMap<>();
        for (Map.Entry<String, JsonElement> entry : e.getAsJsonObject().entrySet()) {
            JsonElement v = entry.getValue();
            if (!v.isJsonPrimitive()) {
                throw Problems.badField(field + "." + entry.getKey(), "must be a string, number or boolean");
            }
            map.put(entry.getKey(), v.getAsString());
        }
        return map;
    }

    static Set<String> keys(JsonObject body) {
        JsonElement e = body.get("lockKeys");
        if (e == null || e.isJsonNull()) {
            return Set.of();
        }
        if (!e.isJsonArray()) {
            throw Problems.badField("lockKeys", "must be an array of strings");
        }
        Set<String> keys = new LinkedHashSet<>();
        for (JsonElement k : e.getAsJsonArray()) {
            if (!k.isJsonPrimitive() || !k.getAsJsonPrimitive().isString()) {
                throw Problems.badField("lockKeys", "must be an array of strings");
            }
            if (!TaskId.ID_PATTERN.matcher(k.getAsString()).matches()) {
                throw Problems.badField("lockKeys", "'" + k.getAsString() + "' does not match "
                        + TaskId.ID_PATTERN.pattern());
            }
            keys.add(k.getAsString());
        }
        return keys;
    }

    private static JsonObject page(Integer total, int offset, int limit, JsonArray items) {
        JsonObject o = new JsonObject();
        if (total == null) {
            o.add("total", com.google.gson.JsonNull.INSTANCE);
        } else {
            o.addProperty("total", total);
        }
        o.addProperty("offset", offset);
        o.addProperty("limit", limit);
        o.add("items", items);
        return o;
    }

    private static JsonObject runId(String runId) {
        JsonObject o = new JsonObject();
        o.addProperty("runId", runId);
        return o;
    }

    static void send(HttpServletResponse response, int status, JsonElement body) throws IOException {
        byte[] bytes = Json.GSON.toJson(body).getBytes(StandardCharsets.UTF_8);
        response.setStatus(status);
        response.setContentType("application/json");
        response.setCharacterEncoding("UTF-8");
        response.setContentLength(bytes.length);
        response.getOutputStream().write(bytes);
    }

    private static void only(boolean shapeOk) {
        if (!shapeOk) {
            throw notFound();
        }
    }

    private static Problems.ProblemException notFound() {
        return new Problems.ProblemException(404, "Not found", "no such API path; see /api/v1/openapi.json", null);
    }

    private static void allow(String method, String allowed) {
        if (!method.equals(allowed)) {
            notAllowed(allowed);
        }
    }

    private static void notAllowed(String allowed) {
        throw new Problems.ProblemException(405, "Method not allowed", "allowed: " + allowed, null);
    }
}
