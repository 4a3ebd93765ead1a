package org.pluginscheduler.retry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.pluginscheduler.api.RetryDecision;
import org.pluginscheduler.api.RunStatus;
import org.pluginscheduler.api.TaskDefinition;
import org.pluginscheduler.api.TaskFailure;
import org.pluginscheduler.api.TaskId;

class RetryRuleTest {

    /** A plugin's own exception type: matched by its name and its superclasses' names. */
    static final class QuotaExceededException extends IOException {
        private static final long serialVersionUID = 1L;

        QuotaExceededException(String message) {
            super(message);
        }
    }

    private static RetryRule rule(TestConfiguration cfg) {
        try {
            return RetryRule.from("test", cfg);
        } catch (InvalidRuleException e) {
            throw new AssertionError("unexpectedly invalid: " + e.getMessage(), e);
        }
    }

    private static List<String> problems(TestConfiguration cfg) {
        return assertThrows(InvalidRuleException.class, () -> RetryRule.from("test", cfg)).problems();
    }

    private static TaskFailure failure(String taskId, int attempt, RunStatus status, String message,
                                       Throwable error) {
        TaskId id = TaskId.parse(taskId);
        return new TaskFailure(id, TaskDefinition.builder(id.id()).schedule("every:PT1M").build(), "run-1", attempt,
                status, message, Optional.ofNullable(error), Map.of());
    }

    private static TaskFailure failure(String taskId) {
        return failure(taskId, 1, RunStatus.FAILED, "it broke", null);
    }

    private static TaskFailure thrown(Throwable error) {
        return failure("p:t", 1, RunStatus.FAILED, error.getClass().getSimpleName() + ": " + error.getMessage(),
                error);
    }

    @Nested
    class TaskGlob {

        private boolean matches(String glob, String taskId) {
            return rule(TestConfiguration.retry().task(glob)).matches(failure(taskId));
        }

        @Test
        void theDefaultStarMatchesEveryTask() {
            RetryRule everything = rule(TestConfiguration.retry());
            assertTrue(everything.matches(failure("sample.cleanup.plugin:temp-files")));
            assertTrue(everything.matches(failure("config:x@acme")));
        }

        @Test
        void starMatchesAnyRunIncludingColonAndAt() {
            assertTrue(matches("sample.cleanup.plugin:*", "sample.cleanup.plugin:temp-files"));
            assertTrue(matches("sample.cleanup.plugin:*", "sample.cleanup.plugin:temp-files@acme"));
            assertTrue(matches("*:import-*", "com.example.erp:import-orders"));
            assertTrue(matches("*@acme", "a:b@acme"));
            assertTrue(matches("p:a*b", "p:ab"), "a star matches nothing too");
            assertFalse(matches("*:import-*", "com.example.erp:export-orders"));
            assertFalse(matches("*@acme", "a:b@globex"));
        }

        @Test
        void questionMarkMatchesExactlyOneCharacter() {
            assertTrue(matches("p:job-?", "p:job-1"));
            assertFalse(matches("p:job-?", "p:job-12"));
            assertFalse(matches("p:job-?", "p:job-"));
        }

        @Test
        void theWholeIdMustMatchNotAPart() {
            assertFalse(matches("p:job", "p:job-1"));
            assertFalse(matches("job-1", "p:job-1"));
            assertTrue(matches("p:job-1", "p:job-1"));
        }

        @Test
        void everythingElseIsLiteralIncludingRegexCharacters() {
            assertFalse(matches("a.b:c", "axb:c"), "a dot is a dot");
            assertTrue(matches("a.b:c", "a.b:c"));
            assertFalse(matches("a+:c", "aa:c"));
            assertTrue(matches("a+:c", "a+:c"));
            assertFalse(matches("P:JOB", "p:job"), "case-sensitive, like task ids");
        }
    }

    @Nested
    class ExceptionNames {

        private boolean matches(Throwable error, String... names) {
            return rule(TestConfiguration.retry().exception(names)).matches(thrown(error));
        }

        @Test
        void theExceptionsOwnClass() {
            assertTrue(matches(new AccessDeniedException("/srv"), "java.nio.file.AccessDeniedException"));
            assertFalse(matches(new AccessDeniedException("/srv"), "java.nio.file.NoSuchFileException"));
        }

        @Test
        void anySuperclass() {
            AccessDeniedException denied = new AccessDeniedException("/srv");
            assertTrue(matches(denied, "java.nio.file.FileSystemException"));
            assertTrue(matches(denied, "java.io.IOException"));
            assertTrue(matches(denied, "java.lang.Exception"));
            assertTrue(matches(denied, "java.lang.Throwable"));
            assertFalse(matches(denied, "java.lang.RuntimeException"));
        }

