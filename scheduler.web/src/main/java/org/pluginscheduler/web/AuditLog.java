package org.pluginscheduler.web;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Iterator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Who did what on the web surface: one entry per state-changing request, log-in and refusal, written as a log
 * line (logger {@value #LOGGER}, INFO) and kept in memory (the last {@value #KEEP}) for {@code GET /api/v1/audit}.
 * No secret is ever in an entry: passwords, tokens and session ids are not part of a request's method and path.
 */
public final class AuditLog {

    public static final String LOGGER = "org.pluginscheduler.web.audit";
    static final int KEEP = 1000;
    private static final Logger LOG = LoggerFactory.getLogger(LOGGER);

    /** One audited request. */
    public record Entry(Instant at, String user, String role, String via, String method, String path, String task,
                        int status, String remote, String note) {
    }

    private final Clock clock;
    private final Deque<Entry> recent = new ArrayDeque<>();

    public AuditLog(Clock clock) {
        this.clock = clock;
    }

    public void record(String user, String role, String via, String method, String path, String task, int status,
                       String remote, String note) {
        Entry entry = new Entry(clock.instant(), user, role, via, method, path, task, status, remote, note);
        LOG.info("{}", line(entry));
        synchronized (recent) {
            recent.addFirst(entry);
            while (recent.size() > KEEP) {
                recent.removeLast();
            }
        }
    }

    /** @return the entry as one log line */
    static String line(Entry e) {
        return "user=" + e.user() + " role=" + e.role() + " via=" + e.via() + " " + e.method() + " " + e.path()
                + " task=" + (e.task() == null ? "-" : e.task()) + " status=" + e.status() + " remote=" + e.remote()
                + (e.note().isEmpty() ? "" : " " + e.note());
    }

    /** @return the newest entries first, at most {@code limit} */
    public JsonArray recent(int limit) {
        JsonArray items = new JsonArray();
        synchronized (recent) {
            Iterator<Entry> it = recent.iterator();
            for (int i = 0; i < limit && it.hasNext(); i++) {
                Entry e = it.next();
                JsonObject o = new JsonObject();
                o.addProperty("at", e.at().toString());
                o.addProperty("user", e.user());
                o.addProperty("role", e.role());
                o.addProperty("via", e.via());
                o.addProperty("method", e.method());
                o.addProperty("path", e.path());
                o.addProperty("task", e.task());
                o.addProperty("status", e.status());
                o.addProperty("remote", e.remote());
                o.addProperty("note", e.note());
                items.add(o);
            }
        }
        return items;
    }
}
