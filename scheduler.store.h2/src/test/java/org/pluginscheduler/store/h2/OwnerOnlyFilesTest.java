package org.pluginscheduler.store.h2;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.pluginscheduler.api.RunStatus;

/**
 * The database's folder ends up {@code rwx------} and H2's files {@code rw-------} whatever the umask and whatever
 * permissions they had: checked on a runtime started with umask 000, and on files made world-readable beforehand.
 */
class OwnerOnlyFilesTest {

    @TempDir
    Path dir;

    @BeforeEach
    void posixOnly() throws Exception {
        assumeTrue(Files.getFileStore(dir).supportsFileAttributeView("posix"), "POSIX permissions only");
    }

    @Test
    void aRuntimeWithUmask000CreatesItsFolderAndFilesForItsOwnerOnly() throws Exception {
        assumeTrue(Files.isExecutable(Path.of("/bin/sh")), "needs /bin/sh to set the umask");
        Path data = dir.resolve("runtime/data"); // neither exists yet
        Process holder = StoreProcess.startWithUmask("000", "hold", data);
        try (BufferedReader out = new BufferedReader(new InputStreamReader(holder.getInputStream(),
                StandardCharsets.UTF_8)); OutputStream in = holder.getOutputStream()) {
            assertEquals("open", out.readLine(), "the store process opened the database");
            assertEquals("rwxrwxrwx", permissions(dir.resolve("runtime")), "the umask was 000 (a parent)");
            assertEquals("rwx------", permissions(data));
            assertEquals("rw-------", permissions(data.resolve("scheduler.mv.db")));
            in.write('\n'); // closes the store
        }
        assertTrue(holder.waitFor(20, TimeUnit.SECONDS));
        assertEquals(0, holder.exitValue());
        try (var files = Files.list(data)) {
            files.forEach(f -> assertEquals("rw-------", permissions(f), f.toString()));
        }
    }

    @Test
    void anExistingFolderAndFilesOpenToEveryoneAreTightenedOtherFilesAreLeftAlone() throws Exception {
        Path data = Files.createDirectory(dir.resolve("data"));
        Files.setPosixFilePermissions(data, PosixFilePermissions.fromString("rwxrwxrwx"));
        Path trace = Files.createFile(data.resolve("scheduler.trace.db"));
        Files.setPosixFilePermissions(trace, PosixFilePermissions.fromString("rw-rw-rw-"));
        Path token = Files.createFile(data.resolve("remote-shell.token"));
        Files.setPosixFilePermissions(token, PosixFilePermissions.fromString("rw-r-----"));

        try (H2TaskStore store = TestStores.open(data)) {
            assertEquals("rwx------", permissions(data));
            assertEquals("rw-------", permissions(data.resolve("scheduler.mv.db")));
            assertEquals("rw-------", permissions(trace));
            assertEquals("rw-r-----", permissions(token), "not H2's file: left to its owner");

            Files.setPosixFilePermissions(trace, PosixFilePermissions.fromString("rw-r--r--")); // H2 made it anew
            store.pruneRuns(java.time.Instant.EPOCH, 10);
            assertEquals("rw-------", permissions(trace), "checked again after each pruning");
        }
    }

    @Test
    void aSharedFolderWithTheStickyBitIsLeftAloneButTheFilesAreTightened() throws Exception {
        assumeTrue(Files.isExecutable(Path.of("/bin/chmod")) || Files.isExecutable(Path.of("/usr/bin/chmod")),
                "needs chmod to set the sticky bit");
        Path shared = Files.createDirectory(dir.resolve("shared"));
        Process chmod = new ProcessBuilder("chmod", "1777", shared.toString()).start();
        assertTrue(chmod.waitFor(10, TimeUnit.SECONDS));
        assertEquals(0, chmod.exitValue());

        try (H2TaskStore store = TestStores.open(shared)) {
            store.recordRun(TestStores.run("r1", TestStores.task("a"), RunStatus.SUCCEEDED, java.time.Instant.EPOCH));
            assertEquals("rwxrwxrwx", permissions(shared), "like /tmp: not the store's to change");
            assertEquals("rw-------", permissions(shared.resolve("scheduler.mv.db")));
        }
    }

    @Test
    void aPathH2RefusesGetsNoFolderTheRelativeDefaultDoes() {
        assertTrue(new OwnerOnlyFiles(new DatabaseLocation("jdbc:h2:file:data/scheduler")).folder().isEmpty(),
                "implicitly relative: H2 refuses it, so no folder is created in the working directory for it");
        assertEquals(Path.of("data").toAbsolutePath(), new OwnerOnlyFiles(new DatabaseLocation(
                StoreSettings.DEFAULT_URL)).folder().orElseThrow());
    }

    @Test
    void aServerOrInMemoryUrlHasNoFolderToCare() {
        assertTrue(new OwnerOnlyFiles(new DatabaseLocation("jdbc:h2:tcp://localhost/~/db")).folder().isEmpty());
        assertTrue(new OwnerOnlyFiles(new DatabaseLocation("jdbc:h2:mem:x")).folder().isEmpty());
        assertEquals(dir.toAbsolutePath().normalize().resolve("data"), new OwnerOnlyFiles(new DatabaseLocation(
                "jdbc:h2:file:" + dir.resolve("data/scheduler") + ";MODE=Regular")).folder().orElseThrow());
    }

    private static String permissions(Path path) {
        try {
            return PosixFilePermissions.toString(Files.getPosixFilePermissions(path));
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
