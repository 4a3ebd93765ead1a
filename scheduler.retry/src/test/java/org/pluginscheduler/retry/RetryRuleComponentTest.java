package org.pluginscheduler.retry;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Map;
import java.util.Optional;

import org.junit.jupiter.api.Test;
import org.pluginscheduler.api.RetryDecision;
import org.pluginscheduler.api.RunStatus;
import org.pluginscheduler.api.TaskDefinition;
import org.pluginscheduler.api.TaskFailure;
import org.pluginscheduler.api.TaskId;

class RetryRuleComponentTest {

    @Test
    void aNamedFactoryConfigurationIsCalledByItsName() {
        assertEquals("ratelimit", RetryRuleComponent.ruleName("org.pluginscheduler.retry.rule~ratelimit"));
    }

    @Test
    void anUnnamedOneByItsPid() {
        assertEquals("org.pluginscheduler.retry.rule.3f2a", RetryRuleComponent.ruleName("org.pluginscheduler.retry.rule.3f2a"));
        assertEquals("org.pluginscheduler.retry.rule~", RetryRuleComponent.ruleName("org.pluginscheduler.retry.rule~"));
    }

    @Test
    void theHandlerAsksTheRuleInForce() throws InvalidRuleException {
        TaskFailure failure = new TaskFailure(TaskId.of("p", "t"), TaskDefinition.builder("t").schedule("every:PT1M")
                .build(), "run-1", 1, RunStatus.FAILED, "x", Optional.empty(), Map.of());
        RetryRuleComponent.RuleHandler handler = new RetryRuleComponent.RuleHandler();
        assertEquals(Optional.empty(), handler.onFailure(failure), "no rule yet: no opinion");

        handler.rule = RetryRule.from("r", TestConfiguration.action("abort").reason("no"));
        assertEquals(Optional.of(RetryDecision.abort("no")), handler.onFailure(failure));
        assertEquals("retry rule r", handler.toString());
    }

    /** Numbers DS cannot convert are named with their value; the rule's other problems follow. */
    @org.junit.jupiter.api.Test
    void numbersAreReadFromTheRawValues() {
        InvalidRuleException e = org.junit.jupiter.api.Assertions.assertThrows(InvalidRuleException.class,
                () -> RetryRuleComponent.check("r", java.util.Map.of("ranking", "99999999999", "backoff", "fast",
                        "action", "later"), () -> {
                            throw new InvalidRuleException(java.util.List.of("action: 'later' is not one of retry, "
                                    + "give-up, abort", "backoff: cannot be read (x)", "ranking: cannot be read (y)"));
                        }));
        org.junit.jupiter.api.Assertions.assertEquals(java.util.List.of("backoff: 'fast' is not a number",
                "ranking: '99999999999' is not in -2147483648–2147483647",
                "action: 'later' is not one of retry, give-up, abort"), e.problems());
        org.junit.jupiter.api.Assertions.assertEquals(java.util.List.of("backoff: '0.5' is not in 1–100"),
                org.junit.jupiter.api.Assertions.assertThrows(InvalidRuleException.class,
                        () -> RetryRuleComponent.check("r", java.util.Map.of("backoff", "0.5"), () -> null))
                        .problems());
    }
}
