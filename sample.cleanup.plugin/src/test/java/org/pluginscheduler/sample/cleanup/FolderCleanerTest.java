package org.pluginscheduler.sample.cleanup;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;
import static org.pluginscheduler.sample.cleanup.TestFiles.days;
import static org.pluginscheduler.sample.cleanup.TestFiles.file;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributeView;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.pluginscheduler.api.TaskResult;
import org.pluginscheduler.testkit.TestExecution;

class FolderCleanerTest {

    @TempDir
    Path temp;

    private final FolderCleaner cleaner = new FolderCleaner();

    private TaskResult clean(Path folder) {
        try {
            return cleaner.clean(folder, 7, TestExecution.of(CleanupTaskProvider.TEMP_FILES));
        } catch (IOException e) {
            throw new AssertionError("the folder could be read: " + e, e);
        }
    }

    @Test
    void deletesOldFilesAndKeepsNewOnes() {
        Path old = file(temp, "old.tmp", 100, days(8));
        Path young = file(temp, "young.tmp", 200, days(6));

        TaskResult result = clean(temp);

        assertTrue(result.successful());
        assertFalse(Files.exists(old));
        assertTrue(Files.exists(young));
        assertEquals(Map.of("files", "1", "bytes", "100", "failed", "0", "cancelled", "false"), result.data());
        assertEquals("deleted 1 file (100 B) older than 7 days from " + temp, result.message());
    }

    @Test
    void ageIsMeasuredAgainstTheRunStartNotTheWallClock() {
        // Just past and just short of the cutoff relative to START (a date far from today's clock)
        Path justOld = file(temp, "just-old", 1, days(7).plusSeconds(1));
        Path justYoung = file(temp, "just-young", 1, days(7).minusSeconds(1));

        clean(temp);

        assertFalse(Files.exists(justOld));
        assertTrue(Files.exists(justYoung));
    }

    @Test
    void walksNestedFoldersAndKeepsTheFoldersThemselves() throws IOException {
        file(temp, "a/one", 10, days(30));
        file(temp, "a/b/two", 20, days(30));
        file(temp, "a/b/c/three", 30, days(30));
        Path keep = file(temp, "a/b/c/keep", 40, days(1));
        Files.setLastModifiedTime(temp.resolve("a/b"), FileTime.from(TestExecution.DEFAULT_TIME.minus(days(30))));
        Files.setLastModifiedTime(temp, FileTime.from(TestExecution.DEFAULT_TIME.minus(days(30))));

        TaskResult result = clean(temp);

        assertEquals("3", result.data().get("files"));
        assertEquals("60", result.data().get("bytes"));
        assertTrue(Files.isDirectory(temp.resolve("a/b")), "emptied folders are kept");
        assertTrue(Files.isDirectory(temp), "the configured folder is never deleted");
        assertTrue(Files.exists(keep));
    }

    @Test
    void reportsCountAndSizeInTheMessage() {
        file(temp, "x", 1_000_000, days(10));
        file(temp, "y/z", 200_000, days(9));

        TaskResult result = clean(temp);

        assertEquals("2", result.data().get("files"));
        assertEquals("1200000", result.data().get("bytes"));
        assertEquals("deleted 2 files (1.2 MB) older than 7 days from " + temp, result.message());
    }

    @Test
    void aMissingFolderIsNotAFailure() {
        Path missing = temp.resolve("nope");

        TaskResult result = clean(missing);

        assertTrue(result.successful());
        assertEquals("0", result.data().get("files"));
        assertEquals("0", result.data().get("bytes"));
        assertEquals("folder " + missing + " does not exist; nothing to delete", result.message());
    }

    @Test
    void aFolderThatIsAFileIsAFailure() {
        Path notAFolder = file(temp, "plain", 1, days(30));

        TaskResult result = clean(notAFolder);

        assertFalse(result.successful());
        assertTrue(Files.exists(notAFolder));
        assertTrue(result.message().contains("is not a directory"), result.message());
    }

