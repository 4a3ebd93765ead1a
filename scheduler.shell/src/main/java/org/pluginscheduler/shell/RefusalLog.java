package org.pluginscheduler.shell;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.LongSupplier;

/**
 * Logs refused remote-shell connections without letting a flood flood the log: per source and reason, the first
 * refusal of a burst is logged at once, the following ones are only counted, and one summary line (count, time span)
 * is written when the burst ends (no such refusal for one window) or, while it goes on, once per window of
 * refusals. So a burst of any size writes at most 2 + (its duration / window) lines. The sources are few (see {@link #source}); beyond
 * {@value #MAX_SOURCES} sources at once, further ones share one entry.
 *
 * <p>Thread-safe. Messages never contain what the client sent (a wrong token may be a mistyped real one).
 */
final class RefusalLog {

    static final int MAX_SOURCES = 256;
    static final String OTHER_SOURCES = "other addresses";

    private final Consumer<String> sink;
    private final LongSupplier nanoClock;
    private final long windowNanos;
    private final Map<String, Burst> bursts = new LinkedHashMap<>();

    private static final class Burst {
        final String source;
        final String reason;
        long lastNanos;
        long lastLineNanos;
        long unlogged;

        Burst(String source, String reason, long now) {
            this.source = source;
            this.reason = reason;
            this.lastNanos = now;
            this.lastLineNanos = now;
        }
    }

    /**
     * @param sink        receives each log line (a WARN in production)
     * @param nanoClock   monotonic time in nanoseconds ({@code System::nanoTime} in production)
     * @param windowNanos quiet time that ends a burst, and the longest time between two lines of one burst
     */
    RefusalLog(Consumer<String> sink, LongSupplier nanoClock, long windowNanos) {
        this.sink = sink;
        this.nanoClock = nanoClock;
        this.windowNanos = windowNanos;
    }

    /**
     * @return the key refusals and failed authentications are counted under: every loopback address is one source
     *         (a local client can pick any of 127.0.0.0/8 and would otherwise dodge the count), other addresses
     *         their own
     */
    static String source(java.net.InetAddress address) {
        return address == null || address.isLoopbackAddress() ? "loopback" : address.getHostAddress();
    }

    /**
     * Records one refusal.
     *
     * @param source from {@link #source}
     * @param peer   the connection's address and port, for the first line of a burst
     * @param reason why, without anything the client sent
     */
    void refused(String source, String peer, String reason) {
        List<String> lines = new ArrayList<>(2);
        synchronized (this) {
            long now = nanoClock.getAsLong();
            due(now, lines);
            String key = source + '\u0000' + reason;
            Burst burst = bursts.get(key);
            if (burst == null && bursts.size() >= MAX_SOURCES) {
                source = OTHER_SOURCES;
                key = source + '\u0000' + reason;
                burst = bursts.get(key);
            }
            if (burst == null) {
                bursts.put(key, new Burst(source, reason, now));
                lines.add("Remote shell: refused a connection from " + peer + ": " + reason
                        + " (more of these from " + source + " are counted and summarised)");
            } else {
                burst.unlogged++;
                burst.lastNanos = now;
            }
        }
        lines.forEach(sink);
    }

    /** Writes the summaries that are due: of bursts that ended, and of long bursts one line per window. */
    void flush() {
        List<String> lines = new ArrayList<>();
        synchronized (this) {
            due(nanoClock.getAsLong(), lines);
        }
        lines.forEach(sink);
    }

    /** Writes a summary of every burst still counting (at shutdown) and forgets them. */
    void close() {
        List<String> lines = new ArrayList<>();
        synchronized (this) {
            long now = nanoClock.getAsLong();
            for (Burst burst : bursts.values()) {
                if (burst.unlogged > 0) {
                    lines.add(summary(burst, burst.lastNanos, "the listener closed"));
                }
            }
            bursts.clear();
        }
        lines.forEach(sink);
    }

    private void due(long now, List<String> lines) {
        for (Iterator<Burst> it = bursts.values().iterator(); it.hasNext();) {
            Burst burst = it.next();
            if (now - burst.lastNanos >= windowNanos) {
                if (burst.unlogged > 0) {
                    lines.add(summary(burst, burst.lastNanos, "the burst has ended"));
                }
                it.remove();
            } else if (burst.unlogged > 0 && burst.lastNanos - burst.lastLineNanos >= windowNanos) {
                // refusals went on for a whole window since the previous line (a burst that has merely gone quiet
                // waits for its final summary instead)
                lines.add(summary(burst, burst.lastNanos, "still going on"));
                burst.unlogged = 0;
                burst.lastLineNanos = burst.lastNanos;
            }
        }
    }

    /** @return "refused N more connections from SOURCE (REASON) within T s; STATE", T from the previous line */
    private static String summary(Burst burst, long endNanos, String state) {
        return String.format(Locale.ROOT, "Remote shell: refused %d more connection%s from %s (%s) within %s; %s",
                burst.unlogged, burst.unlogged == 1 ? "" : "s", burst.source, burst.reason,
                seconds(endNanos - burst.lastLineNanos), state);
    }

    private static String seconds(long nanos) {
        return String.format(Locale.ROOT, "%.1f s", nanos / 1e9);
    }
}
