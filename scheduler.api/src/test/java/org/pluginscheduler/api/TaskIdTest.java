package org.pluginscheduler.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class TaskIdTest {

    private static final String ID_RULE = "must match [A-Za-z0-9][A-Za-z0-9._-]{0,99}";

    @ParameterizedTest(name = "[{index}] {0}")
    @CsvSource(delimiter = '|', quoteCharacter = '"', textBlock = """
            com.example.cleanup:nightly            | com.example.cleanup | nightly  | ""
            config:purge-temp                      | config              | purge-temp | ""
            com.example:report_2.v1@acme           | com.example         | report_2.v1 | acme
            b:0@t-1.x_y                            | b                   | 0        | t-1.x_y
            org.acme.bundle-name_1:A               | org.acme.bundle-name_1 | A     | ""
            """)
    void parsesAndFormats(String text, String owner, String id, String tenant) {
        TaskId parsed = TaskId.parse(text);
        assertEquals(owner, parsed.owner());
        assertEquals(id, parsed.id());
        assertEquals(tenant.isEmpty() ? Optional.empty() : Optional.of(tenant), parsed.tenant());
        assertEquals(text, parsed.toString());
        assertEquals(parsed, TaskId.parse(parsed.toString()));
    }

    @Test
    void factoriesAndTenantInstances() {
        TaskId plain = TaskId.of("com.example", "nightly");
        assertEquals(new TaskId("com.example", "nightly", Optional.empty()), plain);
        assertEquals("com.example:nightly", plain.toString());
        TaskId acme = plain.forTenant("acme");
        assertEquals(Optional.of("acme"), acme.tenant());
        assertEquals("com.example:nightly@acme", acme.toString());
        assertNotEquals(plain, acme);
        assertEquals(TaskId.parse("com.example:nightly@acme"), acme);
        assertEquals(Optional.of("globex"), acme.forTenant("globex").tenant());
    }

    @Test
    void idPatternAcceptsAtMostOneHundredCharacters() {
        String hundred = "a".repeat(100);
        assertEquals(hundred, TaskId.of("o", hundred).id());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> TaskId.of("o", hundred + "a"));
        assertEquals("id: '" + hundred + "a' " + ID_RULE, e.getMessage());
        assertTrue(TaskId.ID_PATTERN.matcher("A.b_c-9").matches());
    }

    @ParameterizedTest(name = "[{index}] {0}")
    @CsvSource(delimiter = '|', quoteCharacter = '"', textBlock = """
            nightly                   | task id: 'nightly' is not of the form <owner>:<task-id>
            :nightly                  | task id: ':nightly' is not of the form <owner>:<task-id>
            com.example:              | task id: 'com.example:' is not of the form <owner>:<task-id>
            ""                        | task id: '' is not of the form <owner>:<task-id>
            com example:nightly       | owner: 'com example' must be non-blank without ':', '@' or spaces
            a@b:nightly               | owner: 'a@b' must be non-blank without ':', '@' or spaces
            com.example:night ly      | id: 'night ly' must match [A-Za-z0-9][A-Za-z0-9._-]{0,99}
            com.example:a:b           | id: 'a:b' must match [A-Za-z0-9][A-Za-z0-9._-]{0,99}
            com.example:-nightly      | id: '-nightly' must match [A-Za-z0-9][A-Za-z0-9._-]{0,99}
            com.example:.hidden       | id: '.hidden' must match [A-Za-z0-9][A-Za-z0-9._-]{0,99}
            com.example:@acme         | id: '' must match [A-Za-z0-9][A-Za-z0-9._-]{0,99}
            com.example:nightly@      | tenant: '' must match [A-Za-z0-9][A-Za-z0-9._-]{0,99}
            com.example:nightly@ac me | tenant: 'ac me' must match [A-Za-z0-9][A-Za-z0-9._-]{0,99}
            com.example:nightly@a@b   | tenant: 'a@b' must match [A-Za-z0-9][A-Za-z0-9._-]{0,99}
            """)
    void parseRejectsMalformedIdsNamingThePart(String text, String message) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> TaskId.parse(text));
        assertEquals(message, e.getMessage());
    }

    @ParameterizedTest
    @ValueSource(strings = {"", " ", "a b", "a:b", "a@b", "a\tb"})
    void constructorRejectsBadOwners(String owner) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> TaskId.of(owner, "x"));
        assertEquals("owner: '" + owner + "' must be non-blank without ':', '@' or spaces", e.getMessage());
    }

    @Test
    void forTenantValidatesTheTenant() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> TaskId.of("o", "x").forTenant("_acme"));
        assertEquals("tenant: '_acme' " + ID_RULE, e.getMessage());
    }

    @Test
    void nullsAreRejected() {
        assertThrows(NullPointerException.class, () -> TaskId.parse(null));
        assertThrows(NullPointerException.class, () -> TaskId.of(null, "x"));
        assertThrows(NullPointerException.class, () -> TaskId.of("o", null));
        assertThrows(NullPointerException.class, () -> new TaskId("o", "x", null));
    }

    @Test
    void ordersByQualifiedText() {
        List<TaskId> ids = new ArrayList<>(List.of(TaskId.parse("b:a"), TaskId.parse("a:b@t"), TaskId.parse("a:b"),
                TaskId.parse("a:a")));
        ids.sort(null);
        assertEquals(List.of(TaskId.parse("a:a"), TaskId.parse("a:b"), TaskId.parse("a:b@t"), TaskId.parse("b:a")), ids);
        assertEquals(0, TaskId.parse("a:b@t").compareTo(TaskId.of("a", "b").forTenant("t")));
    }

    @Test
    void comparesExactlyAsTheQualifiedTextsDo() {
        java.util.Random random = new java.util.Random(15);
        java.util.List<TaskId> ids = new java.util.ArrayList<>();
        for (int i = 0; i < 3000; i++) {
            String owner = word(random, "ab.-_0", 1 + random.nextInt(3));
            String id = word(random, "ab.-_0", 1 + random.nextInt(3)).replaceAll("^[.\\-_]", "a");
            java.util.Optional<String> tenant = random.nextInt(3) == 0 ? java.util.Optional.empty()
                    : java.util.Optional.of(word(random, "ab0", 1 + random.nextInt(2)));
            ids.add(new TaskId(owner, id, tenant));
        }
        for (int i = 0; i < 20_000; i++) {
            TaskId a = ids.get(random.nextInt(ids.size()));
            TaskId b = ids.get(random.nextInt(ids.size()));
            org.junit.jupiter.api.Assertions.assertEquals(Integer.signum(a.toString().compareTo(b.toString())),
                    Integer.signum(a.compareTo(b)), a + " vs " + b);
        }
    }

    private static String word(java.util.Random random, String letters, int length) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < length; i++) {
            b.append(letters.charAt(random.nextInt(letters.length())));
        }
        return b.toString();
    }
}