        @Test
        void anyExceptionInTheCauseChainAndItsSuperclasses() {
            Exception wrapped = new IllegalStateException("walk failed",
                    new UncheckedIOException(new AccessDeniedException("/srv/tmp")));
            assertTrue(matches(wrapped, "java.nio.file.AccessDeniedException"));
            assertTrue(matches(wrapped, "java.io.UncheckedIOException"));
            assertTrue(matches(wrapped, "java.nio.file.FileSystemException"), "a cause's superclass");
            assertFalse(matches(wrapped, "java.nio.file.NoSuchFileException"));
        }

        @Test
        void nestedClassesByTheirBinaryName() {
            QuotaExceededException quota = new QuotaExceededException("quota");
            assertTrue(matches(quota, QuotaExceededException.class.getName()));
            assertEquals("org.pluginscheduler.retry.RetryRuleTest$QuotaExceededException",
                    QuotaExceededException.class.getName());
            assertFalse(matches(quota, "org.pluginscheduler.retry.RetryRuleTest.QuotaExceededException"),
                    "the canonical name with a dot is not what Class.getName() says");
        }

        @Test
        void anyOfSeveralNamesAlsoCommaSeparatedInOneValueAsACfgFileGivesThem() {
            Exception timeout = new java.net.SocketTimeoutException("read timed out");
            assertTrue(matches(timeout, "java.net.ConnectException, java.net.SocketTimeoutException"));
            assertTrue(matches(timeout, "java.net.ConnectException", "java.net.SocketTimeoutException"));
            assertFalse(matches(timeout, "java.net.ConnectException,,  "));
        }

        @Test
        void aFailureWithoutAnExceptionDoesNotMatch() {
            RetryRule r = rule(TestConfiguration.retry().exception("java.lang.Throwable"));
            assertFalse(r.matches(failure("p:t", 1, RunStatus.FAILED, "a failed result", null)));
            assertFalse(r.matches(failure("p:t", 1, RunStatus.TIMED_OUT, "timed out after PT1S", null)));
        }

        @Test
        void aCauseCycleEnds() {
            Exception a = new Exception("a");
            Exception b = new Exception("b", a);
            a.initCause(b);
            assertFalse(matches(a, "java.io.IOException"));
            assertTrue(matches(a, "java.lang.Exception"));
        }

        @Test
        void matchingLoadsNoClassByName() {
            // a name no class loader here knows: matching compares names and must not try to load it
            assertFalse(matches(new RuntimeException("x"), "com.example.plugin.NotOnThisClassPathException"));
            assertTrue(RetryRule.hasExceptionNamed(new QuotaExceededException("q"),
                    Set.of("com.example.Other", "java.io.IOException")));
        }
    }

    @Nested
    class MessagePattern {

        private boolean matches(String regex, String message) {
            return rule(TestConfiguration.retry().message(regex))
                    .matches(failure("p:t", 1, RunStatus.FAILED, message, null));
        }

        @Test
        void isFoundAnywhereInTheMessage() {
            assertTrue(matches("rate limit", "IOException: rate limit exceeded, retry later"));
            assertFalse(matches("rate limit", "IOException: disk full"));
        }

        @Test
        void isARegularExpressionCaseSensitiveUnlessToldOtherwise() {
            assertFalse(matches("rate limit", "Rate Limit exceeded"));
            assertTrue(matches("(?i)rate limit", "Rate Limit exceeded"));
            assertTrue(matches("HTTP (429|503)", "HTTP 503 from upstream"));
            assertFalse(matches("^limit", "rate limit"), "anchors work");
        }

        @Test
        void emptyMeansNoCondition() {
            assertTrue(matches("", "anything"));
            assertTrue(matches("", ""));
        }
    }

    @Nested
    class StatusFilter {

        @Test
        void emptyMatchesEveryFailureStatus() {
            RetryRule r = rule(TestConfiguration.retry());
            for (RunStatus s : RetryRule.FAILURE_STATUSES) {
                assertTrue(r.matches(failure("p:t", 1, s, "x", null)), s.name());
            }
        }

        @Test
        void onlyTheListedStatusesMatch() {
            RetryRule r = rule(TestConfiguration.retry().status("TIMED_OUT", "ABANDONED"));
            assertFalse(r.matches(failure("p:t", 1, RunStatus.FAILED, "x", null)));
            assertTrue(r.matches(failure("p:t", 1, RunStatus.TIMED_OUT, "x", null)));
            assertTrue(r.matches(failure("p:t", 1, RunStatus.ABANDONED, "x", null)));
        }

