package org.pluginscheduler.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertNotNull;
import static org.junit.Assert.assertNull;
import static org.junit.Assert.assertTrue;
import static org.ops4j.pax.exam.CoreOptions.composite;
import static org.ops4j.pax.exam.CoreOptions.frameworkProperty;
import static org.ops4j.pax.exam.CoreOptions.mavenBundle;
import static org.ops4j.pax.exam.CoreOptions.options;
import static org.pluginscheduler.itests.TestPlugin.plugin;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashSet;
import java.util.Hashtable;
import java.util.List;
import java.util.Map;
import java.util.Set;
import javax.crypto.SecretKeyFactory;
import javax.crypto.spec.PBEKeySpec;
import org.junit.After;
import org.junit.Before;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.Configuration;
import org.ops4j.pax.exam.Option;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;
import org.osgi.service.cm.ConfigurationAdmin;
import org.pluginscheduler.api.RunStatus;
import org.pluginscheduler.api.TaskDefinition;
import org.pluginscheduler.api.TaskId;
import org.pluginscheduler.api.TaskResult;
import org.pluginscheduler.api.TaskState;

/**
 * The REST API (/api/v1) of bundle scheduler.web against the real Jetty 12 (Felix HTTP): every endpoint's status
 * codes and JSON shapes, roles, CSRF, read-only, throttling, and bad input answered with a problem naming the field.
 * The HTTP calls are made from the test with java.net.http, as a script would.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class WebApiIT extends SchedulerTestBase {

    static final int PORT = sharedPort("itest.web.port");
    static final String BASE = "http://127.0.0.1:" + PORT;
    private static final String OPERATOR = "olga";
    private static final String VIEWER = "victor";
    private static final String PASSWORD = "correct horse battery staple";
    private static final String TOKEN = "itest-token-0123456789abcdefghijklmnopqrstuvwxyz";

    @javax.inject.Inject
    private ConfigurationAdmin configAdmin;

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final List<TaskId> added = new ArrayList<>();

    @Configuration
    public Option[] config() throws IOException {
        return options(composite(baseOptions()), webOptions(PORT));
    }

    /** The web surface's bundles on Jetty 12, bound to loopback on {@code port}. */
    static Option webOptions(int port) {
        return composite(
                frameworkProperty("org.osgi.service.http.port").value(Integer.toString(port)),
                frameworkProperty("org.apache.felix.http.host").value("127.0.0.1"),
                mavenBundle("org.apache.felix", "org.apache.felix.gogo.runtime").versionAsInProject(),
                mavenBundle("org.apache.felix", "org.apache.felix.http.servlet-api").versionAsInProject(),
                mavenBundle("commons-io", "commons-io").versionAsInProject(),
                mavenBundle("commons-fileupload", "commons-fileupload").versionAsInProject(),
                mavenBundle("org.apache.felix", "org.apache.felix.http.jetty12").versionAsInProject(),
                mavenBundle("com.google.code.gson", "gson").versionAsInProject(),
                mavenBundle("org.osgi", "org.osgi.service.event").versionAsInProject(),
                mavenBundle("org.apache.felix", "org.apache.felix.healthcheck.api").versionAsInProject(),
                mavenBundle("org.apache.felix", "org.apache.felix.healthcheck.core").versionAsInProject(),
                projectBundle("itest.bundle.monitor"),
                ((org.ops4j.pax.exam.options.UrlProvisionOption) projectBundle("itest.bundle.web")).noStart());
    }

    /**
     * A free port, the same for the options (made outside the framework) and the probe (loaded again inside it):
     * kept in a system property of the shared JVM.
     */
    static int sharedPort(String property) {
        synchronized (System.class) {
            String port = System.getProperty(property);
            if (port == null) {
                port = Integer.toString(freePort());
                System.setProperty(property, port);
            }
            return Integer.parseInt(port);
        }
    }

    static int freePort() {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Configures the web bundle (its credential file under target/) before starting it, then adds the users. */
    @Before
    public void users() throws Exception {
        configure("org.pluginscheduler.web", Map.of("admin.credential.file",
                Path.of(System.getProperty("itest.work", "target/itest"), "web-admin.credential").toAbsolutePath()
                        .toString(), "login.max.failures", 5, "login.lockout", "PT2S"));
        startWeb(context);
        factory("org.pluginscheduler.web.user", OPERATOR, Map.of("name", OPERATOR, "role", "operator",
                "password.hash", pbkdf2(PASSWORD)));
        factory("org.pluginscheduler.web.user", VIEWER, Map.of("name", VIEWER, "role", "viewer",
                "password.hash", pbkdf2(PASSWORD)));
        factory("org.pluginscheduler.web.token", "ci", Map.of("name", "ci", "role", "operator",
                "token.sha256", sha256(TOKEN)));
        awaitTrue("the API answers the operator", () -> get("/api/v1/session", basic(OPERATOR)).status == 200);
        awaitTrue("the API answers the viewer", () -> get("/api/v1/session", basic(VIEWER)).status == 200);
        awaitTrue("the API answers the token", () -> get("/api/v1/session", bearer(TOKEN)).status == 200);
    }

    static void startWeb(org.osgi.framework.BundleContext context) throws org.osgi.framework.BundleException {
        org.osgi.framework.Bundle web = java.util.Arrays.stream(context.getBundles())
                .filter(b -> "scheduler.web".equals(b.getSymbolicName())).findFirst()
                .orElseThrow(() -> new AssertionError("scheduler.web is not installed"));
        if (web.getState() != org.osgi.framework.Bundle.ACTIVE) {
            web.start();
        }
    }

    @After
    public void cleanUp() {
        scheduler.resumeAll();
        added.forEach(scheduler::removeTask);
        added.clear();
    }

    // ---- authentication and roles

    @Test
    public void everyRequestIsAuthenticatedAndAnswersAProblem() {
        Resp none = get("/api/v1/tasks");
        assertEquals(401, none.status);
        assertProblem(none, 401, null);
        assertTrue("scripts get a Basic challenge", none.header("WWW-Authenticate").startsWith("Basic"));
        Resp fromPage = get("/api/v1/tasks", "Sec-Fetch-Mode", "cors");
        assertEquals(401, fromPage.status);
        assertNull("the dashboard's fetch gets no challenge (no browser prompt)", fromPage.header("WWW-Authenticate"));
        assertEquals(401, get("/api/v1/tasks", "Authorization", "Basic " + b64(OPERATOR + ":wrong")).status);
        assertEquals(401, get("/api/v1/tasks", bearer("no-such-token")).status);
        assertEquals(401, get("/api/v1/tasks", "Authorization", "Digest x").status);
        assertEquals("the dashboard's files hold no data and need no log-in", 200, get("/ui/").status);
        assertEquals(302, get("/").status);
        for (String sneaky : List.of("/ui/../api/v1/tasks", "/ui/%2e%2e/api/v1/tasks", "/ui/..%2fapi/v1/tasks",
                "/ui/%2e%2e%2fapi%2fv1%2ftasks")) {
            Resp resp = get(sneaky);
            assertTrue(sneaky + " must not reach the API without credentials: " + resp.status + " " + resp.body,
                    resp.status != 200 || !resp.body.contains("\"items\""));
        }
        assertEquals(404, get("/ui/secret.txt").status);
    }

    @Test
    public void metricsAndHealthSitBehindTheSameAuthentication() {
        assertEquals(401, get("/metrics").status);
        assertEquals(401, get("/health").status);
        Resp metrics = get("/metrics", basic(VIEWER));
        assertEquals(200, metrics.status);
        assertTrue(metrics.body.contains("pluginscheduler_tasks{state=\"ACTIVE\"}"));
        Resp health = get("/health", basic(VIEWER));
        assertTrue(health.body, health.status == 200 || health.status == 503);
        assertTrue(health.json().has("checks"));
        assertEquals("a viewer cannot change anything here either", 403, post("/metrics", "", basic(VIEWER)).status);
    }

    @Test
    public void pathAndMethodTricksNeverReachTheApiWithoutCredentials() {
        for (String sneaky : List.of("//api/v1/tasks", "/api//v1/tasks", "/api/v1/tasks;x=y", "/api/v1/./tasks",
                "/api/v1/tasks/", "/API/v1/tasks", "/ui/..;/api/v1/tasks", "/%75i/../api/v1/tasks",
                "/ui/%252e%252e/api/v1/tasks", "/ui;x/../api/v1/tasks", "/ui/%2e%2e;/api/v1/tasks",
                "/ui/..%5Capi/v1/tasks", "/api/v1/tasks%3Bx", "/ui/%2e%2e%2f%2e%2e%2fapi/v1/tasks")) {
            Resp resp = get(sneaky);
            assertTrue(sneaky + ": " + resp.status + " " + resp.body, List.of(400, 401, 404).contains(resp.status)
                    && !resp.body.contains("\"items\""));
        }
        for (String method : List.of("HEAD", "OPTIONS", "TRACE", "PATCH", "get")) {
            assertEquals(method, 401, send(method, "/api/v1/tasks", null).status);
        }
        assertEquals("no method override", 401, post("/api/v1/scheduler/pause", "", "X-HTTP-Method-Override", "GET",
                "X-HTTP-Method", "GET", "X-Method-Override", "GET").status);
        assertEquals("a GET changes nothing, whatever the path", 405, get("/api/v1/scheduler/pause", basic(OPERATOR))
                .status);
        assertFalse(scheduler.isPausedAll());
        assertEquals("a lower-case method is still a read: a viewer cannot act with it", 405,
                send("get", "/api/v1/scheduler/pause", null, basic(VIEWER)).status);
        assertFalse(scheduler.isPausedAll());
    }

    @Test
    public void aMalformedQueryIsAProblemNamingTheQueryNotAServerError() {
        String response = raw("GET /api/v1/tasks?limit=%zz HTTP/1.1\r\nHost: 127.0.0.1:" + PORT
                + "\r\nAuthorization: " + basic(VIEWER)[1] + "\r\nConnection: close\r\n\r\n");
        assertTrue(response, response.startsWith("HTTP/1.1 400 "));
        assertTrue(response, response.contains("Content-Type: application/problem+json"));
        assertTrue(response, response.contains("\"field\":\"query\""));
        assertFalse(response, response.contains("Exception"));
    }

    @Test
    public void everyAnswerButTheDashboardsFilesIsNeverStored() {
        for (String path : List.of("/api/v1/tasks", "/no-such-thing", "/metrics")) {
            Resp resp = get(path, basic(VIEWER));
            assertEquals(path, "no-store", resp.header("Cache-Control"));
            assertEquals(path, "nosniff", resp.header("X-Content-Type-Options"));
        }
        Resp page = get("/ui/", "Sec-Fetch-Mode", "navigate");
        assertEquals(200, page.status);
        assertTrue(page.header("Content-Security-Policy").contains("frame-ancestors 'none'"));
        assertEquals("DENY", page.header("X-Frame-Options"));
    }

    @Test
    public void viewersReadAndOperatorsAct() {
        TaskId id = onDemand("web-roles", TaskResult.success("ok"));
        String path = "/api/v1/tasks/" + enc(id.toString());
        assertEquals(200, get(path, basic(VIEWER)).status);
        Resp refused = post(path + "/trigger", "", basic(VIEWER));
        assertEquals(403, refused.status);
        assertProblem(refused, 403, null);
        assertTrue(refused.json().get("detail").getAsString().contains("viewer"));
        assertEquals(202, post(path + "/trigger", "", basic(OPERATOR)).status);
        assertEquals("a token acts with its role", 202, post(path + "/trigger", "", bearer(TOKEN)).status);

        // every change and every refusal is audited: who, what, which task, the outcome
        assertEquals("the audit log is for operators", 403, get("/api/v1/audit", basic(VIEWER)).status);
        assertEquals(401, get("/api/v1/tasks", "Authorization", "Basic " + b64(VIEWER + ":wrong password")).status);
        JsonArray audit = get("/api/v1/audit?limit=20", basic(OPERATOR)).json().getAsJsonArray("items");
        List<String> lines = new ArrayList<>();
        audit.forEach(e -> {
            JsonObject o = e.getAsJsonObject();
            lines.add(o.get("user").getAsString() + " " + o.get("method").getAsString() + " "
                    + o.get("path").getAsString() + " " + (o.get("task").isJsonNull() ? "-" : o.get("task")
                    .getAsString()) + " " + o.get("status").getAsInt());
        });
        String trigger = "/api/v1/tasks/" + id + "/trigger";
        assertTrue(lines.toString(), lines.contains("ci POST " + trigger + " " + id + " 202"));
        assertTrue(lines.toString(), lines.contains(OPERATOR + " POST " + trigger + " " + id + " 202"));
        assertTrue("the refusal too: " + lines, lines.stream().anyMatch(l -> l.startsWith(VIEWER + " POST " + trigger)
                && l.endsWith(" 403")));
        assertTrue("a refused read: " + lines, lines.contains(VIEWER + " GET /api/v1/audit - 403"));
        assertTrue("a read with wrong credentials: " + lines, lines.contains("- GET /api/v1/tasks - 401"));
        assertFalse("no password in the audit: " + audit, audit.toString().contains("wrong password"));
    }

    @Test
    public void aSessionNeedsItsCsrfTokenToAct() {
        TaskId id = onDemand("web-csrf", TaskResult.success("ok"));
        Resp wrong = post("/api/v1/session", json("user", OPERATOR, "password", "nope"));
        assertEquals(401, wrong.status);
        Resp login = post("/api/v1/session", json("user", OPERATOR, "password", PASSWORD));
        assertEquals(200, login.status);
        String setCookie = login.header("Set-Cookie");
        assertTrue(setCookie, setCookie.startsWith("PSSESSION=") && setCookie.contains("HttpOnly")
                && setCookie.contains("SameSite=Strict"));
        String cookie = setCookie.substring(0, setCookie.indexOf(';'));
        String csrf = login.json().get("csrfToken").getAsString();
        assertEquals("operator", login.json().get("role").getAsString());
        assertEquals(200, get("/api/v1/session", "Cookie", cookie).status);
        assertEquals(csrf, get("/api/v1/session", "Cookie", cookie).json().get("csrfToken").getAsString());
        String trigger = "/api/v1/tasks/" + enc(id.toString()) + "/trigger";
        Resp noToken = post(trigger, "", "Cookie", cookie);
        assertEquals(403, noToken.status);
        assertTrue(noToken.json().get("title").getAsString().contains("CSRF"));
        assertEquals(403, post(trigger, "", "Cookie", cookie, "X-CSRF-Token", csrf + "x").status);
        assertEquals(202, post(trigger, "", "Cookie", cookie, "X-CSRF-Token", csrf).status);
        Resp crossSite = post(trigger, "", "Cookie", cookie, "X-CSRF-Token", csrf, "Origin", "http://evil.example");
        assertEquals(403, crossSite.status);
        assertEquals("Basic credentials from another site are refused too", 403,
                post(trigger, "", basicAnd(OPERATOR, "Sec-Fetch-Site", "cross-site")).status);
        assertEquals(204, delete("/api/v1/session", "Cookie", cookie).status);
        assertEquals("logged out", 401, get("/api/v1/session", "Cookie", cookie).status);
        // newest first: the refused use of the ended session's cookie, then the log-out
        JsonArray recent = get("/api/v1/audit?limit=2", basic(OPERATOR)).json().getAsJsonArray("items");
        List<String> lines = new ArrayList<>();
        recent.forEach(e -> {
            JsonObject o = e.getAsJsonObject();
            lines.add(o.get("user").getAsString() + " " + o.get("method").getAsString() + " "
                    + o.get("path").getAsString() + " " + o.get("status").getAsInt() + " "
                    + o.get("note").getAsString());
        });
        assertEquals(List.of("- GET /api/v1/session 401 refused=\"Authentication required\"",
                OPERATOR + " DELETE /api/v1/session 204 logout"), lines);
    }

    @Test
    public void failedLogInsAreThrottled() throws Exception {
        String user = "throttled-" + System.nanoTime();
        for (int i = 0; i < 5; i++) {
            assertEquals(401, post("/api/v1/session", json("user", user, "password", "guess" + i)).status);
        }
        Resp locked = post("/api/v1/session", json("user", user, "password", "guess"));
        assertEquals(429, locked.status);
        assertNotNull(locked.header("Retry-After"));
        assertProblem(locked, 429, null);
        Thread.sleep(2_100); // login.lockout = PT2S in this test's configuration
        assertEquals(401, post("/api/v1/session", json("user", user, "password", "again")).status);
    }

    @Test
    public void theReadOnlySwitchRefusesEveryChange() throws Exception {
        TaskId id = onDemand("web-readonly", TaskResult.success("ok"));
        Map<String, Object> settings = new java.util.HashMap<>(Map.of("read.only", true, "login.lockout", "PT2S",
                "admin.credential.file", Path.of(System.getProperty("itest.work", "target/itest"),
                        "web-admin.credential").toAbsolutePath().toString()));
        configure("org.pluginscheduler.web", settings);
        try {
            String trigger = "/api/v1/tasks/" + enc(id.toString()) + "/trigger";
            awaitTrue("read-only in force", () -> get("/api/v1/session", basic(OPERATOR)).json()
                    .get("readOnly").getAsBoolean());
            Resp refused = post(trigger, "", basic(OPERATOR));
            assertEquals(403, refused.status);
            assertEquals("Read-only", refused.json().get("title").getAsString());
            assertEquals(200, get("/api/v1/tasks", basic(OPERATOR)).status);
        } finally {
            settings.put("read.only", false);
            configure("org.pluginscheduler.web", settings);
            awaitTrue("read-write again", () -> !get("/api/v1/session", basic(OPERATOR)).json()
                    .get("readOnly").getAsBoolean());
        }
    }

    @Test
    public void theGeneratedAdminsCredentialIsOwnerOnly() throws Exception {
        Path file = Path.of(System.getProperty("itest.work", "target/itest"), "web-admin.credential");
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
        String password = Files.readAllLines(file).stream().filter(l -> l.startsWith("password="))
                .findFirst().orElseThrow().substring("password=".length());
        assertTrue(password.length() >= 24);
        Resp me = get("/api/v1/session", "Authorization", "Basic " + b64("admin:" + password));
        assertEquals(200, me.status);
        assertEquals("operator", me.json().get("role").getAsString());
    }

    @Test
    public void theShellAddsUsersAndTokensThatCanLogIn() throws Exception {
        String user = shell("web:useradd carol viewer");
        assertTrue(user, user.startsWith("user carol (viewer), password: "));
        String password = user.substring(user.indexOf("password: ") + 10, user.indexOf('\n')).trim();
        awaitTrue("carol can log in", () -> get("/api/v1/session", "Authorization", "Basic " + b64("carol:"
                + password)).status == 200);
        assertEquals("viewer", get("/api/v1/session", "Authorization", "Basic " + b64("carol:" + password)).json()
                .get("role").getAsString());
        String token = shell("web:tokenadd deploy-bot operator");
        String secret = token.substring(token.indexOf("): ") + 3, token.indexOf('\n')).trim();
        awaitTrue("the token works", () -> get("/api/v1/session", bearer(secret)).status == 200);
        assertTrue(shell("web:users"), shell("web:users").contains("user  carol viewer"));
        assertFalse("only the hash is kept", configAdmin.listConfigurations("(name=carol)")[0].getProperties()
                .toString().contains(password));
        assertEquals("removed carol", shell("web:userdel carol"));
        awaitTrue("carol is gone", () -> get("/api/v1/session", "Authorization", "Basic " + b64("carol:"
                + password)).status == 401);
        shell("web:userdel deploy-bot");
        assertTrue(shell("web:hashpw hunter2").startsWith("pbkdf2-sha256$600000$"));
    }

    private String shell(String command) throws Exception {
        org.osgi.framework.ServiceReference<org.apache.felix.service.command.CommandProcessor> ref =
                context.getServiceReference(org.apache.felix.service.command.CommandProcessor.class);
        org.apache.felix.service.command.CommandProcessor processor = context.getService(ref);
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        java.io.PrintStream print = new java.io.PrintStream(out, true, StandardCharsets.UTF_8);
        try (org.apache.felix.service.command.CommandSession session = processor.createSession(
                new java.io.ByteArrayInputStream(new byte[0]), print, print)) {
            Object result = session.execute(command);
            return result == null ? out.toString(StandardCharsets.UTF_8) : result.toString();
        } finally {
            context.ungetService(ref);
        }
    }

    // ---- tasks

    @Test
    public void theTaskListFiltersPagesAndCounts() {
        for (int i = 0; i < 7; i++) {
            onDemand(String.format("web-page-%02d", i), TaskResult.success("ok"));
        }
        String owner = added.get(0).owner();
        JsonObject page = get("/api/v1/tasks?owner=" + enc(owner) + "&q=web-page&offset=2&limit=3", basic(VIEWER))
                .json();
        assertEquals(7, page.get("total").getAsInt());
        assertEquals(2, page.get("offset").getAsInt());
        assertEquals(3, page.get("limit").getAsInt());
        JsonArray items = page.getAsJsonArray("items");
        assertEquals(3, items.size());
        JsonObject first = items.get(0).getAsJsonObject();
        assertEquals(owner + ":web-page-02", first.get("id").getAsString());
        for (String field : List.of("owner", "taskId", "tenant", "name", "state", "schedule", "scheduleDescription",
                "scheduleOverridden", "nextFire", "lastFire", "lastStatus", "problem", "ownerBundle")) {
            assertTrue("task field " + field + " in " + first, first.has(field));
        }
        assertTrue(page.getAsJsonObject("facets").getAsJsonObject("owners").get(owner).getAsInt() >= 7);
        assertTrue(page.getAsJsonObject("facets").getAsJsonObject("states").has("ACTIVE"));
        assertEquals(0, get("/api/v1/tasks?state=paused&q=web-page", basic(VIEWER)).json().get("total").getAsInt());
        assertProblem(get("/api/v1/tasks?limit=0", basic(VIEWER)), 400, "limit");
        assertProblem(get("/api/v1/tasks?limit=abc", basic(VIEWER)), 400, "limit");
        assertProblem(get("/api/v1/tasks?offset=-1", basic(VIEWER)), 400, "offset");
        assertProblem(get("/api/v1/tasks?state=SLEEPING", basic(VIEWER)), 400, "state");
    }

    @Test
    public void oneTaskItsRunsAndOneRunWhole() {
        TaskId id = onDemand("web-detail", TaskResult.success("done", Map.of("rows", "42")));
        String path = "/api/v1/tasks/" + enc(id.toString());
        JsonObject detail = get(path, basic(VIEWER)).json();
        assertEquals(id.toString(), detail.get("id").getAsString());
        assertEquals("on-demand", detail.getAsJsonObject("definition").get("schedule").getAsString());
        assertTrue(detail.has("nextFires") && detail.has("zone"));
        assertEquals("a bare id unique across owners resolves", 200, get("/api/v1/tasks/web-detail",
                basic(VIEWER)).status);
        assertProblem(get("/api/v1/tasks/" + enc("nobody:nothing"), basic(VIEWER)), 404, "id");

        JsonObject call = post(path + "/call", json("arguments", Map.of("customer", "acme")), basic(OPERATOR)).json();
        assertEquals("SUCCEEDED", call.get("status").getAsString());
        assertEquals("acme", call.getAsJsonObject("arguments").get("customer").getAsString());
        assertEquals("42", call.getAsJsonObject("data").get("rows").getAsString());
        String runId = call.get("runId").getAsString();
        JsonObject run = get("/api/v1/runs/" + enc(runId), basic(VIEWER)).json();
        for (String field : List.of("runId", "taskId", "trigger", "attempt", "status", "scheduledAt", "startedAt",
                "endedAt", "durationMs", "lagMs", "message", "data", "arguments")) {
            assertTrue("run field " + field + " in " + run, run.has(field));
        }
        assertEquals("done", run.get("message").getAsString());
        assertProblem(get("/api/v1/runs/no-such-run", basic(VIEWER)), 404, "runId");

        String triggered = post(path + "/trigger", "", basic(OPERATOR)).json().get("runId").getAsString();
        awaitTrue("the triggered run finished", () -> "SUCCEEDED".equals(get("/api/v1/runs/" + enc(triggered),
                basic(VIEWER)).json().get("status").getAsString()));
        JsonObject runs = get(path + "/runs?limit=1", basic(VIEWER)).json();
        assertEquals(1, runs.getAsJsonArray("items").size());
        assertTrue(runs.get("hasMore").getAsBoolean());
        assertEquals(triggered, runs.getAsJsonArray("items").get(0).getAsJsonObject().get("runId").getAsString());
        JsonObject second = get(path + "/runs?offset=1&limit=5", basic(VIEWER)).json();
        assertEquals(runId, second.getAsJsonArray("items").get(0).getAsJsonObject().get("runId").getAsString());
        assertEquals(2, second.get("total").getAsInt());
    }

    @Test
    public void submitTakesArgumentsATimeAndLockKeysAndNamesBadFields() {
        TaskId id = onDemand("web-submit", TaskResult.success("ok"));
        String path = "/api/v1/tasks/" + enc(id.toString()) + "/submit";
        Resp accepted = post(path, json("arguments", Map.of("n", "1"), "lockKeys", List.of("customer-7")),
                basic(OPERATOR));
        assertEquals(202, accepted.status);
        String runId = accepted.json().get("runId").getAsString();
        awaitTrue("the submission ran", () -> scheduler.run(runId).map(r -> r.status() == RunStatus.SUCCEEDED)
                .orElse(false));
        assertEquals("1", scheduler.run(runId).orElseThrow().arguments().get("n"));
        assertProblem(post(path, json("at", "tomorrow"), basic(OPERATOR)), 400, "at");
        assertProblem(post(path, json("lockKeys", List.of("no spaces allowed")), basic(OPERATOR)), 400, "lockKeys");
        assertProblem(post(path, json("arguments", List.of("x")), basic(OPERATOR)), 400, "arguments");
        assertProblem(post(path, "{not json", basic(OPERATOR)), 400, "body");
        assertEquals(415, post(path, "{}", "Authorization", "Basic " + b64(OPERATOR + ":" + PASSWORD),
                "Content-Type", "text/plain").status);
    }

    @Test
    public void enableDisablePauseResumeRescheduleResetAndRemove() {
        TaskId id = onDemand("web-admin-ops", TaskResult.success("ok"));
        String path = "/api/v1/tasks/" + enc(id.toString());
        assertEquals("DISABLED", post(path + "/disable", "", basic(OPERATOR)).json().get("state").getAsString());
        assertEquals("ACTIVE", post(path + "/enable", "", basic(OPERATOR)).json().get("state").getAsString());
        assertEquals("PAUSED", post(path + "/pause", "", basic(OPERATOR)).json().get("state").getAsString());
        assertEquals("ACTIVE", post(path + "/resume", "", basic(OPERATOR)).json().get("state").getAsString());
        JsonObject moved = put(path + "/schedule", json("schedule", "cron:0 3 * * *"), basic(OPERATOR)).json();
        assertEquals("cron:0 3 * * *", moved.get("schedule").getAsString());
        assertTrue(moved.get("scheduleOverridden").getAsBoolean());
        assertTrue(moved.get("scheduleDescription").getAsString().contains("03:00"));
        assertProblem(put(path + "/schedule", json("schedule", "cron:99 * * * *"), basic(OPERATOR)), 400, "schedule");
        assertProblem(put(path + "/schedule", "{}", basic(OPERATOR)), 400, "schedule");
        assertFalse(delete(path + "/schedule", basic(OPERATOR)).json().get("scheduleOverridden").getAsBoolean());
        assertEquals(405, get(path + "/trigger", basic(OPERATOR)).status);
        assertEquals(404, post(path + "/explode", "", basic(OPERATOR)).status);
        assertEquals(204, delete(path, basic(OPERATOR)).status);
        added.remove(id);
        assertEquals(404, get(path, basic(OPERATOR)).status);
    }

    @Test
    public void aProvidersTaskCannotBeRemovedAndConflictsAre409() throws Exception {
        start(plugin("itest.web.provider").tasks("web-provided=cron:0 0 1 1 *"));
        TaskId id = TaskId.of("itest.web.provider", "web-provided");
        awaitState(id, TaskState.ACTIVE);
        Resp refused = delete("/api/v1/tasks/" + enc(id.toString()), basic(OPERATOR));
        assertEquals(409, refused.status);
        assertProblem(refused, 409, null);
    }

    @Test
    public void deadLettersListReplayAndPurge() {
        TaskId doomed = added(scheduler.addTask(TaskDefinition.builder("web-doomed").schedule("on-demand")
                .deadLetterEligible(true).build(), execution -> TaskResult.failure("doomed to fail"), false));
        String first = scheduler.trigger(doomed);
        awaitTrue("a dead letter", () -> scheduler.deadLetters().stream().anyMatch(d -> d.runId().equals(first)));
        JsonObject letters = get("/api/v1/dead-letters?task=" + enc(doomed.toString()), basic(VIEWER)).json();
        assertEquals(1, letters.get("total").getAsInt());
        JsonObject letter = letters.getAsJsonArray("items").get(0).getAsJsonObject();
        assertEquals("doomed to fail", letter.get("lastError").getAsString());
        Resp replay = post("/api/v1/dead-letters/" + enc(first) + "/replay", "", basic(OPERATOR));
        assertEquals(202, replay.status);
        String replayed = replay.json().get("runId").getAsString();
        awaitTrue("the replay failed into a new dead letter", () -> scheduler.deadLetters().stream()
                .anyMatch(d -> d.runId().equals(replayed)));
        assertProblem(post("/api/v1/dead-letters/no-such/replay", "", basic(OPERATOR)), 404, "runId");
        Resp purge = delete("/api/v1/dead-letters?task=" + enc(doomed.toString()), basic(OPERATOR));
        assertEquals(1, purge.json().get("purged").getAsInt());
        assertProblem(get("/api/v1/dead-letters?task=" + enc("nobody:x"), basic(VIEWER)), 404, "task");
    }

    @Test
    public void theWholeSchedulerStatsAndPreview() {
        assertFalse(get("/api/v1/scheduler", basic(VIEWER)).json().get("pausedAll").getAsBoolean());
        assertTrue(post("/api/v1/scheduler/pause", "", basic(OPERATOR)).json().get("pausedAll").getAsBoolean());
        assertTrue(scheduler.isPausedAll());
        assertFalse(post("/api/v1/scheduler/resume", "", basic(OPERATOR)).json().get("pausedAll").getAsBoolean());
        JsonObject stats = get("/api/v1/stats", basic(VIEWER)).json();
        for (String field : List.of("since", "runsByStatus", "lag", "pools", "stuckRuns", "pendingRetries",
                "heldLocks", "paused", "executing", "heldRuns", "history", "owners", "providerProblems")) {
            assertTrue("stats field " + field, stats.has(field));
        }
        assertTrue(stats.getAsJsonObject("lag").has("p99Ms"));
        JsonObject preview = get("/api/v1/schedules/preview?schedule=" + enc("cron:0 3 * * * tz=Europe/Paris")
                + "&count=3&from=2026-01-01T00:00:00Z", basic(VIEWER)).json();
        assertEquals(3, preview.getAsJsonArray("fires").size());
        assertEquals("2026-01-01T03:00+01:00", preview.getAsJsonArray("fires").get(0).getAsString());
        assertTrue(preview.get("description").getAsString().contains("03:00"));
        assertProblem(get("/api/v1/schedules/preview?schedule=" + enc("rrule:FREQ=SOMETIMES"), basic(VIEWER)), 400,
                "schedule");
        assertProblem(get("/api/v1/schedules/preview", basic(VIEWER)), 400, "schedule");
        assertProblem(get("/api/v1/schedules/preview?schedule=" + enc("every:PT1M") + "&count=5000",
                basic(VIEWER)), 400, "count");
        assertProblem(get("/api/v1/schedules/preview?schedule=" + enc("every:PT1M") + "&from=yesterday",
                basic(VIEWER)), 400, "from");
    }

    @Test
    public void theOpenApiDescriptionCoversEveryRoute() throws Exception {
        JsonObject api = get("/api/v1/openapi.json", basic(VIEWER)).json();
        assertTrue(api.get("openapi").getAsString().startsWith("3."));
        JsonObject paths = api.getAsJsonObject("paths");
        Set<String> described = new HashSet<>();
        for (Map.Entry<String, JsonElement> path : paths.entrySet()) {
            for (String method : path.getValue().getAsJsonObject().keySet()) {
                if (List.of("get", "post", "put", "delete").contains(method)) {
                    described.add(method.toUpperCase() + " " + path.getKey());
                }
            }
        }
        assertEquals(new HashSet<>(webRoutes()), described);
    }

    /** Sends a request as written (java.net.http refuses malformed ones) and returns the whole response. */
    static String raw(String request) {
        try (java.net.Socket socket = new java.net.Socket("127.0.0.1", PORT)) {
            socket.setSoTimeout(10_000);
            socket.getOutputStream().write(request.getBytes(StandardCharsets.ISO_8859_1));
            socket.getOutputStream().flush();
            return new String(socket.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    // ---- helpers

    private List<String> webRoutes() throws Exception {
        org.osgi.framework.Bundle web = java.util.Arrays.stream(context.getBundles())
                .filter(b -> "scheduler.web".equals(b.getSymbolicName())).findFirst().orElseThrow();
        @SuppressWarnings("unchecked")
        List<String> routes = (List<String>) web.loadClass("org.pluginscheduler.web.api.ApiServlet")
                .getField("ROUTES").get(null);
        return routes;
    }

    private TaskId onDemand(String id, TaskResult result) {
        return added(scheduler.addTask(TaskDefinition.builder(id).schedule("on-demand").build(),
                execution -> result, true));
    }

    private TaskId added(TaskId id) {
        added.add(id);
        return id;
    }

    private void configure(String pid, Map<String, Object> properties) throws IOException {
        configAdmin.getConfiguration(pid, "?").update(new Hashtable<>(properties));
    }

    private void factory(String factoryPid, String name, Map<String, Object> properties) throws IOException {
        configAdmin.getFactoryConfiguration(factoryPid, name, "?").update(new Hashtable<>(properties));
    }

    static String pbkdf2(String password) throws Exception {
        byte[] salt = new byte[16];
        new SecureRandom().nextBytes(salt);
        int iterations = 100_000;
        byte[] hash = SecretKeyFactory.getInstance("PBKDF2WithHmacSHA256")
                .generateSecret(new PBEKeySpec(password.toCharArray(), salt, iterations, 256)).getEncoded();
        return "pbkdf2-sha256$" + iterations + "$" + Base64.getEncoder().encodeToString(salt) + "$"
                + Base64.getEncoder().encodeToString(hash);
    }

    static String sha256(String token) throws Exception {
        return java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256")
                .digest(token.getBytes(StandardCharsets.UTF_8)));
    }

    static String b64(String text) {
        return Base64.getEncoder().encodeToString(text.getBytes(StandardCharsets.UTF_8));
    }

    static String enc(String text) {
        return URLEncoder.encode(text, StandardCharsets.UTF_8).replace("+", "%20");
    }

    private static String[] basic(String user) {
        return new String[] {"Authorization", "Basic " + b64(user + ":" + PASSWORD)};
    }

    private static String[] basicAnd(String user, String... more) {
        String[] all = new String[2 + more.length];
        all[0] = "Authorization";
        all[1] = "Basic " + b64(user + ":" + PASSWORD);
        System.arraycopy(more, 0, all, 2, more.length);
        return all;
    }

    private static String[] bearer(String token) {
        return new String[] {"Authorization", "Bearer " + token};
    }

    static String json(Object... pairs) {
        JsonObject o = new JsonObject();
        for (int i = 0; i < pairs.length; i += 2) {
            o.add((String) pairs[i], new com.google.gson.Gson().toJsonTree(pairs[i + 1]));
        }
        return o.toString();
    }

    static void assertProblem(Resp resp, int status, String field) {
        assertEquals(resp.body, status, resp.status);
        assertTrue(resp.header("Content-Type"), resp.header("Content-Type").startsWith("application/problem+json"));
        JsonObject problem = resp.json();
        assertEquals(status, problem.get("status").getAsInt());
        assertTrue(problem.has("title") && problem.has("type"));
        if (field != null) {
            assertEquals(resp.body, field, problem.get("field").getAsString());
        }
    }

    Resp get(String path, String... headers) {
        return send("GET", path, null, headers);
    }

    Resp delete(String path, String... headers) {
        return send("DELETE", path, null, headers);
    }

    Resp post(String path, String body, String... headers) {
        return send("POST", path, body, headers);
    }

    Resp put(String path, String body, String... headers) {
        return send("PUT", path, body, headers);
    }

    Resp send(String method, String path, String body, String... headers) {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(BASE + path)).timeout(Duration.ofSeconds(20))
                .method(method, body == null || body.isEmpty() ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(body));
        boolean typed = false;
        for (int i = 0; i < headers.length; i += 2) {
            request.header(headers[i], headers[i + 1]);
            typed |= headers[i].equalsIgnoreCase("Content-Type");
        }
        if (body != null && !body.isEmpty() && !typed) {
            request.header("Content-Type", "application/json");
        }
        try {
            HttpResponse<String> response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
            return new Resp(response.statusCode(), response.headers().map(), response.body());
        } catch (IOException e) {
            return new Resp(-1, Map.of(), e.toString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    /** One HTTP response. */
    static final class Resp {
        final int status;
        final Map<String, List<String>> headers;
        final String body;

        Resp(int status, Map<String, List<String>> headers, String body) {
            this.status = status;
            this.headers = headers;
            this.body = body;
        }

        String header(String name) {
            return headers.entrySet().stream().filter(e -> e.getKey().equalsIgnoreCase(name))
                    .map(e -> e.getValue().get(0)).findFirst().orElse(null);
        }

        JsonObject json() {
            try {
                return JsonParser.parseString(body).getAsJsonObject();
            } catch (RuntimeException e) {
                throw new AssertionError("not a JSON object (" + status + "): " + body, e);
            }
        }
    }
}
