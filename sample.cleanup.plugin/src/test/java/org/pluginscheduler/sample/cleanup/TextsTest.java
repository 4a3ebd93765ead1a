package org.pluginscheduler.sample.cleanup;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;

import org.junit.jupiter.api.Test;

class TextsTest {

    @Test
    void sizesUseDecimalUnitsWithOneDecimal() {
        assertEquals("0 B", Texts.bytes(0));
        assertEquals("999 B", Texts.bytes(999));
        assertEquals("1.0 kB", Texts.bytes(1000));
        assertEquals("1.2 MB", Texts.bytes(1_234_567));
        assertEquals("1.0 MB", Texts.bytes(999_999));
        assertEquals("9.2 EB", Texts.bytes(Long.MAX_VALUE));
    }

    @Test
    void agesShowTheTwoLargestUnits() {
        assertEquals("0 seconds", Texts.age(Duration.ZERO));
        assertEquals("1 minute 5 seconds", Texts.age(Duration.ofSeconds(65)));
        assertEquals("3 hours", Texts.age(Duration.ofHours(3)));
        assertEquals("1 day 1 hour", Texts.age(Duration.ofHours(25).plusMinutes(7)));
    }

    @Test
    void countsArePluralized() {
        assertEquals("1 file", Texts.count(1, "file"));
        assertEquals("0 files", Texts.count(0, "file"));
    }
}