        @Test
        void namesAreCaseInsensitiveAndMayUseADashAndCommas() {
            RetryRule r = rule(TestConfiguration.retry().status("timed-out, failed"));
            assertTrue(r.matches(failure("p:t", 1, RunStatus.TIMED_OUT, "x", null)));
            assertTrue(r.matches(failure("p:t", 1, RunStatus.FAILED, "x", null)));
            assertFalse(r.matches(failure("p:t", 1, RunStatus.ABANDONED, "x", null)));
        }
    }

    @Test
    void everyConditionThatIsSetMustHold() {
        RetryRule r = rule(TestConfiguration.retry().task("p:*").exception("java.io.IOException")
                .message("(?i)busy").status("FAILED"));
        FileSystemException busy = new FileSystemException("/srv", null, "Device or resource busy");
        assertTrue(r.matches(failure("p:t", 1, RunStatus.FAILED, "FileSystemException: " + busy.getMessage(), busy)));
        assertFalse(r.matches(failure("q:t", 1, RunStatus.FAILED, "busy", busy)), "task");
        assertFalse(r.matches(failure("p:t", 1, RunStatus.TIMED_OUT, "busy", busy)), "status");
        assertFalse(r.matches(failure("p:t", 1, RunStatus.FAILED, "busy", new IllegalStateException())), "exception");
        assertFalse(r.matches(failure("p:t", 1, RunStatus.FAILED, "disk full", busy)), "message");
    }

    @Nested
    class Actions {

        @Test
        void retryDecidesARetryAfterTheDelayWithTheReason() {
            RetryRule r = rule(TestConfiguration.retry().delay("PT5M").reason("upstream rate limit"));
            RetryDecision d = r.decide(failure("p:t")).orElseThrow();
            RetryDecision.Retry retry = assertInstanceOf(RetryDecision.Retry.class, d);
            assertEquals(Duration.ofMinutes(5), retry.delay());
            assertEquals("upstream rate limit", retry.reason());
        }

        @Test
        void giveUpDecidesToGiveUp() {
            RetryDecision d = rule(TestConfiguration.action("give-up").reason("not worth it"))
                    .decide(failure("p:t")).orElseThrow();
            assertEquals(RetryDecision.giveUp("not worth it"), d);
        }

        @Test
        void abortDecidesToAbort() {
            RetryDecision d = rule(TestConfiguration.action("abort").reason("permission denied"))
                    .decide(failure("p:t")).orElseThrow();
            assertEquals(RetryDecision.abort("permission denied"), d);
        }

        @Test
        void actionNamesIgnoreCaseAndSurroundingSpace() {
            assertEquals(RetryRule.Action.GIVE_UP, rule(TestConfiguration.action(" Give-Up ")).action());
            assertEquals(RetryRule.Action.ABORT, rule(TestConfiguration.action("ABORT")).action());
        }

        @Test
        void aRuleThatDoesNotMatchHasNoOpinion() {
            RetryRule r = rule(TestConfiguration.action("abort").task("other:*"));
            assertEquals(Optional.empty(), r.decide(failure("p:t")));
        }

        @Test
        void theDefaultReasonDescribesTheRule() {
            assertEquals("retry rule test matched every failure", rule(TestConfiguration.retry()).reason());
            assertEquals("retry rule test matched task p:*, status FAILED or TIMED_OUT, exception java.io.IOException "
                    + "or java.net.ConnectException, message /(?i)rate limit/",
                    rule(TestConfiguration.action("abort").task("p:*").status("TIMED_OUT", "FAILED")
                            .exception("java.io.IOException", "java.net.ConnectException")
                            .message("(?i)rate limit")).reason());
            assertEquals("retry rule test matched every failure", rule(TestConfiguration.retry().reason("   "))
                    .reason(), "a blank reason is no reason");
            assertEquals("trimmed", rule(TestConfiguration.retry().reason("  trimmed ")).reason());
        }

        @Test
        void theRankingIsKept() {
            assertEquals(0, rule(TestConfiguration.retry()).ranking());
            assertEquals(-5, rule(TestConfiguration.retry().ranking(-5)).ranking());
        }

        @Test
        void toStringListsTheSettingsForTheLog() {
            assertEquals("task=p:*, exception=java.io.IOException, message=busy, status=FAILED, action=retry, "
                    + "delay=PT1S, backoff=2.0, max.delay=PT10S, reason=r, ranking=3",
                    rule(TestConfiguration.retry().task("p:*").exception("java.io.IOException").message("busy")
                            .status("FAILED").delay("PT1S").backoff(2).maxDelay("PT10S").reason("r").ranking(3))
                            .toString());
            assertEquals("task=*, action=abort, reason=r, ranking=0",
                    rule(TestConfiguration.action("abort").reason("r")).toString());
        }
    }

