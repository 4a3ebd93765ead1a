package org.pluginscheduler.sample.cleanup;

import java.io.IOException;
import java.nio.file.FileVisitOption;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.EnumSet;

import org.pluginscheduler.api.TaskExecution;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Walks the regular files under a folder for both tasks, with the safety rules they share: the configured folder
 * may itself be a symbolic link (the administrator named it), but links inside it are never followed, so a walk
 * cannot escape the folder; unreadable sub-folders are logged and skipped; the run's cancellation is checked
 * before each file.
 */
final class FolderWalk {

    private static final Logger LOG = LoggerFactory.getLogger(FolderWalk.class);

    /** What the configured folder is, before walking it. */
    enum Root {
        /** Nothing there (or a dangling link): not an error, there is simply nothing to do. */
        MISSING,
        /** Something other than a directory: a configuration mistake the run reports as a failure. */
        NOT_A_DIRECTORY,
        DIRECTORY
    }

    /** Receives each regular file; attributes are those of the file itself, never of a link target. */
    @FunctionalInterface
    interface FileAction {
        void accept(Path file, BasicFileAttributes attributes);
    }

    private FolderWalk() {
    }

    static Root inspect(Path folder) {
        if (!Files.exists(folder)) {
            return Root.MISSING;
        }
        return Files.isDirectory(folder) ? Root.DIRECTORY : Root.NOT_A_DIRECTORY;
    }

    /**
     * Visits every regular file under {@code folder}, recursively.
     *
     * @return {@code true} if the walk completed, {@code false} if it stopped because the run was cancelled
     * @throws IOException if the folder itself cannot be read
     */
    static boolean walk(Path folder, TaskExecution execution, FileAction action) throws IOException {
        Path root = folder.toRealPath();
        boolean[] cancelled = {false};
        // No FOLLOW_LINKS: links are reported as links (not regular files) and linked directories are not entered.
        Files.walkFileTree(root, EnumSet.noneOf(FileVisitOption.class), Integer.MAX_VALUE,
                new SimpleFileVisitor<Path>() {
                    @Override
                    public FileVisitResult visitFile(Path file, BasicFileAttributes attributes) {
                        if (execution.isCancelled()) {
                            cancelled[0] = true;
                            return FileVisitResult.TERMINATE;
                        }
                        if (attributes.isRegularFile()) {
                            action.accept(file, attributes);
                        }
                        return FileVisitResult.CONTINUE;
                    }

                    @Override
                    public FileVisitResult visitFileFailed(Path file, IOException e) throws IOException {
                        if (file.equals(root)) {
                            throw e;
                        }
                        LOG.warn("{}: skipping {}, it cannot be read: {}", execution.taskId(), file, e.toString());
                        return FileVisitResult.CONTINUE;
                    }

                    @Override
                    public FileVisitResult postVisitDirectory(Path dir, IOException e) {
                        if (e != null) {
                            LOG.warn("{}: listing {} stopped early: {}", execution.taskId(), dir, e.toString());
                        }
                        return FileVisitResult.CONTINUE;
                    }
                });
        return !cancelled[0];
    }
}
