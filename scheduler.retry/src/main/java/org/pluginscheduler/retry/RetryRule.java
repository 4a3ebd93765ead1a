package org.pluginscheduler.retry;

import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumSet;
import java.util.IdentityHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;
import java.util.stream.Collectors;

import org.pluginscheduler.api.RetryDecision;
import org.pluginscheduler.api.RunStatus;
import org.pluginscheduler.api.TaskFailure;

/**
 * One validated retry rule: which failures it matches and what it decides about them. Immutable and thread-safe;
 * knows nothing about OSGi, so it is tested on its own.
 *
 * <p>A failure matches when every condition that is set holds: the task glob, the run status, an exception class
 * in the error's cause chain (by name, including superclasses) and the message pattern. A rule that does not match
 * has no opinion ({@link Optional#empty()}): the next failure handler, and finally the task's retry policy,
 * decide.
 */
final class RetryRule {

    static final String TASK = "task";
    static final String EXCEPTION = "exception";
    static final String MESSAGE = "message";
    static final String STATUS = "status";
    static final String ACTION = "action";
    static final String DELAY = "delay";
    static final String BACKOFF = "backoff";
    static final String MAX_DELAY = "max.delay";
    static final String REASON = "reason";
    static final String RANKING = "ranking";

    /**
     * The longest delay a rule may ask for, and the cap of a growing delay without {@code max.delay}. A bound is
     * needed anyway: the scheduler adds the delay to the current instant, and a year is longer than any sensible
     * retry wait.
     */
    static final Duration LONGEST_DELAY = Duration.ofDays(365);

    /** The statuses a failure can have; {@code status} accepts these only. */
    static final Set<RunStatus> FAILURE_STATUSES = Collections.unmodifiableSet(
            EnumSet.of(RunStatus.FAILED, RunStatus.TIMED_OUT, RunStatus.ABANDONED));

    private static final Pattern CLASS_NAME = Pattern.compile(
            "\\p{javaJavaIdentifierStart}\\p{javaJavaIdentifierPart}*(\\.\\p{javaJavaIdentifierStart}\\p{javaJavaIdentifierPart}*)*");

    /** What a matching rule decides. */
    enum Action {
        RETRY("retry"), GIVE_UP("give-up"), ABORT("abort");

        final String text;

        Action(String text) {
            this.text = text;
        }

        static Optional<Action> parse(String text) {
            String t = text.trim().toLowerCase(Locale.ROOT);
            for (Action a : values()) {
                if (a.text.equals(t)) {
                    return Optional.of(a);
                }
            }
            return Optional.empty();
        }
    }

    private final String name;
    private final String taskGlob;
    private final Pattern task;
    private final Set<String> exceptions;
    private final Optional<Pattern> message;
    private final Set<RunStatus> statuses;
    private final Action action;
    private final Duration delay;
    private final double backoff;
    private final Optional<Duration> maxDelay;
    private final String reason;
    private final int ranking;

    private RetryRule(String name, String taskGlob, Set<String> exceptions, Optional<Pattern> message,
                      Set<RunStatus> statuses, Action action, Duration delay, double backoff,
                      Optional<Duration> maxDelay, String reason, int ranking) {
        this.name = name;
        this.taskGlob = taskGlob;
        this.task = glob(taskGlob);
        this.exceptions = Collections.unmodifiableSet(new LinkedHashSet<>(exceptions));
        this.message = message;
        this.statuses = statuses.isEmpty() ? Set.of() : Collections.unmodifiableSet(EnumSet.copyOf(statuses));
        this.action = action;
        this.delay = delay;
        this.backoff = backoff;
        this.maxDelay = maxDelay;
        this.reason = reason.isBlank() ? "retry rule " + name + " matched " + conditions() : reason;
        this.ranking = ranking;
    }

