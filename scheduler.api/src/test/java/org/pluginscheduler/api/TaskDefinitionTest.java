package org.pluginscheduler.api;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class TaskDefinitionTest {

    private static final String ID_RULE = "must match [A-Za-z0-9][A-Za-z0-9._-]{0,99}";

    private static TaskDefinition.Builder valid() {
        return TaskDefinition.builder("nightly").schedule("cron:0 3 * * *");
    }

    private static TaskDefinition full() {
        return TaskDefinition.builder("nightly")
                .name("Nightly cleanup")
                .description("Deletes temporary files")
                .schedule("cron:0 3 * * * tz=Europe/Paris")
                .timeout(Duration.ofMinutes(10))
                .retry(RetryPolicy.exponential(3, Duration.ofSeconds(1), 2.0, Duration.ofMinutes(1), 0.2))
                .overlap(OverlapPolicy.QUEUE_ONE)
                .priority(Priority.BACKGROUND)
                .misfire(MisfirePolicy.catchUp(5))
                .lockKeys("db", "files")
                .group("housekeeping")
                .perTenant(true)
                .deadLetterEligible(true)
                .enabledByDefault(false)
                .config("dir", "/tmp")
                .config(Map.of("maxAge", "P7D"))
                .build();
    }

    @Test
    void defaults() {
        TaskDefinition d = valid().build();
        assertEquals("nightly", d.id());
        assertEquals("nightly", d.name());
        assertEquals("", d.description());
        assertEquals(Schedule.cron("0 3 * * *"), d.schedule());
        assertEquals("cron:0 3 * * *", d.scheduleText());
        assertEquals(Optional.empty(), d.timeout());
        assertSame(RetryPolicy.none(), d.retryPolicy());
        assertEquals(0, d.retryPolicy().maxRetries());
        assertEquals(OverlapPolicy.SKIP, d.overlapPolicy());
        assertEquals(Priority.NORMAL, d.priority());
        assertEquals(Optional.empty(), d.misfirePolicy());
        assertEquals(Set.of(), d.lockKeys());
        assertEquals(Optional.empty(), d.group());
        assertFalse(d.perTenant());
        assertFalse(d.deadLetterEligible());
        assertTrue(d.enabledByDefault());
        assertEquals(Map.of(), d.config());
        assertEquals(List.of(), d.problems());
        assertSame(d, d.validate());
        assertEquals("TaskDefinition[nightly cron:0 3 * * *]", d.toString());
    }

    @Test
    void everySetterIsKept() {
        TaskDefinition d = full();
        assertEquals("Nightly cleanup", d.name());
        assertEquals("Deletes temporary files", d.description());
        assertEquals(Schedule.cron("0 3 * * *").withZone(java.time.ZoneId.of("Europe/Paris")), d.schedule());
        assertEquals(Optional.of(Duration.ofMinutes(10)), d.timeout());
        assertEquals(RetryPolicy.exponential(3, Duration.ofSeconds(1), 2.0, Duration.ofMinutes(1), 0.2), d.retryPolicy());
        assertEquals(OverlapPolicy.QUEUE_ONE, d.overlapPolicy());
        assertEquals(Priority.BACKGROUND, d.priority());
        assertEquals(Optional.of(MisfirePolicy.catchUp(5)), d.misfirePolicy());
        assertEquals(List.of("db", "files"), List.copyOf(d.lockKeys()));
        assertEquals(Optional.of("housekeeping"), d.group());
        assertTrue(d.perTenant());
        assertTrue(d.deadLetterEligible());
        assertFalse(d.enabledByDefault());
        assertEquals(Map.of("dir", "/tmp", "maxAge", "P7D"), d.config());
        assertEquals(List.of(), d.problems());
    }

    @Test
    void collectionsAreImmutableCopies() {
        TaskDefinition.Builder b = valid().lockKeys("a").config("k", "v");
        TaskDefinition d = b.build();
        b.lockKeys("b").config("k2", "v2");
        assertEquals(Set.of("a"), d.lockKeys());
        assertEquals(Map.of("k", "v"), d.config());
        assertThrows(UnsupportedOperationException.class, () -> d.lockKeys().add("x"));
        assertThrows(UnsupportedOperationException.class, () -> d.config().put("x", "y"));
    }

    @Test
    void scheduleObjectAndEquivalentTextGiveEqualDefinitions() {
        TaskDefinition fromText = TaskDefinition.builder("t").schedule("  cron:@daily   tz=UTC").build();
        TaskDefinition fromObject = TaskDefinition.builder("t")
                .schedule(Schedule.cron("0 0 * * *").withZone(java.time.ZoneId.of("UTC"))).build();
        assertEquals("cron:0 0 * * * tz=UTC", fromText.scheduleText());
        assertEquals(fromObject, fromText);
        assertEquals(fromObject.hashCode(), fromText.hashCode());
    }

    @Test
    void aLaterScheduleReplacesAnEarlierBadOne() {
        TaskDefinition d = TaskDefinition.builder("t").schedule("cron:61 * * * *").schedule("every:PT5M").build();
        assertEquals(List.of(), d.problems());
        assertEquals(Schedule.every(Duration.ofMinutes(5)), d.schedule());
        TaskDefinition e = TaskDefinition.builder("t").schedule("cron:61 * * * *").schedule(Schedule.cron("0 3 * * *"))
                .build();
        assertEquals(List.of(), e.problems());
        TaskDefinition f = TaskDefinition.builder("t").schedule("every:PT5M").schedule("every:PT0S").build();
        assertEquals(List.of("schedule: every: PT0S must be positive (at least PT0.001S)"), f.problems());
        assertEquals("every:PT0S", f.scheduleText());
    }

    @Test
    void missingSchedule() {
        TaskDefinition d = TaskDefinition.builder("t").build();
        assertEquals(List.of("schedule: is required"), d.problems());
        assertEquals("", d.scheduleText());
        IllegalStateException e = assertThrows(IllegalStateException.class, d::schedule);
        assertEquals("task 't' has no schedule", e.getMessage());
    }

    @ParameterizedTest(name = "[{index}] {0}")
    @CsvSource(delimiter = '|', quoteCharacter = '"', textBlock = """
            cron:61 * * * *                  | schedule: minute: 61 is not in 0–59            | minute
            cron:0 0 30 2 *                  | schedule: day-of-month: '30' never occurs in month(s) '2' | day-of-month
            every:PT0S                       | schedule: every: PT0S must be positive (at least PT0.001S) | every
            at:2026-12-01T10:00              | schedule: at: '2026-12-01T10:00' has no offset: add one (2026-12-01T10:00:00Z) or a zone (tz=Europe/Paris) | at
            rrule:FREQ=DAILY;COUNT=3         | schedule: start: is required with COUNT (without start=, a rule starts at 2001-01-01T00:00, so its count would long be spent) | start
            cron:0 3 * * * tz=Mars/Olympus   | schedule: tz: unknown time zone 'Mars/Olympus' | tz
            sometimes                        | schedule: schedule: 'sometimes' does not start with a kind (cron:, every:, at: or rrule:) and is not on-demand | schedule
            """)
    void badScheduleTextIsAProblemNotAnException(String text, String problem, String field) {
        TaskDefinition d = assertDoesNotThrow(() -> TaskDefinition.builder("t").schedule(text).build());
        assertEquals(List.of(problem), d.problems());
        assertTrue(d.problems().get(0).startsWith("schedule: "));
        assertEquals(text, d.scheduleText(), "the text is kept as given");
        ScheduleParseException e = assertThrows(ScheduleParseException.class, d::schedule);
        assertEquals(field, e.field());
        assertEquals(problem, "schedule: " + e.getMessage());
    }

    @ParameterizedTest(name = "[{index}] {0}")
    @CsvSource(delimiter = '|', quoteCharacter = '"', textBlock = """
            ""          | id: '' must match [A-Za-z0-9][A-Za-z0-9._-]{0,99}
            bad id      | id: 'bad id' must match [A-Za-z0-9][A-Za-z0-9._-]{0,99}
            -lead       | id: '-lead' must match [A-Za-z0-9][A-Za-z0-9._-]{0,99}
            a:b         | id: 'a:b' must match [A-Za-z0-9][A-Za-z0-9._-]{0,99}
            a@b         | id: 'a@b' must match [A-Za-z0-9][A-Za-z0-9._-]{0,99}
            """)
    void badId(String id, String problem) {
        TaskDefinition d = TaskDefinition.builder(id).name("n").schedule("every:PT5M").build();
        assertEquals(List.of(problem), d.problems());
    }

    @Test
    void nullIdIsAProblemNotAnException() {
        TaskDefinition d = assertDoesNotThrow(() -> TaskDefinition.builder(null).schedule("every:PT5M").build());
        assertEquals(List.of("id: 'null' " + ID_RULE), assertDoesNotThrow(d::problems));
        InvalidTaskDefinitionException e = assertThrows(InvalidTaskDefinitionException.class, d::validate);
        assertEquals("task 'null': id: 'null' " + ID_RULE, e.getMessage());
        assertEquals(d, assertDoesNotThrow(() -> d.toBuilder().build()));
    }

    @Test
    void overlongIdIsAProblem() {
        String id = "x".repeat(101);
        TaskDefinition d = TaskDefinition.builder(id).name("n").schedule("every:PT5M").build();
        assertEquals(List.of("id: '" + id + "' " + ID_RULE), d.problems());
    }

    @Test
    void name() {
        assertEquals(List.of("name: must be 1–200 characters"), valid().name("").build().problems());
        assertEquals(List.of("name: must be 1–200 characters"), valid().name("  ").build().problems());
        assertEquals(List.of("name: must be 1–200 characters"), valid().name("n".repeat(201)).build().problems());
        assertEquals(List.of(), valid().name("n".repeat(200)).build().problems());
    }

    @Test
    void defaultNameIsTheId() {
        assertEquals("some-task", TaskDefinition.builder("some-task").build().name());
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', textBlock = """
            PT0S   | timeout: PT0S must be positive
            -PT1S  | timeout: PT-1S must be positive
            -PT10M | timeout: PT-10M must be positive
            """)
    void nonPositiveTimeout(String timeout, String problem) {
        assertEquals(List.of(problem), valid().timeout(Duration.parse(timeout)).build().problems());
    }

    @Test
    void positiveTimeoutIsFine() {
        assertEquals(List.of(), valid().timeout(Duration.ofNanos(1)).build().problems());
    }

    @Test
    void badLockKeys() {
        TaskDefinition d = valid().lockKeys("db", "bad key", "", "ok.key").build();
        assertEquals(List.of("lockKeys: 'bad key' " + ID_RULE, "lockKeys: '' " + ID_RULE), d.problems());
    }

    @Test
    void badGroup() {
        assertEquals(List.of("group: 'my group' " + ID_RULE), valid().group("my group").build().problems());
        assertEquals(List.of("group: '' " + ID_RULE), valid().group("").build().problems());
        assertEquals(List.of(), valid().group("my-group").build().problems());
    }

    @Test
    void blankConfigKey() {
        assertEquals(List.of("config: keys must not be blank"), valid().config(" ", "v").build().problems());
        assertEquals(List.of(), valid().config("k", "").build().problems());
    }

    @Test
    void buildNeverThrowsAndProblemsListsEverythingInFieldOrder() {
        TaskDefinition d = assertDoesNotThrow(() -> TaskDefinition.builder("bad id")
                .name("")
                .schedule("cron:0 24 * * *")
                .timeout(Duration.ZERO)
                .lockKeys("bad key")
                .group("bad group")
                .config("", "v")
                .build());
        List<String> expected = List.of(
                "id: 'bad id' " + ID_RULE,
                "name: must be 1–200 characters",
                "schedule: hour: 24 is not in 0–23",
                "timeout: PT0S must be positive",
                "lockKeys: 'bad key' " + ID_RULE,
                "group: 'bad group' " + ID_RULE,
                "config: keys must not be blank");
        assertEquals(expected, d.problems());

        InvalidTaskDefinitionException e = assertThrows(InvalidTaskDefinitionException.class, d::validate);
        assertEquals(expected, e.problems());
        assertEquals("task 'bad id': " + String.join("; ", expected), e.getMessage());
    }

    @Test
    void validateMessageMatchesTheDocumentedExample() {
        InvalidTaskDefinitionException e = assertThrows(InvalidTaskDefinitionException.class,
                () -> TaskDefinition.builder("nightly").schedule("cron:61 * * * *").build().validate());
        assertEquals("task 'nightly': schedule: minute: 61 is not in 0–59", e.getMessage());
        assertEquals(List.of("schedule: minute: 61 is not in 0–59"), e.problems());
    }

    @Test
    void exceptionProblemsAreACopy() {
        List<String> problems = new java.util.ArrayList<>(List.of("a: b"));
        InvalidTaskDefinitionException e = new InvalidTaskDefinitionException("t", problems);
        problems.add("c: d");
        assertEquals(List.of("a: b"), e.problems());
        assertThrows(UnsupportedOperationException.class, () -> e.problems().add("x"));
    }

    @Test
    void toBuilderRoundTrip() {
        TaskDefinition d = full();
        TaskDefinition copy = d.toBuilder().build();
        assertEquals(d, copy);
        assertEquals(d.hashCode(), copy.hashCode());
        assertEquals(d.name(), copy.name());
        assertEquals(d.schedule(), copy.schedule());
        assertEquals(List.copyOf(d.lockKeys()), List.copyOf(copy.lockKeys()));
        assertEquals(d.group(), copy.group());
        assertEquals(d.timeout(), copy.timeout());
        assertEquals(new LinkedHashMap<>(d.config()), new LinkedHashMap<>(copy.config()));

        TaskDefinition minimal = valid().build();
        assertEquals(minimal, minimal.toBuilder().build());
    }

    @Test
    void toBuilderKeepsABadScheduleAndItsProblem() {
        TaskDefinition d = TaskDefinition.builder("t").schedule("cron:61 * * * *").build();
        TaskDefinition copy = d.toBuilder().build();
        assertEquals(d, copy);
        assertEquals(List.of("schedule: minute: 61 is not in 0–59"), copy.problems());
        assertEquals("cron:61 * * * *", copy.scheduleText());
    }

    @Test
    void toBuilderCanChangeOneField() {
        TaskDefinition d = full();
        TaskDefinition changed = d.toBuilder().priority(Priority.REALTIME).build();
        assertNotEquals(d, changed);
        assertEquals(Priority.REALTIME, changed.priority());
        assertEquals(d, changed.toBuilder().priority(Priority.BACKGROUND).build());
    }

    @Test
    void equalityCoversEveryField() {
        TaskDefinition d = full();
        assertNotEquals(d, d.toBuilder().name("other").build());
        assertNotEquals(d, d.toBuilder().description("other").build());
        assertNotEquals(d, d.toBuilder().schedule("cron:0 4 * * *").build());
        assertNotEquals(d, d.toBuilder().timeout(Duration.ofMinutes(11)).build());
        assertNotEquals(d, d.toBuilder().retry(RetryPolicy.none()).build());
        assertNotEquals(d, d.toBuilder().overlap(OverlapPolicy.ALLOW).build());
        assertNotEquals(d, d.toBuilder().misfire(MisfirePolicy.skip()).build());
        assertNotEquals(d, d.toBuilder().lockKeys("more").build());
        assertNotEquals(d, d.toBuilder().group("other").build());
        assertNotEquals(d, d.toBuilder().perTenant(false).build());
        assertNotEquals(d, d.toBuilder().deadLetterEligible(false).build());
        assertNotEquals(d, d.toBuilder().enabledByDefault(true).build());
        assertNotEquals(d, d.toBuilder().config("dir", "/var/tmp").build());
        assertNotEquals(d, TaskDefinition.builder("other").build());
        assertNotEquals(d, "nightly");
    }

    @Test
    void builderRejectsNulls() {
        TaskDefinition.Builder b = TaskDefinition.builder("t");
        assertThrows(NullPointerException.class, () -> b.name(null));
        assertThrows(NullPointerException.class, () -> b.description(null));
        assertThrows(NullPointerException.class, () -> b.schedule((String) null));
        assertThrows(NullPointerException.class, () -> b.schedule((Schedule) null));
        assertThrows(NullPointerException.class, () -> b.timeout(null));
        assertThrows(NullPointerException.class, () -> b.retry(null));
        assertThrows(NullPointerException.class, () -> b.overlap(null));
        assertThrows(NullPointerException.class, () -> b.priority(null));
        assertThrows(NullPointerException.class, () -> b.misfire(null));
        assertThrows(NullPointerException.class, () -> b.lockKeys((String) null));
        assertThrows(NullPointerException.class, () -> b.group(null));
        assertThrows(NullPointerException.class, () -> b.config(null, "v"));
        assertThrows(NullPointerException.class, () -> b.config("k", null));
    }
}
