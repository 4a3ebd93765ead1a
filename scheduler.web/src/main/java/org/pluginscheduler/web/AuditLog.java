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
 * User names and paths come from the client: in the log line a value that is not a plain word is quoted with its
 * line breaks and control characters escaped (one entry is one line, and cannot pass for another), and long values
 * are cut to {@value #MAX_VALUE} characters.
 */
public final class AuditLog {

    public static final String LOGGER = "org.pluginscheduler.web.audit";
    static final int KEEP = 1000;
    /** Longer client-supplied values (user names, paths) are cut to this many characters. */
    static final int MAX_VALUE = 200;
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
        // user names and paths come from the client: cut, so 1000 entries of 64 KB names cannot fill the memory
        Entry entry = new Entry(clock.instant(), cut(user), cut(role), cut(via), cut(method), cut(path), cut(task),
                status, cut(remote), cut(note));
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
        return "user=" + quote(e.user()) + " role=" + quote(e.role()) + " via=" + quote(e.via()) + " "
                + quote(e.method()) + " " + quote(e.path()) + " task=" + (e.task() == null ? "-" : quote(e.task()))
                + " status=" + e.status() + " remote=" + quote(e.remote())
                + (e.note().isEmpty() ? "" : " " + e.note());
    }

    /** Values that are words stay as they are; others are quoted with escapes, so one entry is one line. */
    private static final java.util.regex.Pattern PLAIN = java.util.regex.Pattern.compile("[A-Za-z0-9._@:/%+\\-]*");

    static String quote(String value) {
        String v = cut(value);
        if (v == null) {
            return "-";
        }
        if (!v.isEmpty() && PLAIN.matcher(v).matches()) {
            return v;
        }
        StringBuilder b = new StringBuilder(v.length() + 8).append('"');
        for (int i = 0; i < v.length(); i++) {
            char c = v.charAt(i);
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                case '\n' -> b.append("\\n");
                case '\r' -> b.append("\\r");
                case '\t' -> b.append("\\t");
                default -> {
                    if (Character.isISOControl(c) || Character.getType(c) == Character.LINE_SEPARATOR
                            || Character.getType(c) == Character.PARAGRAPH_SEPARATOR) {
                        b.append(String.format("\\u%04x", (int) c));
                    } else {
                        b.append(c);
                    }
                }
            }
        }
        return b.append('"').toString();
    }

    private static String cut(String value) {
        if (value == null || value.length() <= MAX_VALUE) {
            return value;
        }
        return value.substring(0, MAX_VALUE) + "…(+" + (value.length() - MAX_VALUE) + ")";
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
