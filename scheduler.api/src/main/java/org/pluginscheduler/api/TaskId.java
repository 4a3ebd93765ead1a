package org.pluginscheduler.api;

import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The qualified identity of a task: {@code <owner>:<task-id>}, and for per-tenant instances
 * {@code <owner>:<task-id>@<tenant>}.
 *
 * <p>The owner is the symbolic name of the bundle that provides the task (or {@code config} for
 * configuration-defined jobs). Persisted state is keyed by the qualified id, so it survives bundle updates.
 *
 * @param owner  the owning bundle's symbolic name; not blank, no {@code ':'} or {@code '@'}
 * @param id     the task id within its owner; matches {@link #ID_PATTERN}
 * @param tenant the tenant of a per-tenant instance; empty for ordinary tasks
 */
public record TaskId(String owner, String id, Optional<String> tenant) implements Comparable<TaskId> {

    /** Task ids and tenants: a letter or digit, then letters, digits, {@code .}, {@code _} or {@code -}; at most 100 characters. */
    public static final Pattern ID_PATTERN = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,99}");

    private static final Pattern OWNER_PATTERN = Pattern.compile("[^:@\\s]+");

    /**
     * @throws IllegalArgumentException if a part is malformed, naming the part
     */
    public TaskId {
        Objects.requireNonNull(owner, "owner");
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(tenant, "tenant");
        if (!OWNER_PATTERN.matcher(owner).matches()) {
            throw new IllegalArgumentException("owner: '" + owner + "' must be non-blank without ':', '@' or spaces");
        }
        if (!ID_PATTERN.matcher(id).matches()) {
            throw new IllegalArgumentException("id: '" + id + "' must match " + ID_PATTERN.pattern());
        }
        if (tenant.isPresent() && !ID_PATTERN.matcher(tenant.get()).matches()) {
            throw new IllegalArgumentException("tenant: '" + tenant.get() + "' must match " + ID_PATTERN.pattern());
        }
    }

    /** @return the id of an ordinary (not per-tenant) task */
    public static TaskId of(String owner, String id) {
        return new TaskId(owner, id, Optional.empty());
    }

    /** @return this task's instance for {@code tenant} */
    public TaskId forTenant(String tenant) {
        return new TaskId(owner, id, Optional.of(tenant));
    }

    /**
     * Parses the qualified form {@code owner:id} or {@code owner:id@tenant}.
     *
     * @throws IllegalArgumentException if {@code text} is not a qualified id; the message says why
     */
    public static TaskId parse(String text) {
        Objects.requireNonNull(text, "text");
        int colon = text.indexOf(':');
        if (colon <= 0 || colon == text.length() - 1) {
            throw new IllegalArgumentException("task id: '" + text + "' is not of the form <owner>:<task-id>");
        }
        String owner = text.substring(0, colon);
        String rest = text.substring(colon + 1);
        int at = rest.indexOf('@');
        if (at < 0) {
            return new TaskId(owner, rest, Optional.empty());
        }
        return new TaskId(owner, rest.substring(0, at), Optional.of(rest.substring(at + 1)));
    }

    /** @return the qualified text form, as accepted by {@link #parse(String)} */
    @Override
    public String toString() {
        return owner + ":" + id + tenant.map(t -> "@" + t).orElse("");
    }

    /** Orders as the qualified texts ({@link #toString()}) do, without building them (lists sort 10,000s). */
    @Override
    public int compareTo(TaskId o) {
        int n = length();
        int m = o.length();
        for (int i = 0, end = Math.min(n, m); i < end; i++) {
            char a = charAt(i);
            char b = o.charAt(i);
            if (a != b) {
                return a - b;
            }
        }
        return n - m;
    }

    /** @return the length of {@link #toString()} */
    private int length() {
        return owner.length() + 1 + id.length() + (tenant.isPresent() ? tenant.get().length() + 1 : 0);
    }

    /** @return the character at {@code i} of {@link #toString()} */
    private char charAt(int i) {
        if (i < owner.length()) {
            return owner.charAt(i);
        }
        i -= owner.length();
        if (i == 0) {
            return ':';
        }
        i--;
        if (i < id.length()) {
            return id.charAt(i);
        }
        i -= id.length();
        return i == 0 ? '@' : tenant.get().charAt(i - 1);
    }
}
