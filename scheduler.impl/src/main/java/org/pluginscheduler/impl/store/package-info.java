/**
 * The in-memory {@code TaskStore} the core runs on until a persistent one (the H2 store bundle) is registered,
 * with run history kept in columns of primitives. Private to the bundle.
 */
package org.pluginscheduler.impl.store;
