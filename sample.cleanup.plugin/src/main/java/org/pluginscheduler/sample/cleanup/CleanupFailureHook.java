package org.pluginscheduler.sample.cleanup;

import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.time.Duration;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.function.Predicate;

import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.pluginscheduler.api.RetryDecision;
import org.pluginscheduler.api.TaskFailure;
import org.pluginscheduler.api.TaskFailureHandler;

/**
 * The sample plugin's failure hook: the scheduler asks it, before the task's own retry policy, what to do about a
 * failed run. It speaks only about this plugin's own tasks, and only about two kinds of failure it understands:
 * <ul>
 * <li><b>Permission denied</b> ({@link AccessDeniedException} or {@link SecurityException} anywhere in the
 * exception's cause chain): abort the remaining retries. Retrying cannot fix permissions, and the run is not
 * dead-lettered either: replaying it would fail the same way. The reason says what to fix.</li>
 * <li><b>Busy file system</b> (a {@link FileSystemException} in the cause chain whose reason says the device or
 * resource is busy, that there are too many open files, or that the resource is temporarily unavailable): retry
 * after {@link #BUSY_DELAY}, longer than the policy's first wait, to let the file server or the process holding
 * the files calm down. This still counts against the task's maximum retries.</li>
 * </ul>
 * Anything else gets no decision, so retry rules of lower ranking and then the task's
 * {@link CleanupTaskProvider#TEMP_FILES_RETRY policy} decide.
 *
 * <p>Ranked {@value #RANKING}: below the default ranking (0) of the administrator's retry rules, so a rule
 * written for the same task takes precedence over the plugin's own judgement.
 *
 * <p>Exceptions are recognized with {@code instanceof} on JDK classes, which this bundle sees like every other.
 * Called from scheduler threads, possibly concurrently: it keeps no state but the owner, set once on activation.
 */
@Component(service = TaskFailureHandler.class, property = "service.ranking:Integer=" + CleanupFailureHook.RANKING)
public class CleanupFailureHook implements TaskFailureHandler {

    /** The hook's {@code service.ranking}. */
    static final int RANKING = -100;

    /** How long to wait before retrying after the file system said it was busy. */
    static final Duration BUSY_DELAY = Duration.ofMinutes(5);

    /** Reasons, lower case, that a {@link FileSystemException} gives for a condition that passes. */
    private static final List<String> BUSY_REASONS =
            List.of("busy", "too many open files", "resource temporarily unavailable");

    private volatile String owner;

    /** Used by Declarative Services; the owner is set on activation. */
    public CleanupFailureHook() {
    }

    /** A seam for tests: the owner whose tasks the hook speaks about. */
    CleanupFailureHook(String owner) {
        this.owner = owner;
    }

    /** The plugin's tasks are owned by its bundle: {@code sample.cleanup.plugin:temp-files}. */
    @Activate
    void activate(BundleContext context) {
        owner = context.getBundle().getSymbolicName();
    }

    @Override
    public Optional<RetryDecision> onFailure(TaskFailure failure) {
        if (!failure.taskId().owner().equals(owner) || failure.error().isEmpty()) {
            return Optional.empty();
        }
        Throwable error = failure.error().get();

        Optional<Throwable> denied = inCauseChain(error,
                t -> t instanceof AccessDeniedException || t instanceof SecurityException);
        if (denied.isPresent()) {
            return Optional.of(RetryDecision.abort("permission denied (" + denied.get() + "); retrying cannot "
                    + "help: give the runtime's user access to the folder, or configure another one, then trigger "
                    + failure.taskId()));
        }

        Optional<Throwable> busy = inCauseChain(error,
                t -> t instanceof FileSystemException e && isBusy(e.getReason()));
        if (busy.isPresent()) {
            String reason = ((FileSystemException) busy.get()).getReason();
            return Optional.of(RetryDecision.retryAfter(BUSY_DELAY,
                    "file system busy (" + reason + "); retrying in " + BUSY_DELAY.toMinutes() + " minutes"));
        }
        return Optional.empty();
    }

    private static boolean isBusy(String reason) {
        String r = reason == null ? "" : reason.toLowerCase(Locale.ROOT);
        return BUSY_REASONS.stream().anyMatch(r::contains);
    }

    /** @return the first exception in {@code error}'s cause chain (itself included) that passes {@code test} */
    private static Optional<Throwable> inCauseChain(Throwable error, Predicate<Throwable> test) {
        Set<Throwable> seen = Collections.newSetFromMap(new IdentityHashMap<>());
        for (Throwable t = error; t != null && seen.add(t); t = t.getCause()) {
            if (test.test(t)) {
                return Optional.of(t);
            }
        }
        return Optional.empty();
    }
}
