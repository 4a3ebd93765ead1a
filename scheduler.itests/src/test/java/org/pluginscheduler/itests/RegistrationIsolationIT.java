package org.pluginscheduler.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;
import static org.ops4j.pax.exam.CoreOptions.composite;
import static org.ops4j.pax.exam.CoreOptions.mavenBundle;
import static org.ops4j.pax.exam.CoreOptions.options;
import static org.pluginscheduler.itests.TestPlugin.plugin;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Hashtable;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import javax.inject.Inject;

import org.apache.felix.service.command.CommandProcessor;
import org.apache.felix.service.command.CommandSession;
import org.junit.After;
import org.junit.Before;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.Configuration;
import org.ops4j.pax.exam.Option;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.options.UrlProvisionOption;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;
import org.osgi.framework.Bundle;
import org.osgi.framework.Constants;
import org.osgi.service.cm.ConfigurationAdmin;
import org.pluginscheduler.api.ProviderProblem;
import org.pluginscheduler.api.RunStatus;
import org.pluginscheduler.api.TaskId;
import org.pluginscheduler.itests.plugin.BlockingTasksActivator;
import org.pluginscheduler.itests.plugin.TestPluginActivator;

/**
 * A plugin whose provider blocks in {@code tasks()} costs that plugin alone: a plugin deployed after it registers and
 * fires at once, and the admin query and {@code task:list} name the blocked provider and since when.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class RegistrationIsolationIT extends SchedulerTestBase {

    private static final String SHELL_BUNDLE = "scheduler.shell";
    /** The provider read timeout configured here, short so the test does not wait the default 10 s. */
    private static final long READ_TIMEOUT_MS = 500;

    @Inject
    private ConfigurationAdmin configAdmin;

    @Inject
    private CommandProcessor processor;

    @Override
    @Configuration
    public Option[] config() throws IOException {
        return options(composite(baseOptions()),
                mavenBundle("org.apache.felix", "org.apache.felix.gogo.runtime").versionAsInProject(),
                mavenBundle("org.apache.felix", "org.apache.felix.gogo.command").versionAsInProject(),
                ((UrlProvisionOption) projectBundle("itest.bundle.shell")).noStart());
    }

    @Before
    public void configureAndStartShell() throws Exception {
        configureScheduler(Map.of("provider.read.timeout.ms", READ_TIMEOUT_MS));
        Bundle shell = Arrays.stream(context.getBundles()).filter(b -> SHELL_BUNDLE.equals(b.getSymbolicName()))
                .findFirst().orElseThrow(() -> new AssertionError("bundle " + SHELL_BUNDLE + " is not installed"));
        if (shell.getState() != Bundle.ACTIVE) {
            Hashtable<String, Object> remote = new Hashtable<>();
            remote.put("enabled", Boolean.FALSE); // no listening socket, no token file
            configAdmin.getConfiguration("org.pluginscheduler.shell.remote", "?").update(remote);
            shell.start();
        }
        awaitTrue("the task:* commands", () -> {
            try {
                return context.getServiceReferences((String) null, "(osgi.command.scope=task)") != null;
            } catch (org.osgi.framework.InvalidSyntaxException e) {
                throw new IllegalStateException(e);
            }
        });
    }

    /** The blocking plugins of the test running: released after it, so no thread outlives it. */
    private final List<String> blocking = new ArrayList<>();

    @After
    public void releaseBlockedProviders() throws IOException {
        for (String name : blocking) {
            Path release = release(name);
            if (!Files.exists(release)) {
                Files.createFile(release);
            }
        }
    }

    @Test
    public void aPluginDeployedAfterABlockedOneRegistersAndFiresWithinTwoSecondsAndTheBlockedOneIsNamed()
            throws Exception {
        start(blocking("itest.blocked"));
        long deployed = System.nanoTime();
        start(plugin("itest.after").tasks("t=" + FAST));
        TaskId t = TaskId.of("itest.after", "t");
        awaitRuns(t, RunStatus.SUCCEEDED, 1);
        Duration tookToFire = Duration.ofNanos(System.nanoTime() - deployed);
        assertTrue("registered and fired in " + tookToFire, tookToFire.compareTo(Duration.ofSeconds(2)) <= 0);

        ProviderProblem problem = await("itest.blocked reported", () -> scheduler.stats().providerProblems().stream()
                .filter(p -> p.owner().equals("itest.blocked")).findFirst());
        assertTrue(problem.provider(), problem.provider().matches("provider service \\d+ of itest.blocked 1.0.0"));
        assertTrue(problem.reason(), problem.reason().contains("tasks() has not returned within PT0.5S")
                && problem.reason().contains("task-scheduler-provider-read-"));
        String list = exec("task:list");
        assertTrue(list, list.contains("provider problem: " + problem.provider() + " (owner itest.blocked) since "));
        assertTrue(list, list.contains("itest.after:t"));
        assertFalse(list, list.contains("itest.blocked:" + BlockingTasksActivator.TASK));

        Files.createFile(release("itest.blocked")); // it returns at last: its list is applied, the problem is gone
        TaskId late = TaskId.of("itest.blocked", BlockingTasksActivator.TASK);
        awaitRuns(late, RunStatus.SUCCEEDED, 1);
        awaitTrue("no problem left", () -> scheduler.stats().providerProblems().isEmpty());
        assertFalse(exec("task:list").contains("provider problem"));
    }

    @Test
    public void nothingOfABlockedPluginThatWasUninstalledIsApplied() throws Exception {
        Bundle blocked = start(blocking("itest.blocked.gone"));
        await("itest.blocked.gone reported", () -> scheduler.stats().providerProblems().stream()
                .filter(p -> p.owner().equals("itest.blocked.gone")).findFirst());
        blocked.uninstall();
        ProviderProblem orphan = scheduler.stats().providerProblems().stream()
                .filter(p -> p.owner().equals("itest.blocked.gone")).findFirst().orElseThrow();
        assertTrue(orphan.reason(), orphan.reason().contains("went away"));

        Files.createFile(release("itest.blocked.gone"));
        awaitTrue("its thread is free", () -> scheduler.stats().providerProblems().isEmpty());
        letTheSchedulerTick(3);
        TaskId late = TaskId.of("itest.blocked.gone", BlockingTasksActivator.TASK);
        assertEquals(List.of(), entries(late));
        assertEquals(Optional.empty(), scheduler.task(late));
    }

    private TestPlugin blocking(String symbolicName) {
        blocking.add(symbolicName);
        return plugin(symbolicName).header(Constants.BUNDLE_ACTIVATOR, BlockingTasksActivator.class.getName());
    }

    private Path release(String symbolicName) {
        return TestPluginActivator.releaseFile(Path.of(context.getProperty(TestPluginActivator.LOG_DIR)),
                symbolicName);
    }

    private String exec(String line) throws Exception {
        ByteArrayOutputStream buffer = new ByteArrayOutputStream();
        PrintStream out = new PrintStream(buffer, true, StandardCharsets.UTF_8);
        try (CommandSession session = processor.createSession(InputStream.nullInputStream(), out, out)) {
            Object result = session.execute(line);
            out.flush();
            return result == null ? buffer.toString(StandardCharsets.UTF_8) : String.valueOf(result);
        }
    }
}
