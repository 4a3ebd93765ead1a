package org.pluginscheduler.api;

import java.time.Instant;
import java.util.Objects;

/**
 * A task provider the scheduler cannot read: its {@link ScheduledTaskProvider#tasks()} has not returned within the
 * configured provider read timeout. The read goes on, on a thread of its own, so no other plugin waits for it;
 * meanwhile the provider contributes no new tasks (the tasks of its last completed read stay registered). When the
 * read returns, its result is applied (if the provider is still registered) and the problem is gone. Shown by
 * {@code task:list} under the table.
 *
 * @param owner    the symbolic name of the bundle that registered the provider
 * @param provider which provider, e.g. {@code provider service 42 of my.plugin 1.0.0}
 * @param since    when the read that has not returned started
 * @param reason   what is wrong, e.g. which thread is still inside {@code tasks()}, or that the provider went away
 *                 while that thread is still held
 * @since 1.3
 */
public record ProviderProblem(String owner, String provider, Instant since, String reason) {
    public ProviderProblem {
        Objects.requireNonNull(owner, "owner");
        Objects.requireNonNull(provider, "provider");
        Objects.requireNonNull(since, "since");
        Objects.requireNonNull(reason, "reason");
    }
}