    @Test
    void cancellationStopsEarlyAndReportsWhatWasDone() throws IOException {
        for (int i = 0; i < 5; i++) {
            file(temp, "f" + i, 10, days(30));
        }
        TestExecution run = TestExecution.builder(CleanupTaskProvider.TEMP_FILES).cancelledAfterChecks(2).build();

        TaskResult result = cleaner.clean(temp, 7, run);

        assertTrue(result.successful());
        assertEquals("2", result.data().get("files"));
        assertEquals("20", result.data().get("bytes"));
        assertEquals("true", result.data().get("cancelled"));
        try (var left = Files.list(temp)) {
            assertEquals(3, left.count());
        }
        assertEquals(3, run.cancellationChecks(), "stops at the first check that says cancelled");
        assertTrue(result.message().startsWith("cancelled: deleted 2 files (20 B)"), result.message());
    }

    @Test
    void aFileThatCannotBeDeletedIsCountedAndTheRunGoesOn() throws IOException {
        Path stuck = file(temp, "stuck", 5, days(30));
        Path other = file(temp, "other", 7, days(30));
        FolderCleaner failing = new FolderCleaner(f -> {
            if (f.getFileName().toString().equals("stuck")) {
                throw new AccessDeniedException(f.toString());
            }
            return Files.deleteIfExists(f);
        });

        TaskResult result = failing.clean(temp, 7, TestExecution.of(CleanupTaskProvider.TEMP_FILES));

        assertTrue(result.successful());
        assertTrue(Files.exists(stuck));
        assertFalse(Files.exists(other));
        assertEquals("1", result.data().get("files"));
        assertEquals("7", result.data().get("bytes"));
        assertEquals("1", result.data().get("failed"));
        assertTrue(result.message().endsWith("; 1 file could not be deleted"), result.message());
    }

    @Test
    void symbolicLinksInsideTheFolderAreNeitherFollowedNorDeleted() throws IOException {
        Path root = Files.createDirectory(temp.resolve("root"));
        Path outside = Files.createDirectory(temp.resolve("outside"));
        Path outsideFile = file(outside, "precious", 10, days(30));
        Path dirLink = root.resolve("to-outside");
        Path fileLink = root.resolve("to-precious");
        try {
            Files.createSymbolicLink(dirLink, outside);
            Files.createSymbolicLink(fileLink, outsideFile);
        } catch (UnsupportedOperationException | IOException e) {
            assumeTrue(false, "symbolic links not supported here: " + e);
        }
        makeOld(dirLink);
        makeOld(fileLink);

        TaskResult result = clean(root);

        assertEquals("0", result.data().get("files"));
        assertTrue(Files.exists(outsideFile));
        assertTrue(Files.isSymbolicLink(dirLink));
        assertTrue(Files.isSymbolicLink(fileLink));
    }

    @Test
    void theConfiguredFolderMayItselfBeALink() throws IOException {
        Path real = Files.createDirectory(temp.resolve("real"));
        Path old = file(real, "old", 10, days(30));
        Path link = temp.resolve("link");
        try {
            Files.createSymbolicLink(link, real);
        } catch (UnsupportedOperationException | IOException e) {
            assumeTrue(false, "symbolic links not supported here: " + e);
        }

        TaskResult result = clean(link);

        assertEquals("1", result.data().get("files"));
        assertFalse(Files.exists(old));
    }

    @Test
    void aFolderThatCannotBeReadIsThrownWithTheFileSystemsExceptionAsCause() {
        Path kept = file(temp, "old", 10, days(30));
        FolderCleaner unreadable = new FolderCleaner(Files::deleteIfExists, (folder, execution, action) -> {
            throw new AccessDeniedException(folder.toString());
        });

        IOException e = assertThrows(IOException.class,
                () -> unreadable.clean(temp, 7, TestExecution.of(CleanupTaskProvider.TEMP_FILES)));

        assertEquals("cannot read folder " + temp + ": java.nio.file.AccessDeniedException: " + temp, e.getMessage());
        assertInstanceOf(AccessDeniedException.class, e.getCause(), "what the failure hook looks at");
        assertTrue(Files.exists(kept));
    }

    /** Sets the link's own time (not its target's), so only "do not touch links" keeps it. */
    private static void makeOld(Path link) throws IOException {
        FileTime old = FileTime.from(TestExecution.DEFAULT_TIME.minus(Duration.ofDays(30)));
        try {
            Files.getFileAttributeView(link, BasicFileAttributeView.class, LinkOption.NOFOLLOW_LINKS)
                    .setTimes(old, null, null);
        } catch (IOException | UnsupportedOperationException e) {
            // some file systems cannot date a link; the link is then "new" and the test is weaker, not wrong
        }
    }
}
