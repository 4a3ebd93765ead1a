package org.pluginscheduler.store.h2;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The text form of the string maps in run records, dead letters and pending runs ({@code data},
 * {@code arguments}), and of the string sets of pending runs ({@code lock_keys}).
 *
 * <p>One entry a line, {@code key=value}, keys in {@link String#compareTo} order so equal maps always encode to
 * equal text. A backslash escapes the four characters that carry structure: {@code \\}, {@code \n}, {@code \r},
 * {@code \=}. The empty map is the empty string; a map with one empty key and value is {@code "="}. Everything
 * else, surrogate pairs and {@code U+0000} included, is kept as is. The form stays readable in an SQL console,
 * which a binary or JSON-escaped form would not, and needs no library.
 *
 * <p>A set is one element a line, each line ended by {@code \n}, elements in {@link String#compareTo} order; a
 * backslash escapes {@code \\}, {@code \n} and {@code \r}. So the empty set is the empty string and the set of one
 * empty string is {@code "\n"}.
 */
final class MapCodec {

    private MapCodec() {
    }

    /** @return the text form of {@code map}; its entries must not be {@code null} */
    static String encode(Map<String, String> map) {
        if (map.isEmpty()) {
            return "";
        }
        StringBuilder out = new StringBuilder(32 * map.size());
        Map<String, String> sorted = map.size() == 1 ? map : new TreeMap<>(map);
        for (Map.Entry<String, String> e : sorted.entrySet()) {
            if (out.length() > 0) {
                out.append('\n');
            }
            escape(e.getKey(), out);
            out.append('=');
            escape(e.getValue(), out);
        }
        return out.toString();
    }

    /**
     * @return the unmodifiable map {@code text} encodes; {@code null} reads as the empty map
     * @throws IllegalArgumentException if {@code text} is not in the encoded form, saying where
     */
    static Map<String, String> decode(String text) {
        if (text == null || text.isEmpty()) {
            return Map.of();
        }
        Map<String, String> result = new LinkedHashMap<>();
        StringBuilder current = new StringBuilder();
        String key = null;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            switch (c) {
                case '\\' -> {
                    if (++i == text.length()) {
                        throw new IllegalArgumentException("dangling '\\' at the end of the map text");
                    }
                    current.append(unescape(text.charAt(i), i));
                }
                case '=' -> {
                    if (key != null) {
                        throw new IllegalArgumentException("unescaped '=' in a value at index " + i);
                    }
                    key = current.toString();
                    current.setLength(0);
                }
                case '\n' -> {
                    put(result, key, current, i);
                    key = null;
                }
                default -> current.append(c);
            }
        }
        put(result, key, current, text.length());
        return Collections.unmodifiableMap(result);
    }

    /** @return the text form of {@code set}; its elements must not be {@code null} */
    static String encodeSet(Set<String> set) {
        if (set.isEmpty()) {
            return "";
        }
        StringBuilder out = new StringBuilder(16 * set.size());
        for (String element : set.size() == 1 ? set : new TreeSet<>(set)) {
            for (int i = 0; i < element.length(); i++) {
                char c = element.charAt(i);
                switch (c) {
                    case '\\' -> out.append("\\\\");
                    case '\n' -> out.append("\\n");
                    case '\r' -> out.append("\\r");
                    default -> out.append(c);
                }
            }
            out.append('\n');
        }
        return out.toString();
    }

    /**
     * @return the unmodifiable set {@code text} encodes; {@code null} reads as the empty set
     * @throws IllegalArgumentException if {@code text} is not in the encoded form, saying where
     */
    static Set<String> decodeSet(String text) {
        if (text == null || text.isEmpty()) {
            return Set.of();
        }
        if (text.charAt(text.length() - 1) != '\n') {
            throw new IllegalArgumentException("the set text does not end with a line break");
        }
        Set<String> result = new LinkedHashSet<>();
        StringBuilder current = new StringBuilder();
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '\\') {
                if (++i == text.length()) {
                    throw new IllegalArgumentException("dangling '\\' at the end of the set text");
                }
                char escaped = text.charAt(i);
                current.append(switch (escaped) {
                    case '\\' -> '\\';
                    case 'n' -> '\n';
                    case 'r' -> '\r';
                    default -> throw new IllegalArgumentException("unknown escape '\\" + escaped + "' at index "
                            + (i - 1));
                });
            } else if (c == '\n') {
                if (!result.add(current.toString())) {
                    throw new IllegalArgumentException("element '" + current + "' appears twice");
                }
                current.setLength(0);
            } else {
                current.append(c);
            }
        }
        return Collections.unmodifiableSet(result);
    }

    private static void put(Map<String, String> result, String key, StringBuilder value, int index) {
        if (key == null) {
            throw new IllegalArgumentException("an entry without '=' ends at index " + index);
        }
        if (result.put(key, value.toString()) != null) {
            throw new IllegalArgumentException("key '" + key + "' appears twice");
        }
        value.setLength(0);
    }

    private static void escape(String s, StringBuilder out) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '=' -> out.append("\\=");
                default -> out.append(c);
            }
        }
    }

    private static char unescape(char c, int index) {
        return switch (c) {
            case '\\' -> '\\';
            case 'n' -> '\n';
            case 'r' -> '\r';
            case '=' -> '=';
            default -> throw new IllegalArgumentException("unknown escape '\\" + c + "' at index " + (index - 1));
        };
    }
}
