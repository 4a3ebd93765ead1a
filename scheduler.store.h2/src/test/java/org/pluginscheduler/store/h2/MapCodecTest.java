package org.pluginscheduler.store.h2;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Random;
import java.util.Set;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class MapCodecTest {

    @Test
    void emptyMapIsEmptyText() {
        assertEquals("", MapCodec.encode(Map.of()));
        assertEquals(Map.of(), MapCodec.decode(""));
        assertEquals(Map.of(), MapCodec.decode(null));
    }

    @Test
    void oneEmptyKeyAndValueDiffersFromTheEmptyMap() {
        assertEquals("=", MapCodec.encode(Map.of("", "")));
        assertEquals(Map.of("", ""), MapCodec.decode("="));
    }

    @Test
    void readableAndSortedByKey() {
        Map<String, String> map = new LinkedHashMap<>();
        map.put("rows", "42");
        map.put("file", "/tmp/x");
        assertEquals("file=/tmp/x\nrows=42", MapCodec.encode(map));
    }

    @Test
    void equalMapsEncodeEquallyWhateverTheirOrder() {
        Map<String, String> a = new LinkedHashMap<>();
        a.put("b", "2");
        a.put("a", "1");
        a.put("c", "3");
        Map<String, String> b = new HashMap<>(Map.of("c", "3", "a", "1", "b", "2"));
        assertEquals(MapCodec.encode(a), MapCodec.encode(b));
    }

    @Test
    void structuralCharactersAreEscaped() {
        Map<String, String> map = Map.of("k=ey\\", "line1\nline2\r\n=\\n");
        String text = MapCodec.encode(map);
        assertEquals("k\\=ey\\\\=line1\\nline2\\r\\n\\=\\\\n", text);
        assertEquals(map, MapCodec.decode(text));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", " ", "=", "==", "\\", "\\\\n", "\n", "\r\n", "\t tab", "ünïcødé", "日本語",
            "emoji \uD83D\uDE00 pair", "nul \u0000 char", "a=b\nc=d", "trailing\\", "=leading", "\u2028\u2029"})
    void specialValuesAndKeysRoundTrip(String s) {
        Map<String, String> map = Map.of(s, s, "other", s + s);
        assertEquals(map, MapCodec.decode(MapCodec.encode(map)));
    }

    @Test
    void randomMapsRoundTrip() {
        Random random = new Random(4247);
        String alphabet = "ab=\\\n\r \u0000é\uD83D\uDE00";
        for (int round = 0; round < 2_000; round++) {
            Map<String, String> map = new HashMap<>();
            int entries = random.nextInt(5);
            for (int i = 0; i < entries; i++) {
                map.put(randomText(random, alphabet), randomText(random, alphabet));
            }
            String text = MapCodec.encode(map);
            assertEquals(map, MapCodec.decode(text), () -> "text: " + text);
        }
    }

    @Test
    void decodedMapsAreUnmodifiable() {
        Map<String, String> map = MapCodec.decode("a=1");
        assertThrows(UnsupportedOperationException.class, () -> map.put("b", "2"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"no-equals", "a=1\nb", "a=b=c", "a=1\\", "a=\\x", "a=1\na=2", "a=1\n"})
    void malformedTextIsRejectedSayingWhy(String text) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> MapCodec.decode(text));
        assertTrue(!e.getMessage().isBlank());
    }

    // --- sets (lock keys) ---------------------------------------------------------------------------------------

    @Test
    void theEmptySetAndTheSetOfTheEmptyStringDiffer() {
        assertEquals("", MapCodec.encodeSet(Set.of()));
        assertEquals(Set.of(), MapCodec.decodeSet(""));
        assertEquals(Set.of(), MapCodec.decodeSet(null));
        assertEquals("\n", MapCodec.encodeSet(Set.of("")));
        assertEquals(Set.of(""), MapCodec.decodeSet("\n"));
    }

    @Test
    void aSetIsOneElementALineSortedAndEscaped() {
        Set<String> set = new LinkedHashSet<>(java.util.List.of("db:orders", "a\nb", "two\nlines", "cr\r", "x=y"));
        assertEquals("a\\nb\ncr\\r\ndb:orders\ntwo\\nlines\nx=y\n", MapCodec.encodeSet(set));
        assertEquals(set, MapCodec.decodeSet(MapCodec.encodeSet(set)));
        assertEquals(MapCodec.encodeSet(set), MapCodec.encodeSet(new HashSet<>(set)), "whatever the order");
    }

    @ParameterizedTest
    @ValueSource(strings = {"", " ", "=", "\\", "\\n", "\n", "\r\n", "\n\n", "ünïcødé", "emoji \uD83D\uDE00 pair",
            "nul \u0000 char", "trailing\\", "\u2028\u2029"})
    void specialElementsRoundTrip(String s) {
        Set<String> set = Set.of(s, s + "|" + s, "lock");
        assertEquals(set, MapCodec.decodeSet(MapCodec.encodeSet(set)));
    }

    @Test
    void randomSetsRoundTrip() {
        Random random = new Random(2024);
        String alphabet = "ab=\\\n\r \u0000é\uD83D\uDE00";
        for (int round = 0; round < 2_000; round++) {
            Set<String> set = new HashSet<>();
            int elements = random.nextInt(5);
            for (int i = 0; i < elements; i++) {
                set.add(randomText(random, alphabet));
            }
            String text = MapCodec.encodeSet(set);
            assertEquals(set, MapCodec.decodeSet(text), () -> "text: " + text);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"no-line-break", "a\nb", "a\\\n", "a\\x\n", "a\na\n", "a\\"})
    void malformedSetTextIsRejectedSayingWhy(String text) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> MapCodec.decodeSet(text));
        assertTrue(!e.getMessage().isBlank());
    }

    private static String randomText(Random random, String alphabet) {
        StringBuilder s = new StringBuilder();
        int length = random.nextInt(6);
        for (int i = 0; i < length; i++) {
            int at = random.nextInt(alphabet.length());
            char c = alphabet.charAt(at);
            if (Character.isHighSurrogate(c)) {
                s.append(c).append(alphabet.charAt(at + 1));
            } else if (!Character.isLowSurrogate(c)) {
                s.append(c);
            }
        }
        return s.toString();
    }
}
