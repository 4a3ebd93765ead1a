package org.pluginscheduler.web;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The generated admin's credential file: made owner-only, and never one that someone else put there. */
class WebAuthComponentTest {

    @TempDir
    Path dir;

    private static WebAuthComponent start(Path file) {
        return new WebAuthComponent(Map.of("admin.credential.file", file.toString()));
    }

    @Test
    void firstStartWritesAnOwnerOnlyFileWithAGeneratedPassword() throws Exception {
        Path file = dir.resolve("data/web-admin.credential");
        WebAuthComponent auth = start(file);
        assertTrue(auth.authenticator().userNames().contains("admin"));
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
        assertTrue(Files.readString(file).matches("(?s)user=admin\npassword=[A-Za-z0-9_-]{32}\n"));
    }

    @Test
    void aSymbolicLinkPutInPlaceOfTheFileIsRefused() throws Exception {
        // whoever can write data/ points the credential file at a file whose password they know
        Path planted = Files.writeString(dir.resolve("planted"), "user=admin\npassword=known-to-the-attacker-0123\n");
        Files.setPosixFilePermissions(planted, PosixFilePermissions.fromString("rw-------"));
        Path file = Files.createSymbolicLink(dir.resolve("web-admin.credential"), planted);
        WebAuthComponent auth = start(file);
        assertFalse(auth.authenticator().userNames().contains("admin"), "no admin from a linked file");
        assertTrue(Files.isSymbolicLink(file), "left for the operator to look at");
    }

    @Test
    void aDanglingSymbolicLinkIsRefusedAndTheConsoleStillStarts() throws Exception {
        // exists() follows the link (false), createFile() then fails (the link is there), and so on forever
        Path file = Files.createSymbolicLink(dir.resolve("web-admin.credential"), dir.resolve("nowhere"));
        WebAuthComponent auth = start(file);
        assertFalse(auth.authenticator().userNames().contains("admin"));
        assertFalse(Files.exists(dir.resolve("nowhere")), "nothing written through the link");
    }

    @Test
    void aDirectoryInPlaceOfTheFileIsRefused() throws Exception {
        Path file = Files.createDirectory(dir.resolve("web-admin.credential"));
        assertFalse(start(file).authenticator().userNames().contains("admin"));
    }

    @Test
    void aTypoElsewhereDoesNotUndoTheReadOnlySwitchOrBringBackTheGeneratedAdmin() throws Exception {
        // the configuration is refused for session.timeout; the console must not start read-write with an admin
        Path file = dir.resolve("web-admin.credential");
        WebAuthComponent auth = new WebAuthComponent(Map.of("read.only", "true", "admin.generate", false,
                "session.timeout", "30 minutes", "admin.credential.file", file.toString()));
        assertTrue(auth.readOnly(), "read-only stays on");
        assertFalse(auth.authenticator().userNames().contains("admin"), "the generated admin stays off");
        assertFalse(Files.exists(file));
        WebAuthComponent unreadable = new WebAuthComponent(Map.of("read.only", "yes please",
                "admin.credential.file", file.toString()));
        assertTrue(unreadable.readOnly(), "a read-only switch that cannot be read is on");
        WebAuthComponent other = new WebAuthComponent(Map.of("read.only", false, "max.sessions", 0,
                "admin.credential.file", file.toString()));
        assertFalse(other.readOnly(), "what was said stays said");
        assertTrue(other.authenticator().userNames().contains("admin"));
    }
}
