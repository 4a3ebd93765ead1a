/**
 * The scheduler core, independent of OSGi: {@link org.pluginscheduler.impl.core.SchedulerEngine} wires its parts,
 * one owner per concern, along the path of one run: registry, planner and timer, launcher, (the execution
 * service), run shell, completion, store binding with its state writer and run recorder; the admin behind
 * {@code TaskScheduler} and crash recovery beside them. docs/ARCHITECTURE.md draws it. Private to the bundle.
 */
package org.pluginscheduler.impl.core;