    /**
     * Validates a configuration.
     *
     * @param name what the rule is called in logs and in its default reason (the configuration's name)
     * @throws InvalidRuleException naming every field at fault
     */
    static RetryRule from(String name, RetryRuleConfiguration cfg) throws InvalidRuleException {
        Objects.requireNonNull(name, "name");
        List<String> problems = new ArrayList<>();

        String taskGlob = read(TASK, cfg::task, problems);
        if (taskGlob != null) {
            taskGlob = taskGlob.trim();
            if (taskGlob.isEmpty()) {
                problems.add(TASK + ": must not be blank; '*' matches every task");
                taskGlob = null;
            } else if (taskGlob.chars().anyMatch(Character::isWhitespace)) {
                problems.add(TASK + ": '" + taskGlob + "' contains white space, which no task id does");
                taskGlob = null;
            }
        }

        Set<String> exceptions = new LinkedHashSet<>();
        for (String className : list(read(EXCEPTION, cfg::exception, problems))) {
            if (CLASS_NAME.matcher(className).matches()) {
                exceptions.add(className);
            } else {
                problems.add(EXCEPTION + ": '" + className + "' is not a fully qualified class name");
            }
        }

        Optional<Pattern> message = Optional.empty();
        String messageText = read(MESSAGE, cfg::message, problems);
        if (messageText != null && !messageText.isEmpty()) {
            try {
                message = Optional.of(Pattern.compile(messageText));
            } catch (PatternSyntaxException e) {
                problems.add(MESSAGE + ": '" + messageText + "' is not a valid regular expression ("
                        + e.getDescription() + " near index " + e.getIndex() + ")");
            }
        }

        Set<RunStatus> statuses = EnumSet.noneOf(RunStatus.class);
        for (String text : list(read(STATUS, cfg::status, problems))) {
            Optional<RunStatus> status = FAILURE_STATUSES.stream()
                    .filter(s -> s.name().equals(text.toUpperCase(Locale.ROOT).replace('-', '_'))).findFirst();
            if (status.isPresent()) {
                statuses.add(status.get());
            } else {
                problems.add(STATUS + ": '" + text + "' is not one of FAILED, TIMED_OUT, ABANDONED");
            }
        }

        Action action = null;
        String actionText = read(ACTION, cfg::action, problems);
        if (actionText != null) {
            action = Action.parse(actionText).orElse(null);
            if (action == null) {
                problems.add(ACTION + ": '" + actionText + "' is not one of retry, give-up, abort");
            }
        }

        Duration delay = duration(DELAY, read(DELAY, cfg::delay, problems), problems);

        Double backoff = read(BACKOFF, cfg::backoff, problems);
        if (backoff != null && !(backoff >= 1.0 && backoff <= 100.0)) {
            problems.add(BACKOFF + ": " + backoff + " is not in 1–100");
            backoff = null;
        }

        Optional<Duration> maxDelay = Optional.empty();
        String maxDelayText = read(MAX_DELAY, cfg::max_delay, problems);
        if (maxDelayText != null && !maxDelayText.isBlank()) {
            Duration d = duration(MAX_DELAY, maxDelayText, problems);
            if (d != null && delay != null && d.compareTo(delay) < 0) {
                problems.add(MAX_DELAY + ": " + d + " is shorter than " + DELAY + " " + delay);
            } else if (d != null) {
                maxDelay = Optional.of(d);
            }
        }

        String reason = read(REASON, cfg::reason, problems);
        Integer ranking = read(RANKING, cfg::ranking, problems);

        if (!problems.isEmpty()) {
            throw new InvalidRuleException(problems);
        }
        return new RetryRule(name, taskGlob, exceptions, message, statuses, action, delay, backoff, maxDelay,
                reason.trim(), ranking);
    }

    /** @return the rule's name, as given to {@link #from} */
    String name() {
        return name;
    }

    /** @return the handler's {@code service.ranking} */
    int ranking() {
        return ranking;
    }

    Action action() {
        return action;
    }

    /** @return the reason recorded with every decision: the configured one, or a description of the rule */
    String reason() {
        return reason;
    }

    /**
     * @return {@code true} if every condition that is set holds for {@code failure}
     */
    boolean matches(TaskFailure failure) {
        return task.matcher(failure.taskId().toString()).matches()
                && (statuses.isEmpty() || statuses.contains(failure.status()))
                && (exceptions.isEmpty() || failure.error().map(e -> hasExceptionNamed(e, exceptions)).orElse(false))
                && (message.isEmpty() || message.get().matcher(failure.message()).find());
    }

    /**
     * @return this rule's decision about {@code failure}, or empty if the rule does not match it
     */
    Optional<RetryDecision> decide(TaskFailure failure) {
        if (!matches(failure)) {
            return Optional.empty();
        }
        return Optional.of(switch (action) {
            case RETRY -> RetryDecision.retryAfter(delayAfter(failure.attempt()), reason);
            case GIVE_UP -> RetryDecision.giveUp(reason);
            case ABORT -> RetryDecision.abort(reason);
        });
    }

    /**
     * @param failedAttempt the attempt that failed, 1-based
     * @return {@code delay × backoff^(failedAttempt − 1)}, at most {@code max.delay} (or {@link #LONGEST_DELAY})
     */
    Duration delayAfter(int failedAttempt) {
        Duration cap = maxDelay.orElse(LONGEST_DELAY);
        int exponent = Math.max(0, failedAttempt - 1);
        if (backoff == 1.0 || exponent == 0) {
            return delay.compareTo(cap) <= 0 ? delay : cap;
        }
        // delay and cap are at most a year, so their nanoseconds fit in a long; the product may be infinite
        double nanos = delay.toNanos() * Math.pow(backoff, exponent);
        return nanos < cap.toNanos() ? Duration.ofNanos(Math.round(nanos)) : cap;
    }

