package org.pluginscheduler.store.h2;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Instant;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.pluginscheduler.api.RunStatus;
import org.pluginscheduler.api.store.TaskStoreException;

/** A database that cannot be opened or read: the message names the file and the remedy, never the password. */
class OpenFailureTest {

    private static final String CONFIG = "etc/org.pluginscheduler.store.h2.cfg";

    @TempDir
    Path dir;

    @Test
    void aFileHeldByAnotherRuntimeIsReportedAsLockedWithTheRemedy() throws Exception {
        Process other = StoreProcess.start("hold", dir);
        try {
            BufferedReader out = new BufferedReader(new InputStreamReader(other.getInputStream(),
                    StandardCharsets.UTF_8));
            assertEquals("open", out.readLine(), "the other runtime opened the database");

            TaskStoreException e = assertThrows(TaskStoreException.class, () -> TestStores.open(dir));

            assertLockedMessage(e);
        } finally {
            other.getOutputStream().close(); // lets it close the store and exit
            if (!other.waitFor(10, TimeUnit.SECONDS)) {
                other.destroyForcibly();
            }
        }
        TestStores.open(dir).close(); // free again
    }

    @Test
    void aFileLockedInThisProcessIsReportedTheSameWay() throws Exception {
        TestStores.open(dir).close();
        try (FileChannel channel = FileChannel.open(dir.resolve("scheduler.mv.db"), StandardOpenOption.WRITE);
             FileLock lock = channel.lock()) {
            assertLockedMessage(assertThrows(TaskStoreException.class, () -> TestStores.open(dir)));
        }
    }

    private void assertLockedMessage(TaskStoreException e) {
        String file = dir.resolve("scheduler.mv.db").toAbsolutePath().toString();
        assertEquals("database file " + file + " is locked: is another runtime using this data folder? Stop it, "
                + "or configure another url in " + CONFIG, e.getMessage());
        assertNoPassword(e);
    }

    @Test
    void aWrongPasswordIsReportedWithoutEitherPassword() {
        TestStores.open(dir).close();
        String url = TestStores.url(dir);
        String wrong = "wrong-Passw0rd";
        TaskStoreException e = assertThrows(TaskStoreException.class, () -> H2TaskStore.open(
                TestStores.dataSource(url, wrong), new StoreSettings(url, "sa", wrong, 1, 1, 1, 1, 0, false)));
        assertTrue(e.getMessage().startsWith("wrong user or password for database file "), e.getMessage());
        assertTrue(e.getMessage().contains(CONFIG));
        assertNoPassword(e);
        assertFalse(describe(e).contains(wrong));
    }

    @Test
    void aPasswordInTheUrlIsMaskedEverywhere() {
        String url = TestStores.url(dir) + ";PASSWORD=url-Secret-1;NO_SUCH_SETTING=1";
        TaskStoreException e = assertThrows(TaskStoreException.class, () -> H2TaskStore.open(
                TestStores.dataSource(url, TestStores.PASSWORD), TestStores.settings(url)));
        assertFalse(describe(e).contains("url-Secret-1"), describe(e));
        assertNoPassword(e);
    }

    @Test
    void aCorruptFileIsReportedWithTheRemedy() throws Exception {
        Files.writeString(dir.resolve("scheduler.mv.db"), "not an H2 file!\n".repeat(512)); // whole blocks
        TaskStoreException e = assertThrows(TaskStoreException.class, () -> TestStores.open(dir));
        assertTrue(e.getMessage().startsWith("database file " + dir.resolve("scheduler.mv.db") + " is corrupt ("),
                e.getMessage());
        assertTrue(e.getMessage().endsWith("restore it from a backup, or move it aside to start with an empty "
                + "history, or configure another url in " + CONFIG), e.getMessage());
        assertNoPassword(e);
    }