    @Nested
    class Backoff {

        private Duration delayAfter(TestConfiguration cfg, int attempt) {
            RetryDecision d = rule(cfg).decide(failure("p:t", attempt, RunStatus.FAILED, "x", null)).orElseThrow();
            return ((RetryDecision.Retry) d).delay();
        }

        @Test
        void withoutBackoffTheDelayIsConstant() {
            TestConfiguration cfg = TestConfiguration.retry().delay("PT30S");
            for (int attempt = 1; attempt <= 5; attempt++) {
                assertEquals(Duration.ofSeconds(30), delayAfter(cfg, attempt));
            }
        }

        @Test
        void theDefaultDelayIsThirtySeconds() {
            assertEquals(Duration.ofSeconds(30), delayAfter(TestConfiguration.retry(), 1));
        }

        @Test
        void theDelayGrowsByTheFactorPerFailedAttempt() {
            TestConfiguration cfg = TestConfiguration.retry().delay("PT1S").backoff(2);
            assertEquals(Duration.ofSeconds(1), delayAfter(cfg, 1), "after the first attempt: delay × 2^0");
            assertEquals(Duration.ofSeconds(2), delayAfter(cfg, 2));
            assertEquals(Duration.ofSeconds(4), delayAfter(cfg, 3));
            assertEquals(Duration.ofSeconds(8), delayAfter(cfg, 4));
        }

        @Test
        void fractionalFactorsAndSubSecondDelaysAreExactToTheNanosecond() {
            TestConfiguration cfg = TestConfiguration.retry().delay("PT0.2S").backoff(1.5);
            assertEquals(Duration.ofMillis(200), delayAfter(cfg, 1));
            assertEquals(Duration.ofMillis(300), delayAfter(cfg, 2));
            assertEquals(Duration.ofMillis(450), delayAfter(cfg, 3));
        }

        @Test
        void maxDelayCapsTheGrowth() {
            TestConfiguration cfg = TestConfiguration.retry().delay("PT1M").backoff(3).maxDelay("PT5M");
            assertEquals(Duration.ofMinutes(1), delayAfter(cfg, 1));
            assertEquals(Duration.ofMinutes(3), delayAfter(cfg, 2));
            assertEquals(Duration.ofMinutes(5), delayAfter(cfg, 3), "9 minutes, capped");
            assertEquals(Duration.ofMinutes(5), delayAfter(cfg, 1000), "no overflow however many attempts");
        }

        @Test
        void withoutMaxDelayTheGrowthStopsAtAYear() {
            TestConfiguration cfg = TestConfiguration.retry().delay("PT1H").backoff(100);
            assertEquals(Duration.ofHours(100), delayAfter(cfg, 2));
            assertEquals(RetryRule.LONGEST_DELAY, delayAfter(cfg, 5));
            assertEquals(RetryRule.LONGEST_DELAY, delayAfter(cfg, Integer.MAX_VALUE), "an infinite product");
        }

        @Test
        void maxDelayEqualToTheDelayIsAllowedAndAZeroDelayStaysZero() {
            TestConfiguration cfg = TestConfiguration.retry().delay("PT10S").backoff(2).maxDelay("PT10S");
            assertEquals(Duration.ofSeconds(10), delayAfter(cfg, 4));
            assertEquals(Duration.ZERO, delayAfter(TestConfiguration.retry().delay("PT0S").backoff(2), 3));
        }

        @Test
        void anAttemptBelowOneCountsAsTheFirst() {
            assertEquals(Duration.ofSeconds(1), rule(TestConfiguration.retry().delay("PT1S").backoff(2)).delayAfter(0));
        }
    }

    @Nested
    class Validation {

        @Test
        void task() {
            assertEquals(List.of("task: must not be blank; '*' matches every task"),
                    problems(TestConfiguration.retry().task("  ")));
            assertEquals(List.of("task: 'a:b c' contains white space, which no task id does"),
                    problems(TestConfiguration.retry().task("a:b c")));
            assertEquals(List.of("task: is missing"), problems(TestConfiguration.retry().task(null)));
        }

        @Test
        void exception() {
            assertEquals(List.of("exception: 'java.io.IO Exception' is not a fully qualified class name",
                            "exception: '1st.Exception' is not a fully qualified class name",
                            "exception: 'java..IOException' is not a fully qualified class name"),
                    problems(TestConfiguration.retry().exception("java.io.IO Exception", "1st.Exception",
                            "java.io.IOException", "java..IOException")));
        }

