package org.pluginscheduler.sample.cleanup;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.pluginscheduler.api.RetryDecision;
import org.pluginscheduler.api.RunStatus;
import org.pluginscheduler.api.TaskDefinition;
import org.pluginscheduler.api.TaskFailure;
import org.pluginscheduler.api.TaskId;
import org.pluginscheduler.testkit.TestExecution;

class CleanupFailureHookTest {

    private static final String OWNER = "sample.cleanup.plugin";

    @TempDir
    Path temp;

    private final CleanupFailureHook hook = new CleanupFailureHook(OWNER);

    private static TaskFailure failure(String owner, String message, Throwable error) {
        return new TaskFailure(TaskId.of(owner, CleanupTaskProvider.TEMP_FILES),
                TaskDefinition.builder(CleanupTaskProvider.TEMP_FILES).schedule("cron:0 3 * * *").build(), "run-7", 1,
                RunStatus.FAILED, message, Optional.ofNullable(error), Map.of());
    }

    private Optional<RetryDecision> decide(Throwable error) {
        return hook.onFailure(failure(OWNER, String.valueOf(error), error));
    }

    /** As {@link FolderCleaner} throws it when the folder itself cannot be read. */
    private static IOException unreadableFolder(IOException cause) {
        return new IOException("cannot read folder /srv/tmp: " + cause, cause);
    }

    @Test
    void permissionDeniedInTheCauseChainAbortsWithAReasonThatSaysWhatToFix() {
        RetryDecision d = decide(unreadableFolder(new AccessDeniedException("/srv/tmp"))).orElseThrow();

        assertInstanceOf(RetryDecision.Abort.class, d);
        assertEquals("permission denied (java.nio.file.AccessDeniedException: /srv/tmp); retrying cannot help: give "
                + "the runtime's user access to the folder, or configure another one, then trigger "
                + "sample.cleanup.plugin:temp-files", d.reason());
    }

    @Test
    void permissionDeniedAnywhereAbortsAlsoDeepAndUnwrapped() {
        assertInstanceOf(RetryDecision.Abort.class, decide(new AccessDeniedException("/srv/tmp")).orElseThrow());
        assertInstanceOf(RetryDecision.Abort.class, decide(new IllegalStateException("walk",
                new UncheckedIOException(new AccessDeniedException("/srv/tmp/a")))).orElseThrow());
    }

    @Test
    void aSecurityExceptionAborts() {
        RetryDecision d = decide(new SecurityException("access denied (\"java.io.FilePermission\" \"/srv/tmp\" "
                + "\"read\")")).orElseThrow();
        assertInstanceOf(RetryDecision.Abort.class, d);
        assertTrue(d.reason().startsWith("permission denied (java.lang.SecurityException: access denied"), d.reason());
    }

    @Test
    void tooManyOpenFilesRetriesAfterFiveMinutes() {
        RetryDecision d = decide(unreadableFolder(new FileSystemException("/srv/tmp", null, "Too many open files")))
                .orElseThrow();

        RetryDecision.Retry retry = assertInstanceOf(RetryDecision.Retry.class, d);
        assertEquals(Duration.ofMinutes(5), retry.delay());
        assertEquals("file system busy (Too many open files); retrying in 5 minutes", retry.reason());
    }

    @Test
    void aBusyDeviceOrATemporarilyUnavailableResourceRetriesToo() {
        RetryDecision busy = decide(new FileSystemException("/mnt/share", null, "Device or resource busy"))
                .orElseThrow();
        assertEquals(RetryDecision.retryAfter(Duration.ofMinutes(5),
                "file system busy (Device or resource busy); retrying in 5 minutes"), busy);
        assertInstanceOf(RetryDecision.Retry.class,
                decide(new FileSystemException("/mnt/share", null, "Resource temporarily unavailable")).orElseThrow());
    }

    @Test
    void permissionWinsWhenBothAreInTheChain() {
        Exception both = new FileSystemException("/srv/tmp", null, "Device or resource busy");
        both.initCause(new AccessDeniedException("/srv/tmp/x"));
        assertInstanceOf(RetryDecision.Abort.class, decide(both).orElseThrow());
    }

    @Test
    void otherFailuresAreLeftToTheTasksPolicy() {
        assertEquals(Optional.empty(), decide(unreadableFolder(new NoSuchFileException("/srv/tmp"))));
        assertEquals(Optional.empty(), decide(new FileSystemException("/srv/tmp", null, null)), "no reason given");
        assertEquals(Optional.empty(), decide(new IllegalStateException("bug")));
        assertEquals(Optional.empty(), hook.onFailure(failure(OWNER, "folder /srv/tmp is not a directory", null)),
                "a failed result carries no exception");
    }

    @Test
    void otherPluginsTasksAreNotItsBusinessWhateverTheFailure() {
        assertEquals(Optional.empty(), hook.onFailure(failure("com.example.other", "AccessDeniedException: /x",
                new AccessDeniedException("/x"))));
        assertEquals(Optional.empty(), hook.onFailure(failure("config", "busy",
                new FileSystemException("/x", null, "Device or resource busy"))));
    }

    @Test
    void aCauseCycleEnds() {
        Exception a = new Exception("a");
        Exception b = new Exception("b", a);
        a.initCause(b);
        assertEquals(Optional.empty(), decide(a));
    }

    @Test
    void whatTheCleanerThrowsForAnUnreadableFolderIsAborted() {
        FolderCleaner cleaner = new FolderCleaner(java.nio.file.Files::deleteIfExists, (folder, execution, action) -> {
            throw new AccessDeniedException(folder.toString());
        });
        IOException thrown;
        try {
            cleaner.clean(temp, 7, TestExecution.of(CleanupTaskProvider.TEMP_FILES));
            throw new AssertionError("the cleaner did not throw");
        } catch (IOException e) {
            thrown = e;
        }
        assertInstanceOf(RetryDecision.Abort.class, decide(thrown).orElseThrow());
    }
}
