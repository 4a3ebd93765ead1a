/**
 * Prometheus metrics and Felix Health Checks of the scheduler. Private to this bundle: its servlets join the web
 * surface's servlet context ({@code org.pluginscheduler.web}), so the same authentication applies to them.
 */
package org.pluginscheduler.monitor;
