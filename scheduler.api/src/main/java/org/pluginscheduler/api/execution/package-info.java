/**
 * The execution SPI: where the scheduler core hands the runs it has planned, fired and admitted, to be executed
 * on threads it does not own.
 *
 * <p>The core plans, fires and records; a {@link org.pluginscheduler.api.execution.RunExecutor} service owns the
 * threads: pools per priority, deadlines, stuck-run handling and shares per owner. The scheduler ships one
 * in the {@code scheduler.execution} bundle, configured through Config Admin; the highest-ranked
 * {@code RunExecutor} service wins. While none is registered the core holds fires instead of running them. The
 * contract is the Javadoc of {@link org.pluginscheduler.api.execution.RunExecutor} and
 * {@link org.pluginscheduler.api.execution.ExecutableRun}.
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("1.1.0")
package org.pluginscheduler.api.execution;
