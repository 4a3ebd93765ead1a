package org.pluginscheduler.sample.cleanup;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;

import org.pluginscheduler.testkit.TestExecution;

/** Creates files of a given size whose last-modified time is a given age before {@link TestExecution#START}. */
final class TestFiles {

    private TestFiles() {
    }

    static Path file(Path folder, String relative, int size, Duration age) {
        try {
            Path file = folder.resolve(relative);
            Files.createDirectories(file.getParent());
            Files.write(file, new byte[size]);
            Files.setLastModifiedTime(file, FileTime.from(TestExecution.DEFAULT_TIME.minus(age)));
            return file;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static Duration days(long days) {
        return Duration.ofDays(days);
    }
}
