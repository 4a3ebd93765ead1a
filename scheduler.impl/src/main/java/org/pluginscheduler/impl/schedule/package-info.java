/**
 * Schedules as fire sequences: cron (validated by cron-utils, evaluated by compiled bit masks), RFC 5545 RRULE
 * (lib-recur), intervals and one-shots, on wall time with one DST policy; previews and plain-English
 * descriptions. Stateless but for each live sequence; used by the core's planner and admin. Private to the
 * bundle.
 */
package org.pluginscheduler.impl.schedule;