    @Test
    void aTruncatedFileIsReportedWithWhatH2CouldNotRead() throws Exception {
        Files.writeString(dir.resolve("scheduler.mv.db"), "x");
        TaskStoreException e = assertThrows(TaskStoreException.class, () -> TestStores.open(dir));
        assertTrue(e.getMessage().startsWith("database file " + dir.resolve("scheduler.mv.db") + ": could not open "
                + "it (IO Exception: "), e.getMessage());
        assertTrue(e.getMessage().contains("; Reading from file "), e.getMessage());
        assertTrue(e.getMessage().contains("or the file damaged? Free space or fix the folder's permissions, restore "
                + "the file from a backup, or configure another url in " + CONFIG), e.getMessage());
        assertTrue(describe(e).contains("java.io.EOFException"), "the cause chain is kept for the log");
    }

    @Test
    void aFolderThatCannotBeCreatedIsReportedAsAnIoProblem() throws Exception {
        Files.writeString(dir.resolve("data"), "a file where the data folder should be");
        String url = "jdbc:h2:file:" + dir.resolve("data").resolve("scheduler");
        TaskStoreException e = assertThrows(TaskStoreException.class, () -> H2TaskStore.open(
                TestStores.dataSource(url, TestStores.PASSWORD), TestStores.settings(url)));
        assertTrue(e.getMessage().startsWith("database file " + dir.resolve("data/scheduler.mv.db")
                + ": could not open it ("), e.getMessage());
        assertTrue(e.getMessage().contains("is the disk full, the folder missing or read-only"), e.getMessage());
        assertNoPassword(e);
    }

    @Test
    void aRelativePathWithoutDotSlashIsAnInvalidUrl() {
        String url = "jdbc:h2:file:data/scheduler";
        TaskStoreException e = assertThrows(TaskStoreException.class, () -> H2TaskStore.open(
                TestStores.dataSource(url, TestStores.PASSWORD), TestStores.settings(url)));
        assertTrue(e.getMessage().startsWith("url jdbc:h2:file:data/scheduler is not valid ("), e.getMessage());
        assertTrue(e.getMessage().endsWith("(relative paths start with ./)"), e.getMessage());
    }

    @Test
    void aRowEditedIntoNonsenseIsReportedNamingTheRun() throws Exception {
        try (H2TaskStore store = TestStores.open(dir)) {
            store.recordRun(TestStores.run("r1", TestStores.task("a"), RunStatus.SUCCEEDED, Instant.EPOCH));
            try (Connection c = TestStores.dataSource(TestStores.url(dir), TestStores.PASSWORD).getConnection();
                 Statement s = c.createStatement()) {
                s.executeUpdate("UPDATE runs SET data = 'no equals sign'");
            }
            TaskStoreException e = assertThrows(TaskStoreException.class, () -> store.run("r1"));
            assertTrue(e.getMessage().endsWith("scheduler.mv.db: the data of r1 is not readable (an entry without "
                    + "'=' ends at index 14); was the row edited by hand?"), e.getMessage());
        }
    }

    @Test
    void aRowThisVersionCannotReadIsReportedAsAStoreFailure() throws Exception {
        try (H2TaskStore store = TestStores.open(dir)) {
            store.recordRun(TestStores.run("r1", TestStores.task("a"), RunStatus.SUCCEEDED, Instant.EPOCH));
            try (Connection c = TestStores.dataSource(TestStores.url(dir), TestStores.PASSWORD).getConnection();
                 Statement s = c.createStatement()) {
                s.executeUpdate("UPDATE runs SET status = 'POSTPONED'");
            }
            TaskStoreException e = assertThrows(TaskStoreException.class, () -> store.runs(TestStores.task("a"), 5));
            assertTrue(e.getMessage().contains(": could not read the runs of test.bundle:a: a stored row is not "
                    + "readable (No enum constant"), e.getMessage());
        }
    }

    private static void assertNoPassword(Throwable e) {
        assertFalse(describe(e).contains(TestStores.PASSWORD), describe(e));
    }

    /** @return every message of {@code e} and its causes */
    private static String describe(Throwable e) {
        StringBuilder s = new StringBuilder();
        for (Throwable t = e; t != null; t = t.getCause()) {
            s.append(t).append('\n');
        }
        return s.toString();
    }
}
