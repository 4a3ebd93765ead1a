package org.pluginscheduler.impl.core;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Concurrency and rate limits per named group, from configuration entries such as
 * {@code reports:concurrency=2,rate=10/PT1M}. A rate limit is a sliding window: at most N starts in any period.
 * Not thread-safe: used under the engine's lock.
 */
public final class GroupLimits {

    /** One group's limits; 0 means unlimited. */
    public record Limit(int concurrency, int rate, Duration period) {
    }

    private static final Pattern ENTRY = Pattern.compile("([A-Za-z0-9][A-Za-z0-9._-]*)\\s*:\\s*(.+)");
    private static final Pattern RATE = Pattern.compile("(\\d+)\\s*/\\s*(\\S+)");

    private final Map<String, Limit> limits;
    private final Map<String, Integer> running = new HashMap<>();
    private final Map<String, Deque<Instant>> starts = new HashMap<>();

    GroupLimits(Map<String, Limit> limits) {
        this.limits = Map.copyOf(limits);
    }

    /**
     * Parses configuration entries.
     *
     * @throws IllegalArgumentException naming the field ({@code groups}) and the bad entry
     */
    public static Map<String, Limit> parse(String[] entries) {
        Map<String, Limit> result = new LinkedHashMap<>();
        for (String raw : entries) {
            String entry = raw.trim();
            if (entry.isEmpty()) {
                continue;
            }
            Matcher m = ENTRY.matcher(entry);
            if (!m.matches()) {
                throw new IllegalArgumentException("groups: '" + entry + "' is not <group>:concurrency=N,rate=N/PERIOD");
            }
            int concurrency = 0;
            int rate = 0;
            Duration period = Duration.ZERO;
            for (String part : m.group(2).split(",")) {
                String[] kv = part.trim().split("=", 2);
                if (kv.length != 2) {
                    throw new IllegalArgumentException("groups: '" + part.trim() + "' in '" + entry + "' is not name=value");
                }
                switch (kv[0].trim().toLowerCase(Locale.ROOT)) {
                    case "concurrency" -> {
                        try {
                            concurrency = Integer.parseInt(kv[1].trim());
                        } catch (NumberFormatException e) {
                            concurrency = -1;
                        }
                        if (concurrency < 1 || concurrency > 10_000) {
                            throw new IllegalArgumentException("groups: concurrency in '" + entry + "' is not in 1–10000");
                        }
                    }
                    case "rate" -> {
                        Matcher r = RATE.matcher(kv[1].trim());
                        if (!r.matches()) {
                            throw new IllegalArgumentException("groups: rate in '" + entry + "' is not N/PERIOD, e.g. 10/PT1M");
                        }
                        rate = Integer.parseInt(r.group(1));
                        try {
                            period = Duration.parse(r.group(2).toUpperCase(Locale.ROOT));
                        } catch (RuntimeException e) {
                            throw new IllegalArgumentException("groups: period '" + r.group(2) + "' in '" + entry
                                    + "' is not an ISO-8601 duration such as PT1M");
                        }
                        if (rate < 1 || period.isNegative() || period.isZero()) {
                            throw new IllegalArgumentException("groups: rate in '" + entry + "' must be positive");
                        }
                    }
                    default -> throw new IllegalArgumentException("groups: unknown limit '" + kv[0].trim() + "' in '"
                            + entry + "' (use concurrency and rate)");
                }
            }
            if (result.put(m.group(1), new Limit(concurrency, rate, period)) != null) {
                throw new IllegalArgumentException("groups: group '" + m.group(1) + "' is configured twice");
            }
        }
        return result;
    }

    /**
     * Takes a permit for a run of {@code group} starting at {@code now}.
     *
     * @return empty if taken; otherwise when to try again (for a full concurrency limit: empty instant means
     *         "when a run of the group ends", expressed as {@code now} plus {@code retry})
     */
    Optional<Instant> tryAcquire(Optional<String> group, Instant now, Duration retry) {
        if (group.isEmpty() || !limits.containsKey(group.get())) {
            return Optional.empty();
        }
        String name = group.get();
        Limit limit = limits.get(name);
        if (limit.concurrency() > 0 && running.getOrDefault(name, 0) >= limit.concurrency()) {
            return Optional.of(now.plus(retry));
        }
        if (limit.rate() > 0) {
            Deque<Instant> window = starts.computeIfAbsent(name, k -> new ArrayDeque<>());
            Instant horizon = now.minus(limit.period());
            while (!window.isEmpty() && !window.peekFirst().isAfter(horizon)) {
                window.pollFirst();
            }
            if (window.size() >= limit.rate()) {
                return Optional.of(window.peekFirst().plus(limit.period()));
            }
            window.addLast(now);
        }
        running.merge(name, 1, Integer::sum);
        return Optional.empty();
    }

    /** @return limits replaced by {@code newLimits}, keeping the running counts and rate windows of this one */
    GroupLimits withLimits(Map<String, Limit> newLimits) {
        GroupLimits next = new GroupLimits(newLimits);
        next.running.putAll(running);
        starts.forEach((g, window) -> next.starts.put(g, new ArrayDeque<>(window)));
        return next;
    }

    void release(Optional<String> group) {
        group.filter(limits::containsKey).ifPresent(g -> running.computeIfPresent(g, (k, v) -> v <= 1 ? null : v - 1));
    }

    int running(String group) {
        return running.getOrDefault(group, 0);
    }
}
