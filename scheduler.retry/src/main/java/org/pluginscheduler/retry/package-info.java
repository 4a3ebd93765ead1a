/**
 * Retry rules from Config Admin: every factory configuration of {@code org.pluginscheduler.retry.rule} becomes
 * one {@link org.pluginscheduler.api.TaskFailureHandler} service, ranked by the rule's {@code ranking}.
 *
 * <p>Private to the bundle (no {@code @Export}): the scheduler finds the handlers on its whiteboard. The matching
 * and the decisions live in {@link org.pluginscheduler.retry.RetryRule}, a plain class tested without a
 * framework; {@link org.pluginscheduler.retry.RetryRuleComponent} only ties it to Config Admin and the service
 * registry.
 */
package org.pluginscheduler.retry;
