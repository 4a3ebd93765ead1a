package org.pluginscheduler.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertNotEquals;
import static org.junit.Assert.assertTrue;
import static org.junit.Assume.assumeTrue;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;

import org.junit.After;
import org.junit.Before;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TestWatcher;
import org.junit.runner.Description;
import org.openqa.selenium.By;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;
import org.pluginscheduler.web.auth.Passwords;

/**
 * The dashboard in a real headless browser (the system's chromium, driven by Selenium through the system's
 * chromedriver; nothing is downloaded) against the shipped runtime started as a process, as run.sh does: log in as
 * the generated admin, see the sample plugin's tasks, open one, trigger it, see the new run and the chart, replay a
 * dead letter, then log in as a viewer and be refused an action both in the page (not offered) and at the API
 * (a forced POST answers 403).
 *
 * <p>Skipped (Assume) only when /usr/bin/chromium is absent. With {@code -Ddashboard.screenshots=<dir>} it saves
 * screenshots of the main pages there (docs/screenshots holds the committed ones); without it nothing outside
 * target/ is written.
 */
public class DashboardIT {

    private static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    private static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");
    private static final String SAMPLE_TASK = "sample.cleanup.plugin:temp-files";
    private static final String DEMO = "dashboard.demo";
    private static final String VIEWER = "viewer";
    private static final String VIEWER_PASSWORD = "viewer-password-for-DashboardIT";
    private static final Duration STARTUP_LIMIT = Duration.ofSeconds(30);
    private static final Duration PAGE_LIMIT = Duration.ofSeconds(15);

    private RuntimeProcess runtime;
    private WebDriver browser;
    private Path profile;
    private String base;

    /** On failure: the runtime's logs, the page as the browser last showed it. */
    @Rule
    public final TestWatcher diagnostics = RuntimeProcess.diagnostics(() -> runtime, 60);

    @Rule
    public final TestWatcher pageOnFailure = new TestWatcher() {
        @Override
        protected void failed(Throwable e, Description description) {
            if (browser == null || runtime == null) {
                return;
            }
            try {
                Path shot = runtime.work.resolve("failure.png");
                Files.write(shot, ((TakesScreenshot) browser).getScreenshotAs(OutputType.BYTES));
                System.out.println("page at failure: " + browser.getCurrentUrl() + ", screenshot " + shot);
                String text = browser.findElement(By.tagName("body")).getText();
                System.out.println("--- page text ---\n" + text.substring(0, Math.min(text.length(), 3000)));
            } catch (RuntimeException | IOException problem) {
                System.out.println("(no page snapshot: " + problem + ")");
            }
        }
    };

