package org.pluginscheduler.store.h2;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipal;
import java.util.Optional;
import java.util.Set;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps the database's folder ({@code rwx------}) and H2's files in it ({@code rw-------}) readable by the
 * runtime's user only, whatever the process umask: the history holds task arguments, messages and result data.
 *
 * <p>H2 creates its files with the umask's permissions (often {@code rw-r--r--}), so the store
 * {@linkplain #prepareFolder prepares the folder} before it opens the database (creating it {@code rwx------}, or
 * tightening it) and {@linkplain #tightenFiles tightens the files} after opening, after each pruning and at close:
 * H2 creates some files later (the {@code .trace.db} file at its first error, temporary files), and the folder
 * keeps others out of those in between. H2's files are those named {@code <database name>.*} ({@code .mv.db},
 * {@code .trace.db}, {@code .lock.db}, {@code .temp.db}, ...); other files in the folder (the remote shell's token)
 * are left to their owners.
 *
 * <p>Applies to plain local file URLs only ({@link DatabaseLocation#absoluteFile()}) with a path H2 accepts
 * (absolute, or starting with {@code ./}, {@code ../} or {@code ~}); a server URL, an H2 file system prefix or a path
 * H2 refuses is skipped, and so is a file system without POSIX permissions, silently. An existing folder is
 * tightened too (run.sh and the remote shell create {@code data/} with the umask's permissions), unless it is shared
 * by design (the sticky bit, as on {@code /tmp}; the user's home folder) or belongs to another user: a warning says
 * so, and the files are still made {@code rw-------}. Failing to change a permission is logged as a warning and
 * does not stop the store.
 */
final class OwnerOnlyFiles {

    static final Set<PosixFilePermission> FOLDER = PosixFilePermissions.fromString("rwx------");
    static final Set<PosixFilePermission> FILE = PosixFilePermissions.fromString("rw-------");
    private static final int STICKY = 01000;

    private static final Logger LOG = LoggerFactory.getLogger(OwnerOnlyFiles.class);

    private final Optional<Path> folder;
    private final String prefix;

    OwnerOnlyFiles(DatabaseLocation location) {
        // a path H2 would refuse as implicitly relative to the working directory is left to H2 to report: no folder
        // is created for it
        boolean explicit = location.file().filter(f -> f.startsWith("/") || f.startsWith("~") || f.startsWith("./")
                || f.startsWith("../") || f.startsWith(".\\") || f.startsWith("..\\") || isAbsolute(f)).isPresent();
        Optional<Path> file = location.remote() || !explicit ? Optional.empty() : location.absoluteFile();
        this.folder = file.map(Path::getParent);
        String name = file.map(f -> f.getFileName().toString()).orElse("");
        this.prefix = name.endsWith(".mv.db") ? name.substring(0, name.length() - ".mv.db".length()) + "." : name;
    }

    private static boolean isAbsolute(String file) {
        try {
            return Path.of(file).isAbsolute();
        } catch (RuntimeException e) {
            return false;
        }
    }

    /** @return the database's folder, if it is a local one */
    Optional<Path> folder() {
        return folder;
    }

    /**
     * Creates the database's folder (and missing parents) if needed and makes it {@code rwx------}; call it before
     * H2 opens the database. A shared folder (the sticky bit, the home folder, the root) or another user's is left
     * as it is, with a warning.
     *
     * @throws IOException if the folder cannot be created (H2 would fail to create it as well)
     */
    void prepareFolder() throws IOException {
        if (folder.isEmpty()) {
            return;
        }
        Path dir = folder.get();
        if (!Files.isDirectory(dir)) {
            Path parent = dir.getParent();
            if (parent != null) {
                Files.createDirectories(parent);
            }
            try {
                Files.createDirectory(dir);
            } catch (java.nio.file.FileAlreadyExistsException raced) {
                // created meanwhile, or a file of that name: H2 reports that
            }
            if (!Files.isDirectory(dir) || !posix(dir)) {
                return;
            }
            set(dir, FOLDER, null);
            return;
        }
        if (!posix(dir)) {
            return;
        }
        PosixFileAttributes attributes = Files.readAttributes(dir, PosixFileAttributes.class);
        Set<PosixFilePermission> now = attributes.permissions();
        if (FOLDER.equals(now)) {
            return;
        }
        if (shared(dir, now)) {
            LOG.warn("The H2 task store's database {} is in {}, a folder shared with others ({}): its permissions "
                    + "are left alone and only the database's own files are made rw-------; configure a url in a "
                    + "folder of the runtime's own (default ./data/) in {} to keep others out", prefix + "mv.db", dir,
                    PosixFilePermissions.toString(now), DatabaseLocation.CONFIG_FILE);
            return;
        }
        if (!owner(dir, attributes.owner())) {
            return;
        }
        set(dir, FOLDER, PosixFilePermissions.toString(now));
    }

    /**
     * @return whether {@code dir} is meant to be shared, so its permissions are not the store's to change: a folder
     *         with the sticky bit (such as {@code /tmp}), the user's home folder or the root; where the sticky bit
     *         cannot be read, a folder everyone may write to
     */
    private static boolean shared(Path dir, Set<PosixFilePermission> permissions) {
        String home = System.getProperty("user.home");
        if (dir.getParent() == null || (home != null && dir.equals(Path.of(home).toAbsolutePath().normalize()))) {
            return true;
        }
        try {
            Object mode = Files.getAttribute(dir, "unix:mode"); // OpenJDK on Linux and macOS
            if (mode instanceof Integer m) {
                return (m & STICKY) != 0;
            }
        } catch (IOException | UnsupportedOperationException | IllegalArgumentException e) {
            // no "unix" attribute view here
        }
        return permissions.contains(PosixFilePermission.OTHERS_WRITE);
    }

    /** Makes H2's files of this database {@code rw-------}; missing files and non-POSIX file systems are skipped. */
    void tightenFiles() {
        if (folder.isEmpty() || prefix.isEmpty() || !Files.isDirectory(folder.get())) {
            return;
        }
        try {
            if (!posix(folder.get())) {
                return;
            }
            try (DirectoryStream<Path> files = Files.newDirectoryStream(folder.get(),
                    f -> f.getFileName().toString().startsWith(prefix))) {
                for (Path file : files) {
                    if (!Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS)) {
                        continue;
                    }
                    Set<PosixFilePermission> now = Files.getPosixFilePermissions(file, LinkOption.NOFOLLOW_LINKS);
                    if (!FILE.equals(now)) {
                        set(file, FILE, PosixFilePermissions.toString(now));
                    }
                }
            }
        } catch (IOException | RuntimeException e) {
            LOG.warn("Could not check the permissions of the H2 task store's files in {}: {}", folder.get(),
                    e.toString());
        }
    }

    private static boolean posix(Path path) throws IOException {
        return Files.getFileStore(path).supportsFileAttributeView("posix");
    }

    private static boolean owner(Path dir, UserPrincipal owner) {
        String me = System.getProperty("user.name");
        if (owner != null && me != null && !owner.getName().equals(me)) {
            LOG.warn("The H2 task store's database folder {} belongs to {}, not to the runtime's user {}: its "
                    + "permissions are left alone", dir, owner.getName(), me);
            return false;
        }
        return true;
    }

    /** @param was the permissions before, for the log; {@code null} for what the store has just created */
    private static void set(Path path, Set<PosixFilePermission> permissions, String was) {
        try {
            Files.setPosixFilePermissions(path, permissions);
            if (was == null) {
                LOG.debug("Created {} {}", path, PosixFilePermissions.toString(permissions));
            } else {
                LOG.info("{} was {}, now {} (the H2 task store keeps its database readable by its owner only)",
                        path, was, PosixFilePermissions.toString(permissions));
            }
        } catch (IOException | RuntimeException e) {
            LOG.warn("Could not make {} {} (owner only): {}", path, PosixFilePermissions.toString(permissions),
                    e.toString());
        }
    }
}