    /**
     * @return whether {@code error} or any exception in its cause chain is of a class, or has a superclass, named
     *         in {@code names}. By name, so that no class has to be loaded: the classes of plugin exceptions are
     *         not visible to this bundle. Cause cycles are tolerated.
     */
    static boolean hasExceptionNamed(Throwable error, Set<String> names) {
        Set<Throwable> seen = Collections.newSetFromMap(new IdentityHashMap<>());
        for (Throwable t = error; t != null && seen.add(t); t = t.getCause()) {
            for (Class<?> c = t.getClass(); c != null; c = c.getSuperclass()) {
                if (names.contains(c.getName())) {
                    return true;
                }
            }
        }
        return false;
    }

    /**
     * @return a regular expression matching the whole of a text against a glob: {@code *} any run of characters,
     *         {@code ?} one character, everything else literally
     */
    static Pattern glob(String glob) {
        StringBuilder regex = new StringBuilder();
        StringBuilder literal = new StringBuilder();
        for (char c : glob.toCharArray()) {
            if (c == '*' || c == '?') {
                if (literal.length() > 0) {
                    regex.append(Pattern.quote(literal.toString()));
                    literal.setLength(0);
                }
                regex.append(c == '*' ? ".*" : ".");
            } else {
                literal.append(c);
            }
        }
        if (literal.length() > 0) {
            regex.append(Pattern.quote(literal.toString()));
        }
        return Pattern.compile(regex.toString(), Pattern.DOTALL);
    }

    /** @return the conditions that are set, for the default reason, e.g. {@code "task a:*, status TIMED_OUT"} */
    private String conditions() {
        List<String> parts = new ArrayList<>();
        if (!taskGlob.equals("*")) {
            parts.add("task " + taskGlob);
        }
        if (!statuses.isEmpty()) {
            parts.add("status " + statuses.stream().map(Enum::name).collect(Collectors.joining(" or ")));
        }
        if (!exceptions.isEmpty()) {
            parts.add("exception " + String.join(" or ", exceptions));
        }
        message.ifPresent(p -> parts.add("message /" + p.pattern() + "/"));
        return parts.isEmpty() ? "every failure" : String.join(", ", parts);
    }

    /** @return every setting, in property syntax, for logs */
    @Override
    public String toString() {
        StringBuilder s = new StringBuilder(TASK + "=" + taskGlob);
        if (!exceptions.isEmpty()) {
            s.append(", " + EXCEPTION + "=").append(String.join(",", exceptions));
        }
        message.ifPresent(p -> s.append(", " + MESSAGE + "=").append(p.pattern()));
        if (!statuses.isEmpty()) {
            s.append(", " + STATUS + "=").append(statuses.stream().map(Enum::name).collect(Collectors.joining(",")));
        }
        s.append(", " + ACTION + "=").append(action.text);
        if (action == Action.RETRY) {
            s.append(", " + DELAY + "=").append(delay);
            if (backoff != 1.0) {
                s.append(", " + BACKOFF + "=").append(backoff);
            }
            maxDelay.ifPresent(d -> s.append(", " + MAX_DELAY + "=").append(d));
        }
        s.append(", " + REASON + "=").append(reason);
        s.append(", " + RANKING + "=").append(ranking);
        return s.toString();
    }

    /** Parses a duration property; {@code null} (with a problem added) if it is blank or bad. */
    private static Duration duration(String field, String text, List<String> problems) {
        if (text == null) {
            return null; // unreadable: already reported
        }
        if (text.isBlank()) {
            problems.add(field + ": must not be blank; e.g. PT30S");
            return null;
        }
        Duration d;
        try {
            d = Duration.parse(text.trim());
        } catch (DateTimeParseException e) {
            problems.add(field + ": '" + text + "' is not an ISO-8601 duration such as PT30S, PT5M or PT1H");
            return null;
        }
        if (d.isNegative()) {
            problems.add(field + ": " + text.trim() + " must not be negative");
            return null;
        }
        if (d.compareTo(LONGEST_DELAY) > 0) {
            problems.add(field + ": " + text.trim() + " is longer than 365 days");
            return null;
        }
        return d;
    }

    /** @return the non-blank entries of a list property, each element also split at commas */
    private static List<String> list(String[] values) {
        List<String> entries = new ArrayList<>();
        if (values != null) {
            for (String value : values) {
                if (value == null) {
                    continue;
                }
                for (String entry : value.split(",")) {
                    if (!entry.isBlank()) {
                        entries.add(entry.trim());
                    }
                }
            }
        }
        return entries;
    }

    /**
     * Reads one property. Declarative Services converts lazily, so a value of the wrong type throws here; a
     * missing property without a default reads as {@code null}.
     */
    private static <T> T read(String field, Supplier<T> value, List<String> problems) {
        try {
            T t = value.get();
            if (t == null && !field.equals(EXCEPTION) && !field.equals(STATUS)) {
                problems.add(field + (field.equals(ACTION) ? ": is missing; one of retry, give-up, abort"
                        : ": is missing"));
            }
            return t;
        } catch (RuntimeException e) {
            problems.add(field + ": cannot be read (" + e.getMessage() + ")");
            return null;
        }
    }
}
