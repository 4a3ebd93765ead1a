/**
 * The storage SPI: how the scheduler persists task state, overrides, run history, dead letters and
 * pending runs (accepted work not yet finished).
 *
 * <p>The scheduler core ships an in-memory {@link org.pluginscheduler.api.store.TaskStore}; a bundle that
 * registers a {@code TaskStore} service with a higher {@code service.ranking} replaces it. Implementations are
 * consumers of this package; the contract is the Javadoc of {@link org.pluginscheduler.api.store.TaskStore}.
 *
 * <p>2.0.0 added pending runs ({@link org.pluginscheduler.api.store.PendingRun}) and atomic batches
 * ({@link org.pluginscheduler.api.store.TaskStore#write}); a 1.x store cannot keep accepted work, so it no longer
 * resolves. 2.1.0 added {@link org.pluginscheduler.api.store.TaskStore#history()}, a default method.
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("2.1.0")
package org.pluginscheduler.api.store;
