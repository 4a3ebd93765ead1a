package org.pluginscheduler.retry;

import java.lang.annotation.Annotation;

/**
 * A {@link RetryRuleConfiguration} as Declarative Services would hand it over, built by hand so rules can be
 * tested without a framework. Starts from the annotation's defaults with action {@code retry}. One property can
 * be made unreadable: its method then throws, as Declarative Services' lazy conversion does for a value of the
 * wrong type.
 */
final class TestConfiguration implements RetryRuleConfiguration {

    private String task = "*";
    private String[] exception = {};
    private String message = "";
    private String[] status = {};
    private String action = "retry";
    private String delay = "PT30S";
    private double backoff = 1.0;
    private String maxDelay = "";
    private String reason = "";
    private int ranking;
    private String unreadable = "";

    static TestConfiguration retry() {
        return new TestConfiguration();
    }

    static TestConfiguration action(String action) {
        TestConfiguration c = new TestConfiguration();
        c.action = action;
        return c;
    }

    TestConfiguration task(String v) {
        task = v;
        return this;
    }

    TestConfiguration exception(String... v) {
        exception = v;
        return this;
    }

    TestConfiguration message(String v) {
        message = v;
        return this;
    }

    TestConfiguration status(String... v) {
        status = v;
        return this;
    }

    TestConfiguration delay(String v) {
        delay = v;
        return this;
    }

    TestConfiguration backoff(double v) {
        backoff = v;
        return this;
    }

    TestConfiguration maxDelay(String v) {
        maxDelay = v;
        return this;
    }

    TestConfiguration reason(String v) {
        reason = v;
        return this;
    }

    TestConfiguration ranking(int v) {
        ranking = v;
        return this;
    }

    /** @param property the property whose method throws, e.g. {@code "ranking"} */
    TestConfiguration unreadable(String property) {
        unreadable = property;
        return this;
    }

    private void check(String property) {
        if (unreadable.equals(property)) {
            throw new IllegalArgumentException("cannot convert 'ten'");
        }
    }

    @Override
    public String task() {
        check(RetryRule.TASK);
        return task;
    }

    @Override
    public String[] exception() {
        check(RetryRule.EXCEPTION);
        return exception;
    }

    @Override
    public String message() {
        check(RetryRule.MESSAGE);
        return message;
    }

    @Override
    public String[] status() {
        check(RetryRule.STATUS);
        return status;
    }

    @Override
    public String action() {
        check(RetryRule.ACTION);
        return action;
    }

    @Override
    public String delay() {
        check(RetryRule.DELAY);
        return delay;
    }

    @Override
    public double backoff() {
        check(RetryRule.BACKOFF);
        return backoff;
    }

    @Override
    public String max_delay() {
        check(RetryRule.MAX_DELAY);
        return maxDelay;
    }

    @Override
    public String reason() {
        check(RetryRule.REASON);
        return reason;
    }

    @Override
    public int ranking() {
        check(RetryRule.RANKING);
        return ranking;
    }

    @Override
    public Class<? extends Annotation> annotationType() {
        return RetryRuleConfiguration.class;
    }
}
