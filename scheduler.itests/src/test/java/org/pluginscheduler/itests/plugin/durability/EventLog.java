package org.pluginscheduler.itests.plugin.durability;

import java.io.FileOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * What the durability plugin tells {@code KillNineDurabilityIT}: one line per event,
 * {@code <life> <epoch-ms> <event> <fields...>}, appended to one file. Each line is one {@code write(2)} on a file
 * opened in append mode and never buffered in this process, so a line written before a {@code kill -9} is in the
 * file afterwards (the kernel keeps it; no fsync is needed for a process crash). The life number comes from the
 * file the test writes before each start, so lines of different lives of the runtime can be told apart.
 */
final class EventLog implements AutoCloseable {

    private final FileOutputStream out;
    private final String life;

    EventLog(Path file, String life) throws IOException {
        this.out = new FileOutputStream(file.toFile(), true);
        this.life = life;
    }

    /** Appends {@code <life> <now> <event>}; an I/O error is swallowed (it would only hide the run's outcome). */
    void write(String event) {
        byte[] line = (life + " " + System.currentTimeMillis() + " " + event + "\n").getBytes(StandardCharsets.UTF_8);
        synchronized (this) {
            try {
                out.write(line);
            } catch (IOException e) {
                // the test sees a missing line; nothing better to do in a task thread
            }
        }
    }

    @Override
    public synchronized void close() {
        try {
            out.close();
        } catch (IOException e) {
            // closing an append-only log
        }
    }
}
