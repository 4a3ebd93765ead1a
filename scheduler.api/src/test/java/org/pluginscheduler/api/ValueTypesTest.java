package org.pluginscheduler.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** MisfirePolicy, TaskResult, RunRecord and RunStatus. */
class ValueTypesTest {

    @Nested
    class Misfire {
        @Test
        void factories() {
            assertEquals(new MisfirePolicy(MisfirePolicy.Kind.RUN_ONCE, 0), MisfirePolicy.runOnce());
            assertEquals(new MisfirePolicy(MisfirePolicy.Kind.SKIP, 0), MisfirePolicy.skip());
            assertEquals(new MisfirePolicy(MisfirePolicy.Kind.CATCH_UP, 7), MisfirePolicy.catchUp(7));
            assertEquals(1, MisfirePolicy.catchUp(1).maxCatchUp());
            assertEquals(10_000, MisfirePolicy.catchUp(10_000).maxCatchUp());
        }

        @ParameterizedTest
        @CsvSource(delimiter = '|', textBlock = """
                CATCH_UP | 0     | misfire: maxCatchUp 0 is not valid for CATCH_UP (CATCH_UP: 1–10000, others: 0)
                CATCH_UP | -1    | misfire: maxCatchUp -1 is not valid for CATCH_UP (CATCH_UP: 1–10000, others: 0)
                CATCH_UP | 10001 | misfire: maxCatchUp 10001 is not valid for CATCH_UP (CATCH_UP: 1–10000, others: 0)
                RUN_ONCE | 1     | misfire: maxCatchUp 1 is not valid for RUN_ONCE (CATCH_UP: 1–10000, others: 0)
                SKIP     | 5     | misfire: maxCatchUp 5 is not valid for SKIP (CATCH_UP: 1–10000, others: 0)
                SKIP     | -1    | misfire: maxCatchUp -1 is not valid for SKIP (CATCH_UP: 1–10000, others: 0)
                """)
        void invalidCombinationsAreRejected(MisfirePolicy.Kind kind, int max, String message) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new MisfirePolicy(kind, max));
            assertEquals(message, e.getMessage());
        }

        @Test
        void nullKindIsRejected() {
            assertThrows(NullPointerException.class, () -> new MisfirePolicy(null, 0));
        }
    }

    @Nested
    class Result {
        @Test
        void factories() {
            assertEquals(new TaskResult(true, "", Map.of()), TaskResult.success());
            assertEquals(new TaskResult(true, "ok", Map.of()), TaskResult.success("ok"));
            assertEquals(new TaskResult(true, "ok", Map.of("n", "1")), TaskResult.success("ok", Map.of("n", "1")));
            assertEquals(new TaskResult(false, "boom", Map.of()), TaskResult.failure("boom"));
            assertEquals(new TaskResult(false, "boom", Map.of("n", "1")), TaskResult.failure("boom", Map.of("n", "1")));
            assertFalse(TaskResult.failure("boom").successful());
        }

        @Test
        void withDataAddsAnEntryAndKeepsTheRest() {
            TaskResult base = TaskResult.success("done", Map.of("a", "1"));
            TaskResult more = base.withData("count", 42).withData("ratio", 0.5).withData("none", null);
            assertEquals(Map.of("a", "1"), base.data(), "the original is unchanged");
            assertEquals(List.of("a", "count", "ratio", "none"), List.copyOf(more.data().keySet()), "insertion order");
            assertEquals("42", more.data().get("count"));
            assertEquals("0.5", more.data().get("ratio"));
            assertEquals("null", more.data().get("none"));
            assertTrue(more.successful());
            assertEquals("done", more.message());
            assertEquals("2", more.withData("a", 2).data().get("a"), "an existing key is replaced");
            assertFalse(TaskResult.failure("x").withData("k", "v").successful());
        }

        @Test
        void withDataRejectsNullKey() {
            assertThrows(NullPointerException.class, () -> TaskResult.success().withData(null, "v"));
        }

        @Test
        void dataIsAnImmutableCopy() {
            Map<String, String> data = new HashMap<>(Map.of("a", "1"));
            TaskResult r = TaskResult.success("m", data);
            data.put("b", "2");
            assertEquals(Map.of("a", "1"), r.data());
            assertThrows(UnsupportedOperationException.class, () -> r.data().put("c", "3"));
        }

        @Test
        void nullDataKeysAndValuesAreRejectedWhereTheResultIsBuilt() {
            Map<String, String> nullValue = new HashMap<>();
            nullValue.put("file", null);
            NullPointerException v = assertThrows(NullPointerException.class, () -> TaskResult.success("m", nullValue));
            assertEquals("data: null value for 'file'", v.getMessage());
            Map<String, String> nullKey = new HashMap<>();
            nullKey.put(null, "x");
            NullPointerException k = assertThrows(NullPointerException.class, () -> TaskResult.failure("m", nullKey));
            assertEquals("data: null key", k.getMessage());
        }

        @Test
        void aResultsDataFitsARunRecord() {
            TaskResult r = TaskResult.success("ok").withData("n", 3).withData("missing", null);
            RunRecord running = new RunRecord("run-1", TaskId.of("o", "t"), RunTrigger.SCHEDULE, 1, RunStatus.RUNNING,
                    Instant.EPOCH, Optional.of(Instant.EPOCH), Optional.empty(), "", Map.of(), Map.of());
            RunRecord done = running.finish(RunStatus.SUCCEEDED, Instant.EPOCH, r.message(), r.data());
            assertEquals(Map.of("n", "3", "missing", "null"), done.data());
        }

        @Test
        void nullsAreRejected() {
            assertThrows(NullPointerException.class, () -> TaskResult.success(null));
            assertThrows(NullPointerException.class, () -> TaskResult.failure("m", null));
        }
    }

    @Nested
    class Record {
        private final TaskId task = TaskId.of("com.example", "nightly");
        private final Instant scheduled = Instant.parse("2026-01-05T09:00:00Z");
        private final Instant started = Instant.parse("2026-01-05T09:00:01.250Z");
        private final Instant ended = Instant.parse("2026-01-05T09:02:31.750Z");

        private RunRecord record(Optional<Instant> start, Optional<Instant> end) {
            return new RunRecord("run-1", task, RunTrigger.SCHEDULE, 1, RunStatus.RUNNING, scheduled, start, end, "",
                    Map.of(), Map.of("arg", "v"));
        }

        @Test
        void durationAndLagOfAFinishedRun() {
            RunRecord r = record(Optional.of(started), Optional.of(ended));
            assertEquals(Optional.of(Duration.ofMillis(150_500)), r.duration());
            assertEquals(Optional.of(Duration.ofMillis(1_250)), r.lag());
        }

        @Test
        void aRunningRunHasALagButNoDuration() {
            RunRecord r = record(Optional.of(started), Optional.empty());
            assertEquals(Optional.empty(), r.duration());
            assertEquals(Optional.of(Duration.ofMillis(1_250)), r.lag());
        }

        @Test
        void aSkippedFireHasNeither() {
            RunRecord r = record(Optional.empty(), Optional.empty());
            assertEquals(Optional.empty(), r.duration());
            assertEquals(Optional.empty(), r.lag());
        }

        @Test
        void anEarlyStartHasANegativeLag() {
            RunRecord r = record(Optional.of(scheduled.minusMillis(5)), Optional.empty());
            assertEquals(Optional.of(Duration.ofMillis(-5)), r.lag());
        }

        @Test
        void finishKeepsIdentityAndStartAndReplacesTheOutcome() {
            RunRecord running = record(Optional.of(started), Optional.empty());
            RunRecord done = running.finish(RunStatus.SUCCEEDED, ended, "ok", Map.of("n", "3"));
            assertEquals(new RunRecord("run-1", task, RunTrigger.SCHEDULE, 1, RunStatus.SUCCEEDED, scheduled,
                    Optional.of(started), Optional.of(ended), "ok", Map.of("n", "3"), Map.of("arg", "v")), done);
            assertEquals(Optional.of(Duration.ofMillis(150_500)), done.duration());
            assertEquals(RunStatus.RUNNING, running.status(), "the original is unchanged");
        }

        @Test
        void mapsAreImmutableCopies() {
            Map<String, String> data = new HashMap<>(Map.of("a", "1"));
            RunRecord r = new RunRecord("run-1", task, RunTrigger.MANUAL, 1, RunStatus.RUNNING, scheduled,
                    Optional.empty(), Optional.empty(), "", data, Map.of());
            data.put("b", "2");
            assertEquals(Map.of("a", "1"), r.data());
            assertThrows(UnsupportedOperationException.class, () -> r.arguments().put("x", "y"));
        }

        @Test
        void nullsAreRejected() {
            assertThrows(NullPointerException.class, () -> new RunRecord(null, task, RunTrigger.SCHEDULE, 1,
                    RunStatus.RUNNING, scheduled, Optional.empty(), Optional.empty(), "", Map.of(), Map.of()));
            assertThrows(NullPointerException.class, () -> new RunRecord("r", task, RunTrigger.SCHEDULE, 1,
                    RunStatus.RUNNING, scheduled, null, Optional.empty(), "", Map.of(), Map.of()));
            assertThrows(NullPointerException.class, () -> new RunRecord("r", task, RunTrigger.SCHEDULE, 1,
                    RunStatus.RUNNING, scheduled, Optional.empty(), Optional.empty(), null, Map.of(), Map.of()));
        }
    }

    @Test
    void onlyRunningIsNotFinal() {
        for (RunStatus s : RunStatus.values()) {
            assertEquals(s != RunStatus.RUNNING, s.isFinal(), s.name());
        }
    }
}
