/**
 * The storage SPI: how the scheduler persists task state, overrides, run history and dead letters.
 *
 * <p>The scheduler core ships an in-memory {@link org.pluginscheduler.api.store.TaskStore}; a bundle that
 * registers a {@code TaskStore} service with a higher {@code service.ranking} replaces it. Implementations are
 * consumers of this package; the contract is the Javadoc of {@link org.pluginscheduler.api.store.TaskStore}.
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("1.0.0")
package org.pluginscheduler.api.store;
