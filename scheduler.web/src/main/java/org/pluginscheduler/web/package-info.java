/**
 * The HTTP surface: a servlet context with authentication ({@code org.pluginscheduler.web}), the REST API and the
 * dashboard. Private to this bundle.
 */
package org.pluginscheduler.web;
