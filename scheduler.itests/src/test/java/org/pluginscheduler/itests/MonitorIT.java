package org.pluginscheduler.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;
import static org.ops4j.pax.exam.CoreOptions.composite;
import static org.ops4j.pax.exam.CoreOptions.frameworkProperty;
import static org.ops4j.pax.exam.CoreOptions.mavenBundle;
import static org.ops4j.pax.exam.CoreOptions.options;
import static org.pluginscheduler.itests.TestPlugin.plugin;

import java.io.IOException;
import java.lang.reflect.Proxy;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Arrays;
import java.util.Hashtable;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import java.util.stream.StreamSupport;

import javax.inject.Inject;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import org.junit.Before;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.Configuration;
import org.ops4j.pax.exam.Option;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;
import org.osgi.framework.Bundle;
import org.osgi.framework.Constants;
import org.osgi.framework.ServiceRegistration;
import org.osgi.service.cm.ConfigurationAdmin;
import org.osgi.service.servlet.context.ServletContextHelper;
import org.pluginscheduler.api.RunStatus;
import org.pluginscheduler.api.TaskDefinition;
import org.pluginscheduler.api.TaskId;
import org.pluginscheduler.api.TaskResult;
import org.pluginscheduler.api.store.TaskStore;
import org.pluginscheduler.api.store.TaskStoreException;

