package org.pluginscheduler.internal.config;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;
import java.util.function.Supplier;

/**
 * A generated secret kept in a file only its owner can read (the remote shell's token, the web console's first
 * credential): read it if the file exists, else create the file owner-only (where the file system has POSIX
 * permissions) and write a freshly generated value. The caller logs; this class does not.
 */
public final class SecretFiles {

    /**
     * @param value     the file's content, trimmed
     * @param created   {@code true} if this call generated it
     * @param tightened {@code true} if the existing file was readable by others and its permissions were reduced to
     *                  {@code rw-------}
     */
    public record Secret(String value, boolean created, boolean tightened) {
    }

    private SecretFiles() {
    }

    /**
     * @param generate  makes the value to write when the file does not exist
     * @param minLength a shorter existing content is refused (someone put a weak secret there)
     * @param what      what the file holds, for the error message (e.g. "token file")
     * @throws IOException if the file cannot be read or created, or holds fewer than {@code minLength} characters
     */
    public static Secret readOrCreate(Path file, Supplier<String> generate, int minLength, String what)
            throws IOException {
        if (Files.exists(file)) {
            boolean tightened = tightenPermissions(file);
            String existing = Files.readString(file, StandardCharsets.UTF_8).trim();
            if (existing.length() < minLength) {
                throw new IOException(what + " " + file.toAbsolutePath() + " holds fewer than " + minLength
                        + " characters; delete it and a new one is generated at the next start");
            }
            return new Secret(existing, false, tightened);
        }
        String generated = generate.get();
        Path parent = file.toAbsolutePath().getParent();
        Files.createDirectories(parent);
        try {
            if (Files.getFileStore(parent).supportsFileAttributeView("posix")) {
                Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            } else {
                Files.createFile(file);
            }
        } catch (FileAlreadyExistsException raced) {
            return readOrCreate(file, generate, minLength, what);
        }
        Files.writeString(file, generated + "\n", StandardCharsets.UTF_8);
        return new Secret(generated.trim(), true, false);
    }

    private static boolean tightenPermissions(Path file) throws IOException {
        if (!Files.getFileStore(file).supportsFileAttributeView("posix")) {
            return false;
        }
        Set<PosixFilePermission> permissions = Files.getPosixFilePermissions(file);
        Set<PosixFilePermission> ownerOnly = PosixFilePermissions.fromString("rw-------");
        if (ownerOnly.containsAll(permissions)) {
            return false;
        }
        Files.setPosixFilePermissions(file, ownerOnly);
        return true;
    }
}
