package org.pluginscheduler.internal.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The shell token and the web console's credential: made owner-only, and never read from a planted file. */
class SecretFilesTest {

    @TempDir
    Path dir;

    @Test
    void createsOwnerOnlyThenReadsTheSameAndTightensLoosePermissions() throws IOException {
        Path file = dir.resolve("data/secret");
        SecretFiles.Secret made = SecretFiles.readOrCreate(file, () -> "0123456789abcdef0123456789abcdef", 32, "token file");
        assertTrue(made.created());
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r--r--"));
        SecretFiles.Secret read = SecretFiles.readOrCreate(file, () -> "other", 32, "token file");
        assertEquals(made.value(), read.value());
        assertTrue(read.tightened());
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
    }

    @Test
    void aLinkADanglingLinkADirectoryOrAShortSecretIsRefusedNamingWhy() throws IOException {
        Path planted = Files.writeString(dir.resolve("planted"), "0123456789abcdef0123456789abcdef-known");
        Path link = Files.createSymbolicLink(dir.resolve("token"), planted);
        assertTrue(assertThrows(IOException.class, () -> SecretFiles.readOrCreate(link, () -> "x", 32, "token file"))
                .getMessage().contains("is a symbolic link"));
        Path dangling = Files.createSymbolicLink(dir.resolve("dangling"), dir.resolve("nowhere"));
        assertTrue(assertThrows(IOException.class, () -> SecretFiles.readOrCreate(dangling, () -> "x", 1, "token"))
                .getMessage().contains("symbolic link"));
        assertFalse(Files.exists(dir.resolve("nowhere")), "nothing written through the link");
        Path folder = Files.createDirectory(dir.resolve("folder"));
        assertTrue(assertThrows(IOException.class, () -> SecretFiles.readOrCreate(folder, () -> "x", 1, "token"))
                .getMessage().contains("not a regular file"));
        Path weak = Files.writeString(dir.resolve("weak"), "short");
        assertTrue(assertThrows(IOException.class, () -> SecretFiles.readOrCreate(weak, () -> "x", 32, "token file"))
                .getMessage().contains("fewer than 32"));
    }
}
