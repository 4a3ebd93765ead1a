package org.pluginscheduler.internal.config;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.UserPrincipal;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;
import java.util.function.Supplier;

/**
 * A generated secret kept in a file only its owner can read (the remote shell's token, the web console's first
 * credential): read it if the file exists, else create the file owner-only (where the file system has POSIX
 * permissions) and write a freshly generated value. The caller logs; this class does not.
 *
 * <p>An existing file must be a regular file, not a symbolic link, owned by the user running the JVM: whoever could
 * put a link or a file of their own there would know the secret (and a dangling link made the creation retry
 * forever).
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
     * @throws IOException if the file cannot be read or created, holds fewer than {@code minLength} characters, or
     *                     is not to be trusted (a link, not a regular file, someone else's); the message says which
     */
    public static Secret readOrCreate(Path file, Supplier<String> generate, int minLength, String what)
            throws IOException {
        String refused = untrusted(file);
        if (refused != null) {
            throw new IOException(what + " " + file.toAbsolutePath() + " " + refused + "; remove it and a new one "
                    + "is generated at the next start");
        }
        if (Files.exists(file, LinkOption.NOFOLLOW_LINKS)) {
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

    /** @return why an existing file is not to be trusted, or {@code null} (also when there is none) */
    static String untrusted(Path file) throws IOException {
        if (Files.isSymbolicLink(file)) {
            return "is a symbolic link";
        }
        if (!Files.exists(file, LinkOption.NOFOLLOW_LINKS)) {
            return null;
        }
        if (!Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS)) {
            return "is not a regular file";
        }
        UserPrincipal owner = Files.getOwner(file, LinkOption.NOFOLLOW_LINKS);
        UserPrincipal me;
        try {
            me = file.getFileSystem().getUserPrincipalLookupService()
                    .lookupPrincipalByName(System.getProperty("user.name"));
        } catch (IOException | UnsupportedOperationException e) {
            return null; // no owners to compare on this file system
        }
        if (!owner.equals(me)) {
            return "belongs to " + owner.getName() + ", not to " + me.getName() + " who runs the scheduler";
        }
        return null;
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