    @Before
    public void startRuntimeAndBrowser() throws Exception {
        assumeTrue("DashboardIT needs the system's chromium at " + CHROMIUM
                + " (Debian: apt-get install chromium chromium-driver); skipped", Files.isExecutable(CHROMIUM));
        assertTrue("chromium is installed but its driver is not: " + CHROMEDRIVER + " (apt-get install chromium-driver)",
                Files.isExecutable(CHROMEDRIVER));

        runtime = RuntimeProcess.prepare("dashboard-");
        int httpPort = freeLoopbackPort();
        base = "http://127.0.0.1:" + httpPort;
        // a viewer, configured as an operator would: a factory configuration file in etc/ with a PBKDF2 hash
        Files.writeString(runtime.work.resolve("etc/org.pluginscheduler.web.user-" + VIEWER + ".cfg"),
                "name = " + VIEWER + "\nrole = viewer\npassword.hash = "
                        + Passwords.hash(VIEWER_PASSWORD.toCharArray()) + "\n");
        // scheduled runs to chart (with their fire lag), and a task that fails into the dead letters
        runtime.deploy(TestPlugin.plugin(DEMO)
                .tasks("beat=every:PT1S|flaky=every:PT2S")
                .block("beat=PT0.02S")
                .fail("flaky")
                .deadLetter("flaky"));
        System.out.println("runtime working directory: " + runtime.work + ", dashboard " + base + "/ui/");
        runtime.start(List.of("-Dorg.osgi.service.http.port=" + httpPort));

        profile = Files.createTempDirectory(runtime.work, "chromium-profile-");
        ChromeOptions options = new ChromeOptions();
        options.setBinary(CHROMIUM.toFile());
        options.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update",
                "--disable-sync", "--window-size=1280,800", "--user-data-dir=" + profile);
        // the driver given by path: Selenium Manager (which would look for a driver on the network) is not asked
        System.setProperty(ChromeDriverService.CHROME_DRIVER_EXE_PROPERTY, CHROMEDRIVER.toString());
        ChromeDriverService service = new ChromeDriverService.Builder()
                .usingDriverExecutable(CHROMEDRIVER.toFile())
                .usingAnyFreePort()
                .withLogFile(runtime.work.resolve("chromedriver.log").toFile())
                .build();
        long browserStart = System.nanoTime();
        browser = new ChromeDriver(service, options);
        System.out.println("browser started in " + Duration.ofNanos(System.nanoTime() - browserStart).toMillis()
                + " ms: " + ((ChromeDriver) browser).getCapabilities().getBrowserVersion());
    }

    @After
    public void stop() throws Exception {
        if (browser != null) {
            browser.quit();
        }
        if (runtime != null) {
            runtime.close();
        }
    }

    @Test
    public void operatorActsAndViewerIsRefused() throws Exception {
        String adminPassword = awaitAdminCredential();
        awaitHttp();

        // log in as the generated admin
        browser.get(base + "/ui/");
        logIn("admin", adminPassword);
        assertEquals("operator", text(By.id("user-role")));

        // the task list shows the sample plugin's task: state, schedule in words (the schedule text as title)
        WebElement row = await("the sample task in the list",
                ExpectedConditions.presenceOfElementLocated(taskRow(SAMPLE_TASK)));
        assertEquals("ACTIVE", row.findElement(By.cssSelector("[data-testid=task-state]")).getText());
        WebElement words = row.findElements(By.tagName("td")).get(2);
        assertTrue("schedule in words: " + words.getText(), !words.getText().isBlank());
        assertEquals("the schedule text is the title", "cron:0 3 * * *", words.getAttribute("title"));
        assertTrue("paging says how many: " + text(By.id("page-info")), text(By.id("page-info")).contains(" of "));
        await("the demo plugin's tasks", ExpectedConditions.presenceOfElementLocated(taskRow(DEMO + ":beat")));
        filterByOwner();
        screenshot("task-list");

        // open the sample task, trigger it, see the new run in its history and on the chart
        browser.get(base + "/ui/#/tasks");
        await("the sample task in the list", ExpectedConditions.elementToBeClickable(
                By.cssSelector("tr[data-task-id='" + SAMPLE_TASK + "'] a[data-testid=task-link]"))).click();
        await("the task page", ExpectedConditions.textToBe(By.cssSelector("[data-testid=task-id]"), SAMPLE_TASK));
        assertFalse("next fires listed", browser.findElements(By.cssSelector("#next-fires time")).isEmpty());
        await("the trigger button", ExpectedConditions.elementToBeClickable(By.id("action-trigger"))).click();
        WebElement triggered = await("the trigger's answer",
                ExpectedConditions.presenceOfElementLocated(By.cssSelector("[data-testid=triggered-run]")));
        String runId = triggered.getAttribute("data-run-id");
        System.out.println("triggered run " + runId);
        By runRow = By.cssSelector("tr[data-testid=run-row][data-run-id='" + runId + "']");
        await("the run " + runId + " succeeded in the history", ExpectedConditions.attributeToBe(runRow,
                "data-status", "SUCCEEDED"));
        By point = By.cssSelector("#run-chart-svg circle.point-duration[data-run-id='" + runId + "']");
        WebElement dot = await("the run's duration on the chart", ExpectedConditions.presenceOfElementLocated(point));
        assertTrue("a duration in ms: " + dot.getAttribute("data-value"),
                Long.parseLong(dot.getAttribute("data-value")) >= 0);

        // reschedule with a preview: a bad schedule's problem names the field; a good one is previewed, applied,
        // shown as overridden, and reset to the provider's
        WebElement schedule = browser.findElement(By.id("reschedule-input"));
        schedule.clear();
        schedule.sendKeys("cron:61 * * * *");
        browser.findElement(By.id("reschedule-preview")).click();
        assertEquals("the problem names the field", "schedule", await("the bad schedule's problem",
                ExpectedConditions.presenceOfElementLocated(
                        By.cssSelector("#preview-result [data-testid=problem-field]"))).getText());
        assertEquals("the input is marked invalid", "true", schedule.getAttribute("aria-invalid"));
        schedule.clear();
        schedule.sendKeys("cron:0 4 * * *");
        browser.findElement(By.id("reschedule-preview")).click();
        await("five previewed fires", d -> d.findElements(By.cssSelector("[data-testid=preview-fires] time")).size() == 5);
        browser.findElement(By.id("reschedule-apply")).click();
        await("rescheduled", ExpectedConditions.textToBe(By.cssSelector("[data-testid=task-schedule]"), "cron:0 4 * * *"));
        assertTrue(text(By.id("action-result")).startsWith("Rescheduled"));
        await("reset offered", ExpectedConditions.elementToBeClickable(By.id("action-reset-schedule"))).click();
        await("reset to the provider's schedule",
                ExpectedConditions.textToBe(By.cssSelector("[data-testid=task-schedule]"), "cron:0 3 * * *"));

        // the demo task's page: a chart of scheduled runs with both series
        browser.get(base + "/ui/#/task/" + DEMO + "%3Abeat");
        await("the demo task's chart with lag points", d -> d.findElements(
                By.cssSelector("#run-chart-svg circle.point-lag")).size() >= 3);
        assertTrue(browser.findElements(By.cssSelector("#run-chart-svg circle.point-duration")).size() >= 3);
        screenshot("task-page");

        // one run whole
        browser.get(base + "/ui/#/run/" + runId);
        await("the run page", ExpectedConditions.textToBe(By.cssSelector("[data-testid=run-task]"), SAMPLE_TASK));
        assertEquals("SUCCEEDED", text(By.cssSelector("#run-detail [data-testid=run-status]")));
        assertEquals("MANUAL", text(By.cssSelector("[data-testid=run-trigger]")));

        // scheduler stats
        browser.get(base + "/ui/#/stats");
        await("the stats", ExpectedConditions.presenceOfElementLocated(By.cssSelector("[data-testid=pools-table]")));
        assertTrue("lag percentiles shown", text(By.cssSelector("[data-testid=lag-p99]")).endsWith("ms")
                || text(By.cssSelector("[data-testid=lag-p99]")).endsWith("s"));
        assertTrue("pause-all offered to an operator", browser.findElement(By.id("pause-all")).isDisplayed());
        screenshot("stats");

        // dead letters: the failing demo task's, replayed by the operator
        browser.get(base + "/ui/#/dead-letters");
        WebElement replay = await("a dead letter of " + DEMO + ":flaky", ExpectedConditions.elementToBeClickable(
                By.cssSelector("[data-testid=dead-letter-row] button[data-testid=dl-replay]")));
        screenshot("dead-letters");
        replay.click();
        WebElement replayed = await("the replay's answer",
                ExpectedConditions.presenceOfElementLocated(By.cssSelector("[data-testid=replayed-run]")));
        assertFalse("a new run id", replayed.getText().isBlank());

        // log out; log in as a viewer: the action is not offered, and forcing it is refused
        browser.findElement(By.id("logout")).click();
        await("the log-in form", ExpectedConditions.visibilityOfElementLocated(By.id("login-form")));
        logIn(VIEWER, VIEWER_PASSWORD);
        assertEquals("viewer", text(By.id("user-role")));
        browser.get(base + "/ui/#/task/" + SAMPLE_TASK.replace(":", "%3A"));
        await("the task page for the viewer",
                ExpectedConditions.textToBe(By.cssSelector("[data-testid=task-id]"), SAMPLE_TASK));
        await("the viewer's note", ExpectedConditions.visibilityOfElementLocated(By.id("actions-unavailable")));
        assertTrue("no trigger button for a viewer", browser.findElements(By.id("action-trigger")).isEmpty());
        assertTrue("no reschedule for a viewer", browser.findElements(By.id("reschedule-input")).isEmpty());
        Map<?, ?> forced = forcedTrigger(SAMPLE_TASK);
        System.out.println("viewer's forced trigger: " + forced);
        assertEquals("a viewer's POST with a valid session and CSRF token: " + forced, 403L,
                ((Number) forced.get("status")).longValue());
        assertNotEquals("the session had a CSRF token (so the 403 is the role's)", "", forced.get("csrf"));
        assertFalse("refused for the role, not for the CSRF token: " + forced.get("body"),
                String.valueOf(forced.get("body")).contains("CSRF"));
        browser.get(base + "/ui/#/stats");
        await("the stats for the viewer",
                ExpectedConditions.presenceOfElementLocated(By.cssSelector("[data-testid=pools-table]")));
        assertTrue("no pause-all for a viewer", browser.findElements(By.id("pause-all")).isEmpty());
    }

    // --- steps -------------------------------------------------------------------------------------------------

    private void logIn(String user, String password) {
        WebElement name = await("the log-in form", ExpectedConditions.visibilityOfElementLocated(By.id("login-user")));
        name.clear();
        name.sendKeys(user);
        browser.findElement(By.id("login-password")).sendKeys(password);
        browser.findElement(By.id("login-submit")).click();
        await("logged in as " + user, ExpectedConditions.textToBe(By.id("user-name"), user));
    }

    /** Picks the sample plugin in the owner filter: only its tasks remain, and the address keeps the filter. */
    private void filterByOwner() {
        org.openqa.selenium.support.ui.Select owner =
                new org.openqa.selenium.support.ui.Select(browser.findElement(By.id("filter-owner")));
        owner.selectByValue("sample.cleanup.plugin");
        await("only the sample plugin's tasks", d -> d.findElements(taskRow(DEMO + ":beat")).isEmpty()
                && !d.findElements(taskRow(SAMPLE_TASK)).isEmpty());
        assertTrue("the filter is in the address: " + browser.getCurrentUrl(),
                browser.getCurrentUrl().contains("owner=sample.cleanup.plugin"));
    }

    /** From the page, as the logged-in user: the session's CSRF token, then a trigger POST with it. */
    private Map<?, ?> forcedTrigger(String task) {
        Object answer = ((JavascriptExecutor) browser).executeAsyncScript("""
                const done = arguments[arguments.length - 1];
                (async () => {
                  const session = await (await fetch('/api/v1/session', {credentials: 'same-origin'})).json();
                  const response = await fetch('/api/v1/tasks/' + encodeURIComponent(arguments[0]) + '/trigger', {
                    method: 'POST', credentials: 'same-origin',
                    headers: {'X-CSRF-Token': session.csrfToken || '', 'Accept': 'application/json'}});
                  done({status: response.status, csrf: session.csrfToken || '', role: session.role,
                        body: await response.text()});
                })().catch((e) => done({status: -1, csrf: '', body: String(e)}));
                """, task);
        return (Map<?, ?>) answer;
    }

    private static By taskRow(String id) {
        return By.cssSelector("tr[data-testid=task-row][data-task-id='" + id + "']");
    }

    private String text(By by) {
        return browser.findElement(by).getText();
    }

    private <T> T await(String what, java.util.function.Function<? super WebDriver, T> condition) {
        return new WebDriverWait(browser, PAGE_LIMIT).withMessage(what).until(condition);
    }

    /** Saves the page as {@code <dashboard.screenshots>/<name>.png} when that property is set. */
    private void screenshot(String name) throws IOException {
        String folder = System.getProperty("dashboard.screenshots");
        if (folder == null || folder.isBlank()) {
            return;
        }
        Path target = Files.createDirectories(Path.of(folder)).resolve(name + ".png");
        // the whole page, 1280 wide and at least 800 high: the window grows to the page for the picture
        JavascriptExecutor js = (JavascriptExecutor) browser;
        int page = ((Number) js.executeScript("return document.documentElement.scrollHeight")).intValue();
        int frame = ((Number) js.executeScript("return window.outerHeight - window.innerHeight")).intValue();
        Dimension before = browser.manage().window().getSize();
        browser.manage().window().setSize(new Dimension(1280, Math.min(4000, Math.max(800, page) + frame)));
        try {
            Files.write(target, ((TakesScreenshot) browser).getScreenshotAs(OutputType.BYTES));
        } finally {
            browser.manage().window().setSize(before);
        }
        System.out.println("screenshot " + target);
    }

    /** The first credential the web bundle writes, owner-only, in the runtime's data/ folder. */
    private String awaitAdminCredential() throws Exception {
        Path file = runtime.work.resolve("data/web-admin.credential");
        return runtime.await(file + " with user= and password=", STARTUP_LIMIT, () -> {
            if (!Files.exists(file)) {
                return null;
            }
            Properties credential = new Properties();
            try (var in = Files.newBufferedReader(file)) {
                credential.load(in);
            }
            String password = credential.getProperty("password");
            if (password == null || password.isBlank()) {
                return null;
            }
            assertEquals("the generated user", "admin", credential.getProperty("user"));
            return password;
        });
    }

    /** Waits until the HTTP surface serves the page. */
    private void awaitHttp() throws Exception {
        HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        HttpRequest request = HttpRequest.newBuilder(URI.create(base + "/ui/index.html"))
                .timeout(Duration.ofSeconds(5)).build();
        runtime.await(base + "/ui/index.html answering 200", STARTUP_LIMIT, () -> {
            try {
                return client.send(request, HttpResponse.BodyHandlers.discarding()).statusCode() == 200 ? true : null;
            } catch (IOException e) {
                return null;
            }
        });
    }

    private static int freeLoopbackPort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }
}