/**
 * Bundle {@code scheduler.monitor} on the real Felix HTTP Jetty 12 with Felix Health Checks: {@code GET /metrics}
 * (Prometheus text) and {@code GET /health} (JSON), in the servlet context {@code org.pluginscheduler.web}. That
 * context belongs to scheduler.web (with its authentication); here the test registers a plain one in its place, so
 * the monitor is tested alone. Jetty listens on 127.0.0.1 on a free port.
 *
 * <p>What breaks what a check checks: stopping the execution bundle (the timer check warns: fires are held), a task
 * store that fails every call (the store check is critical), and the label cap set through Config Admin.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class MonitorIT extends SchedulerTestBase {

    private static final String PORT = "org.osgi.service.http.port";
    private static final String PLUGIN = "itest.monitor.plugin";
    private static final String MONITOR_PID = "org.pluginscheduler.monitor";
    private static final List<String> CHECKS = List.of("Scheduler store", "Scheduler timer", "Scheduler stuck runs",
            "Scheduler fire lag", "Scheduler providers");

    /** The stand-in for scheduler.web's context: registered once per framework. */
    private static ServiceRegistration<ServletContextHelper> webContext;

    @Inject
    private ConfigurationAdmin configAdmin;

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    @Override
    @Configuration
    public Option[] config() throws IOException {
        return options(composite(baseOptions()),
                frameworkProperty(PORT).value(String.valueOf(freePort())),
                frameworkProperty("org.apache.felix.http.host").value("127.0.0.1"),
                mavenBundle("org.apache.felix", "org.apache.felix.http.servlet-api").versionAsInProject(),
                mavenBundle("org.apache.felix", "org.apache.felix.http.jetty12").versionAsInProject(),
                mavenBundle("commons-fileupload", "commons-fileupload").versionAsInProject(),
                mavenBundle("commons-io", "commons-io").versionAsInProject(),
                mavenBundle("com.google.code.gson", "gson").versionAsInProject(),
                mavenBundle("org.osgi", "org.osgi.service.event").versionAsInProject(),
                mavenBundle("org.apache.felix", "org.apache.felix.healthcheck.api").versionAsInProject(),
                mavenBundle("org.apache.felix", "org.apache.felix.healthcheck.core").versionAsInProject(),
                projectBundle("itest.bundle.monitor"));
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    @Before
    public void serve() {
        if (webContext == null) {
            Hashtable<String, Object> properties = new Hashtable<>();
            properties.put("osgi.http.whiteboard.context.name", "org.pluginscheduler.web");
            properties.put("osgi.http.whiteboard.context.path", "/");
            webContext = context.registerService(ServletContextHelper.class, new ServletContextHelper() {
            }, properties);
        }
        awaitTrue("/metrics and /health served", () -> status("/metrics") == 200
                && List.of(200, 503).contains(status("/health")));
    }

    @Test
    public void metricsShowThePluginsTaskAfterItRan() throws Exception {
        start(plugin(PLUGIN).tasks("mon-tick=" + FAST));
        TaskId tick = TaskId.of(PLUGIN, "mon-tick");
        awaitRuns(tick, RunStatus.SUCCEEDED, 2);

        String series = "pluginscheduler_runs_total{owner=\"" + PLUGIN + "\",status=\"SUCCEEDED\",task=\"" + tick
                + "\"}";
        HttpResponse<String> response = await("a sample " + series, () -> {
            HttpResponse<String> r = get("/metrics");
            return r.body().contains(series) ? Optional.of(r) : Optional.empty();
        });

        assertEquals(200, response.statusCode());
        String type = response.headers().firstValue("Content-Type").orElse("").toLowerCase().replace(" ", "");
        assertEquals("text/plain;version=0.0.4;charset=utf-8", type);
        String text = response.body();
        assertTrue(value(text, series) >= 1);
        assertTrue(value(text, "pluginscheduler_tasks{state=\"ACTIVE\"}") >= 1);
        String labels = "owner=\"" + PLUGIN + "\",task=\"" + tick + "\"";
        assertTrue(value(text, "pluginscheduler_run_seconds_total{" + labels + "}") >= 0);
        String owner = "owner=\"" + PLUGIN + "\"";
        assertTrue(value(text, "pluginscheduler_run_duration_seconds_bucket{" + owner + ",le=\"1.0\"}") >= 1);
        assertTrue(value(text, "pluginscheduler_fire_lag_seconds_count{" + owner + "}") >= 1);
        assertTrue(value(text, "pluginscheduler_store_write_seconds_count") >= 1);
        assertEquals(1.0, value(text, "pluginscheduler_executing"), 0);
        assertTrue(text.contains("# HELP pluginscheduler_runs_total "));
        String runId = runs(tick).get(0).runId();
        assertFalse("a run id is never a label", text.contains(runId));
    }

    @Test
    public void healthIsOkWithEveryCheckOfTheScheduler() {
        HttpResponse<String> response = get("/health");
        JsonObject json = JsonParser.parseString(response.body()).getAsJsonObject();
        assertEquals(response.body(), 200, response.statusCode());
        assertTrue(response.headers().firstValue("Content-Type").orElse("").startsWith("application/json"));
        assertEquals(response.body(), "OK", json.get("status").getAsString());
        assertEquals(CHECKS.stream().sorted().collect(Collectors.toList()),
                checks(json).keySet().stream().sorted().collect(Collectors.toList()));
        for (JsonElement c : json.getAsJsonArray("checks")) {
            JsonObject check = c.getAsJsonObject();
            assertEquals("[\"scheduler\"]", check.getAsJsonArray("tags").toString());
            assertTrue(check.getAsJsonArray("messages").size() > 0);
        }
        JsonObject none = JsonParser.parseString(get("/health?tags=no-such-tag").body()).getAsJsonObject();
        assertTrue("no scheduler check has that tag", checks(none).keySet().stream().noneMatch(CHECKS::contains));
    }

    @Test
    public void healthWarnsWhileNoExecutionServiceRunsTheFires() throws Exception {
        Bundle execution = Arrays.stream(context.getBundles())
                .filter(b -> "scheduler.execution".equals(b.getSymbolicName())).findFirst().orElseThrow();
        execution.stop();
        try {
            awaitTrue("the scheduler without execution service", () -> !scheduler.stats().executing());
            HttpResponse<String> response = get("/health");
            JsonObject json = JsonParser.parseString(response.body()).getAsJsonObject();
            assertEquals(response.body(), 200, response.statusCode());
            assertEquals(response.body(), "WARN", json.get("status").getAsString());
            JsonObject timer = checks(json).get("Scheduler timer");
            assertEquals("WARN", timer.get("status").getAsString());
            assertTrue(timer.toString(), timer.getAsJsonArray("messages").toString().contains("No execution service"));
            assertEquals(0.0, value(get("/metrics").body(), "pluginscheduler_executing"), 0);
        } finally {
            execution.start();
        }
        awaitTrue("the execution service back", () -> scheduler.stats().executing());
    }

    @Test
    public void healthIsCriticalWhenTheStoreFails() throws Exception {
        AtomicBoolean broken = new AtomicBoolean();
        AtomicInteger lookups = new AtomicInteger();
        TaskStore store = (TaskStore) Proxy.newProxyInstance(TaskStore.class.getClassLoader(),
                new Class<?>[] {TaskStore.class}, (proxy, method, args) -> {
                    if (method.getDeclaringClass() == Object.class) {
                        return method.getName().equals("equals") ? proxy == args[0]
                                : method.getName().equals("hashCode") ? System.identityHashCode(proxy) : "BreakableStore";
                    }
                    if (method.getName().equals("run")) {
                        lookups.incrementAndGet();
                    }
                    if (broken.get()) {
                        throw new TaskStoreException("broken by MonitorIT");
                    }
                    return empty(method.getReturnType());
                });
        Hashtable<String, Object> properties = new Hashtable<>();
        properties.put(Constants.SERVICE_RANKING, Integer.MAX_VALUE);
        ServiceRegistration<TaskStore> registration = context.registerService(TaskStore.class, store, properties);
        try {
            awaitTrue("the breakable store bound", () -> {
                int before = lookups.get();
                scheduler.run("probe");
                return lookups.get() > before;
            });
            broken.set(true);

            HttpResponse<String> response = get("/health");
            JsonObject json = JsonParser.parseString(response.body()).getAsJsonObject();
            assertEquals(response.body(), 503, response.statusCode());
            assertEquals("CRITICAL", json.get("status").getAsString());
            JsonObject check = checks(json).get("Scheduler store");
            assertEquals("CRITICAL", check.get("status").getAsString());
            assertTrue(check.toString(), check.getAsJsonArray("messages").toString().contains("broken by MonitorIT"));
            assertTrue("the metrics are still served",
                    Double.isNaN(value(get("/metrics").body(), "pluginscheduler_dead_letters")));
        } finally {
            broken.set(false);
            registration.unregister();
        }
        awaitTrue("the store check OK again",
                () -> "OK".equals(checks(JsonParser.parseString(get("/health").body()).getAsJsonObject())
                        .get("Scheduler store").get("status").getAsString()));
    }

    @Test
    public void theTaskLabelCapIsConfiguredThroughConfigAdmin() throws Exception {
        TaskId first = scheduler.addTask(TaskDefinition.builder("mon-first").schedule("cron:0 0 1 1 *").build(),
                execution -> TaskResult.success(), true);
        TaskId second = scheduler.addTask(TaskDefinition.builder("mon-second").schedule("cron:0 0 1 1 *").build(),
                execution -> TaskResult.success(), true);
        org.osgi.service.cm.Configuration configuration = configAdmin.getConfiguration(MONITOR_PID, "?");
        try {
            scheduler.call(first, Map.of());
            awaitTrue("the first run counted", () -> get("/metrics").body().contains("status=\"SUCCEEDED\",task=\""));
            // one label at most: taken by now (by the first task, or by a task of an earlier test)
            configuration.update(new Hashtable<>(Map.of("max.task.series", "1")));
            awaitTrue("the monitor's settings updated", () -> {
                try {
                    return context.getServiceReferences((String) null,
                            "(&(objectClass=org.pluginscheduler.monitor.MonitorSettingsComponent)"
                                    + "(max.task.series=1))") != null;
                } catch (org.osgi.framework.InvalidSyntaxException e) {
                    throw new IllegalStateException(e);
                }
            });
            String owner = first.owner();
            String other = "pluginscheduler_runs_total{owner=\"" + owner + "\",status=\"SUCCEEDED\",task=\"_other\"}";
            String[] last = {""};
            try {
                awaitTrue("the configuration applied: a new task's runs counted as _other", () -> {
                    scheduler.call(second, Map.of());
                    last[0] = get("/metrics").body();
                    return last[0].contains(other);
                });
            } catch (AssertionError e) {
                throw new AssertionError(e.getMessage() + "\nruns in /metrics:\n" + last[0].lines()
                        .filter(l -> l.startsWith("pluginscheduler_runs_total")).collect(Collectors.joining("\n")), e);
            }
            assertFalse(get("/metrics").body().contains("task=\"" + second + "\""));
        } finally {
            configuration.delete();
            scheduler.removeTask(first);
            scheduler.removeTask(second);
        }
    }

    /**
     * Prints the time of {@code GET /metrics} with 10,000 tasks in the real scheduler (one plugin's provider supplies
     * them); asserts nothing about the time.
     */
    @Test
    public void scrapeTimeAtTenThousandTasks() throws Exception {
        String yearly = "=cron:0 0 1 1 *";
        String tasks = java.util.stream.IntStream.range(0, 10_000).mapToObj(i -> "mon-many-" + i + yearly)
                .collect(Collectors.joining("|"));
        start(plugin("itest.monitor.many").tasks(tasks));
        awaitTrue("10,000 tasks registered", () -> scheduler.tasks().size() >= 10_000);
        for (int i = 0; i < 5; i++) {
            get("/metrics"); // warm up
        }
        int times = 20;
        long start = System.nanoTime();
        String body = null;
        for (int i = 0; i < times; i++) {
            body = get("/metrics").body();
        }
        double ms = (System.nanoTime() - start) / 1e6 / times;
        assertTrue(value(body, "pluginscheduler_tasks{state=\"ACTIVE\"}") >= 10_000);
        System.out.printf("MonitorIT: GET /metrics with %d tasks: %.1f ms (mean of %d, over HTTP)%n",
                scheduler.tasks().size(), ms, times);
    }

    @Test
    public void theConfigurationIsDescribedByMetatype() {
        Bundle monitor = Arrays.stream(context.getBundles())
                .filter(b -> "scheduler.monitor".equals(b.getSymbolicName())).findFirst().orElseThrow();
        org.osgi.framework.ServiceReference<org.osgi.service.metatype.MetaTypeService> ref =
                context.getServiceReference(org.osgi.service.metatype.MetaTypeService.class);
        org.osgi.service.metatype.ObjectClassDefinition ocd = context.getService(ref)
                .getMetaTypeInformation(monitor).getObjectClassDefinition(MONITOR_PID, null);
        List<String> ids = Arrays.stream(ocd.getAttributeDefinitions(org.osgi.service.metatype.ObjectClassDefinition.ALL))
                .map(org.osgi.service.metatype.AttributeDefinition::getID).sorted().collect(Collectors.toList());
        assertEquals(List.of("lag.critical", "lag.warn", "max.task.series", "store.slow", "stuck.critical"), ids);
        context.ungetService(ref);
    }

    // --- helpers ------------------------------------------------------------------------------------------------

    private static Object empty(Class<?> type) {
        if (type == List.class) {
            return List.of();
        }
        if (type == Optional.class) {
            return Optional.empty();
        }
        if (type == int.class) {
            return 0;
        }
        if (type == boolean.class) {
            return false;
        }
        return null;
    }

    private static Map<String, JsonObject> checks(JsonObject health) {
        return StreamSupport.stream(health.getAsJsonArray("checks").spliterator(), false)
                .map(JsonElement::getAsJsonObject)
                .collect(Collectors.toMap(c -> c.get("name").getAsString(), c -> c));
    }

    private int status(String path) {
        try {
            return send(path).statusCode();
        } catch (IOException e) { // not listening yet
            return -1;
        }
    }

    private HttpResponse<String> get(String path) {
        try {
            return send(path);
        } catch (IOException e) {
            throw new AssertionError("GET " + path + ": " + e, e);
        }
    }

    private HttpResponse<String> send(String path) throws IOException {
        URI uri = URI.create("http://127.0.0.1:" + context.getProperty(PORT) + path);
        try {
            return http.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(5)).GET().build(),
                    HttpResponse.BodyHandlers.ofString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
    }

    /** @return the value of the one sample {@code series} (name and labels exactly as written) */
    private static double value(String text, String series) {
        return text.lines().filter(l -> l.startsWith(series + " ")).findFirst()
                .map(l -> Double.parseDouble(l.substring(series.length() + 1)))
                .orElseThrow(() -> new AssertionError("no sample " + series + " in:\n" + text));
    }
}
