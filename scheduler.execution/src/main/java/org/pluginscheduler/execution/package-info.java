/**
 * The execution service: the scheduler's {@link org.pluginscheduler.api.execution.RunExecutor}, one thread pool per
 * priority with deadlines, stuck-run replacement threads and an orderly shutdown, configured through Config Admin
 * (PID {@code org.pluginscheduler.execution}).
 *
 * <p>Private to the bundle (no {@code @Export}): the core finds the executor as a service. The pools, the deadline
 * watch and the shutdown live in {@link org.pluginscheduler.execution.RunPools}, a plain class tested without a
 * framework and with a manual {@link org.pluginscheduler.execution.Timer}; reading and checking the configuration
 * lives in {@link org.pluginscheduler.execution.ExecutionSettings};
 * {@link org.pluginscheduler.execution.PooledRunExecutor} only ties them to Declarative Services and Config Admin.
 */
package org.pluginscheduler.execution;