        @Test
        void message() {
            assertEquals(List.of("message: '(rate' is not a valid regular expression (Unclosed group near index 5)"),
                    problems(TestConfiguration.retry().message("(rate")));
        }

        @Test
        void status() {
            assertEquals(List.of("status: 'SKIPPED' is not one of FAILED, TIMED_OUT, ABANDONED",
                            "status: 'running' is not one of FAILED, TIMED_OUT, ABANDONED"),
                    problems(TestConfiguration.retry().status("SKIPPED", "FAILED", "running")));
        }

        @Test
        void action() {
            assertEquals(List.of("action: is missing; one of retry, give-up, abort"),
                    problems(TestConfiguration.action(null)));
            assertEquals(List.of("action: 'giveup' is not one of retry, give-up, abort"),
                    problems(TestConfiguration.action("giveup")));
        }

        @Test
        void delay() {
            assertEquals(List.of("delay: '30s' is not an ISO-8601 duration such as PT30S, PT5M or PT1H"),
                    problems(TestConfiguration.retry().delay("30s")));
            assertEquals(List.of("delay: -PT1S must not be negative"), problems(TestConfiguration.retry().delay("-PT1S")));
            assertEquals(List.of("delay: must not be blank; e.g. PT30S"), problems(TestConfiguration.retry().delay(" ")));
            assertEquals(List.of("delay: P366D is longer than 365 days"),
                    problems(TestConfiguration.retry().delay("P366D")));
            assertEquals(RetryRule.LONGEST_DELAY, rule(TestConfiguration.retry().delay("P365D")).delayAfter(1));
        }

        @Test
        void delayIsCheckedWhateverTheAction() {
            assertEquals(List.of("delay: 'soon' is not an ISO-8601 duration such as PT30S, PT5M or PT1H"),
                    problems(TestConfiguration.action("abort").delay("soon")));
        }

        @Test
        void backoff() {
            assertEquals(List.of("backoff: 0.5 is not in 1–100"), problems(TestConfiguration.retry().backoff(0.5)));
            assertEquals(List.of("backoff: 100.5 is not in 1–100"), problems(TestConfiguration.retry().backoff(100.5)));
            assertEquals(List.of("backoff: NaN is not in 1–100"),
                    problems(TestConfiguration.retry().backoff(Double.NaN)));
            rule(TestConfiguration.retry().backoff(1));
            rule(TestConfiguration.retry().backoff(100));
        }

        @Test
        void maxDelay() {
            assertEquals(List.of("max.delay: 'PT5' is not an ISO-8601 duration such as PT30S, PT5M or PT1H"),
                    problems(TestConfiguration.retry().maxDelay("PT5")));
            assertEquals(List.of("max.delay: PT10S is shorter than delay PT30S"),
                    problems(TestConfiguration.retry().maxDelay("PT10S")));
            assertEquals(List.of("max.delay: -PT1M must not be negative"),
                    problems(TestConfiguration.retry().maxDelay("-PT1M")));
            assertEquals(List.of("max.delay: P1000D is longer than 365 days"),
                    problems(TestConfiguration.retry().maxDelay("P1000D")));
            rule(TestConfiguration.retry().maxDelay("  ")); // blank: no cap of its own
        }

        @Test
        void aValueThatCannotBeConvertedIsAProblemNotACrash() {
            assertEquals(List.of("ranking: cannot be read (cannot convert 'ten')"),
                    problems(TestConfiguration.retry().unreadable("ranking")));
            assertEquals(List.of("backoff: cannot be read (cannot convert 'ten')"),
                    problems(TestConfiguration.retry().unreadable("backoff")));
            assertEquals(List.of("exception: cannot be read (cannot convert 'ten')"),
                    problems(TestConfiguration.retry().unreadable("exception")));
        }

        @Test
        void everyProblemIsReportedAtOnceInTheOrderOfTheFields() {
            InvalidRuleException e = assertThrows(InvalidRuleException.class, () -> RetryRule.from("test",
                    TestConfiguration.action("later").task("").status("DONE").delay("x").backoff(0)));
            assertEquals(List.of("task: must not be blank; '*' matches every task",
                    "status: 'DONE' is not one of FAILED, TIMED_OUT, ABANDONED",
                    "action: 'later' is not one of retry, give-up, abort",
                    "delay: 'x' is not an ISO-8601 duration such as PT30S, PT5M or PT1H",
                    "backoff: 0.0 is not in 1–100"), e.problems());
            assertEquals(String.join("; ", e.problems()), e.getMessage());
        }
    }
}
