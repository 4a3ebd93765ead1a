package org.pluginscheduler.internal.config;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.regex.Pattern;

/**
 * Reads one Config Admin configuration from its raw properties, in one place per component, so that every bad value
 * (wrong type, overflow, out of range, bad format) is reported with its field and the value as given, and unknown
 * keys are reported with the known key they most resemble.
 *
 * <p>Why raw properties: Declarative Services converts a typed annotation's values itself, and a value it cannot
 * convert ({@code worker.threads = abc}) throws from the annotation method, or silently becomes {@code false}
 * ({@code sync.to.disk = maybe}). Reading the map, a value arrives as whatever type Config Admin holds (an
 * {@code Integer}, {@code Long} or {@code Boolean} from a typed {@code .config} file or Config Admin, a
 * {@code String} from a {@code .cfg} file), and each reader accepts all of them.
 *
 * <p>Usage: read every field (a bad one adds a problem and returns the default), then {@link #check()}:
 * <pre>
 * ConfigReader r = new ConfigReader(properties, KEYS);
 * int port = r.integer("port", 8102, 1, 65535);
 * boolean enabled = r.bool("enabled", true);
 * r.check(); // throws IllegalArgumentException "port: 'abc' is not a whole number; enabled: 'maybe' is not true or false"
 * </pre>
 *
 * <p>This package is not exported by {@code scheduler.api}: each bundle that uses it embeds a private copy (bnd
 * {@code -conditionalpackage} in the reactor's {@code bnd.bnd}), so it is no API and every bundle can change
 * independently of the others.
 *
 * <p>Not thread-safe: one reader per configuration update.
 */
public final class ConfigReader {

    /** Prefixes of properties that the framework, Declarative Services, Config Admin or FileInstall add. */
    static final List<String> FRAMEWORK_PREFIXES = List.of("service.", "component.", "felix.", "osgi.");

    private static final Pattern INTEGER = Pattern.compile("[+-]?[0-9]+");

    private final Map<String, ?> properties;
    private final List<String> keys;
    private final List<String> prefixes = new ArrayList<>();
    private final List<String> problems = new ArrayList<>();

    /**
     * @param properties the raw properties, as Declarative Services passes them
     * @param keys       every key this configuration has (documented private keys such as {@code .password}
     *                   included), in the order they are described
     */
    public ConfigReader(Map<String, ?> properties, Collection<String> keys) {
        this.properties = properties == null ? Map.of() : properties;
        this.keys = List.copyOf(keys);
    }

    /** Declares a prefix under which any key is known, e.g. {@code config.} for a job's config map. */
    public ConfigReader knownPrefix(String prefix) {
        prefixes.add(prefix);
        return this;
    }

    /** @return the raw value of {@code key}, or null */
    public Object raw(String key) {
        return properties.get(key);
    }

    /** @return every key the configuration has, framework keys included */
    public java.util.Set<String> keys() {
        return properties.keySet();
    }

    /** @return whether the configuration sets {@code key} */
    public boolean has(String key) {
        return properties.get(key) != null;
    }

    /** Adds a problem with a field; {@code detail} says what is wrong, e.g. {@code "'x' is not a time zone"}. */
    public void problem(String key, String detail) {
        problems.add(key + ": " + detail);
    }

    /** @return the problems found so far, each {@code "field: detail"} */
    public List<String> problems() {
        return List.copyOf(problems);
    }

    /** @throws IllegalArgumentException naming every bad field and its value, separated by {@code "; "} */
    public void check() {
        if (!problems.isEmpty()) {
            throw new IllegalArgumentException(String.join("; ", problems));
        }
    }

    /**
     * Reads a text value. A number or boolean is taken as its text; an array or list of one element as that
     * element; more than one is a problem.
     *
     * @return the value as given (not trimmed), or {@code defaultValue} if absent or bad
     */
    public String string(String key, String defaultValue) {
        Object value = properties.get(key);
        if (value == null) {
            return defaultValue;
        }
        Object single = single(value);
        if (single == null) {
            problem(key, quoted(value) + " is not one value");
            return defaultValue;
        }
        return String.valueOf(single);
    }

    /**
     * Reads a list: an array or collection, each element one entry, or one string split at {@code separator}
     * (a regular expression). Blank entries are dropped, entries are trimmed.
     */
    public List<String> list(String key, String separator) {
        Object value = properties.get(key);
        List<String> result = new ArrayList<>();
        if (value == null) {
            return result;
        }
        List<Object> elements = new ArrayList<>();
        if (value instanceof Object[] array) {
            elements.addAll(Arrays.asList(array));
        } else if (value instanceof Collection<?> collection) {
            elements.addAll(collection);
        } else if (value.getClass().isArray()) {
            problem(key, quoted(value) + " is not a list of text");
            return result;
        } else {
            elements.add(value);
        }
        for (Object element : elements) {
            for (String part : String.valueOf(element).split(separator)) {
                if (!part.isBlank()) {
                    result.add(part.trim());
                }
            }
        }
        return result;
    }

    /**
     * Reads a boolean: {@code true} or {@code false} in any case (blanks around ignored), or a {@code Boolean}.
     * Anything else ({@code maybe}, {@code yes}, {@code 1}) is a problem: a misspelt switch must never turn a
     * durability or security setting off in silence.
     */
    public boolean bool(String key, boolean defaultValue) {
        Object value = properties.get(key);
        if (value == null) {
            return defaultValue;
        }
        Object single = single(value);
        if (single instanceof Boolean b) {
            return b;
        }
        if (single instanceof String text) {
            String t = text.trim().toLowerCase(Locale.ROOT);
            if (t.equals("true")) {
                return true;
            }
            if (t.equals("false")) {
                return false;
            }
        }
        problem(key, quoted(value) + " is not true or false");
        return defaultValue;
    }

    /** Reads a whole number in {@code min–max}; see {@link #longValue}. */
    public int integer(String key, int defaultValue, int min, int max) {
        return (int) longValue(key, defaultValue, min, max);
    }

    /**
     * Reads a whole number in {@code min–max}, of any type: digits with an optional sign as text (blanks around
     * ignored), an integral number, or a floating-point number without a fraction. Text that is no number, a
     * fraction and a value outside the range (however large: no overflow) are problems naming the value.
     */
    public long longValue(String key, long defaultValue, long min, long max) {
        Object value = properties.get(key);
        if (value == null) {
            return defaultValue;
        }
        BigDecimal number = wholeNumber(single(value));
        if (number == null) {
            problem(key, quoted(value) + " is not a whole number");
            return defaultValue;
        }
        if (number.compareTo(BigDecimal.valueOf(min)) < 0 || number.compareTo(BigDecimal.valueOf(max)) > 0) {
            problem(key, quoted(value) + " is not in " + min + "–" + max);
            return defaultValue;
        }
        return number.longValueExact();
    }

    /**
     * Reads a decimal number in {@code min–max}: text or any number.
     */
    public double decimal(String key, double defaultValue, double min, double max) {
        Object value = properties.get(key);
        if (value == null) {
            return defaultValue;
        }
        Object single = single(value);
        double d;
        if (single instanceof Number n) {
            d = n.doubleValue();
        } else if (single instanceof String text) {
            try {
                d = Double.parseDouble(text.trim());
            } catch (NumberFormatException e) {
                problem(key, quoted(value) + " is not a number");
                return defaultValue;
            }
        } else {
            problem(key, quoted(value) + " is not a number");
            return defaultValue;
        }
        if (!(d >= min && d <= max)) {
            problem(key, quoted(value) + " is not in " + plain(min) + "–" + plain(max));
            return defaultValue;
        }
        return d;
    }

    /**
     * Reads a text value and parses it; a parser's {@link IllegalArgumentException} becomes a problem of the field
     * with the parser's message (which should name the value).
     *
     * @return the parsed value, or {@code defaultValue} if absent, blank or bad
     */
    public <T> T parse(String key, T defaultValue, Function<String, T> parser) {
        String text = string(key, null);
        if (text == null || text.isBlank()) {
            return defaultValue;
        }
        try {
            return parser.apply(text.trim());
        } catch (IllegalArgumentException e) {
            problem(key, e.getMessage());
            return defaultValue;
        }
    }

    /**
     * @return each key that is neither known nor a framework key, with the known key it most resembles (a typo,
     *         or {@code _} for {@code .}), sorted by key. Framework keys: {@code service.*}, {@code component.*},
     *         {@code felix.*} (FileInstall's {@code felix.fileinstall.filename}), {@code osgi.*} and reference
     *         targets {@code *.target}.
     */
    public Map<String, String> unknownKeys() {
        Map<String, String> unknown = new TreeMap<>();
        for (String key : properties.keySet()) {
            if (keys.contains(key) || key.endsWith(".target")
                    || FRAMEWORK_PREFIXES.stream().anyMatch(key::startsWith)
                    || prefixes.stream().anyMatch(p -> key.startsWith(p) && key.length() > p.length())) {
                continue;
            }
            unknown.put(key, closest(key, keys));
        }
        return unknown;
    }

    /**
     * @return one warning per unknown key, e.g. {@code unknown key 'worker.thread' is ignored; did you mean
     *         'worker.threads'?}, to be logged after {@code "Configuration <pid>: "}
     */
    public List<String> unknownKeyWarnings() {
        List<String> warnings = new ArrayList<>();
        unknownKeys().forEach((key, closest) -> warnings.add(
                "unknown key '" + key + "' is ignored; did you mean '" + closest + "'?"));
        return warnings;
    }

    /**
     * A parser for {@link #parse}: an ISO-8601 duration such as {@code PT5M}, any case.
     *
     * @param zeroAllowed whether {@code PT0S} is accepted; a negative duration never is
     * @throws IllegalArgumentException naming the value
     */
    public static java.time.Duration duration(String value, boolean zeroAllowed) {
        java.time.Duration d;
        try {
            d = java.time.Duration.parse(value.trim().toUpperCase(java.util.Locale.ROOT));
        } catch (java.time.format.DateTimeParseException e) {
            throw new IllegalArgumentException("'" + value + "' is not an ISO-8601 duration such as PT5M");
        }
        if (d.isNegative() || !zeroAllowed && d.isZero()) {
            throw new IllegalArgumentException("'" + value + "' must be positive");
        }
        return d;
    }

    /** @return the known key with the smallest edit distance to {@code key}; the first of them on a tie */
    public static String closest(String key, List<String> known) {
        String best = known.isEmpty() ? "" : known.get(0);
        int bestDistance = Integer.MAX_VALUE;
        String k = key.toLowerCase(Locale.ROOT).replace('_', '.');
        for (String candidate : known) {
            int d = distance(k, candidate);
            if (d < bestDistance) {
                best = candidate;
                bestDistance = d;
            }
        }
        return best;
    }

    /** Levenshtein distance. */
    static int distance(String a, String b) {
        int[] previous = new int[b.length() + 1];
        int[] current = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            previous[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            current[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int substitution = previous[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
                current[j] = Math.min(substitution, Math.min(previous[j] + 1, current[j - 1] + 1));
            }
            int[] swap = previous;
            previous = current;
            current = swap;
        }
        return previous[b.length()];
    }

    /** @return a scalar as is; the one element of an array or collection of one; else null */
    private static Object single(Object value) {
        if (value instanceof Object[] array) {
            return array.length == 1 ? array[0] : null;
        }
        if (value instanceof Collection<?> collection) {
            return collection.size() == 1 ? collection.iterator().next() : null;
        }
        if (value.getClass().isArray()) {
            return null;
        }
        return value;
    }

    /**
     * @return the value as a whole number of any size, or null if it is none: a string must be digits (with a sign,
     *         blanks around it are ignored), a floating-point number must have no fraction
     */
    public static BigDecimal wholeNumber(Object value) {
        if (value instanceof Integer || value instanceof Long || value instanceof Short || value instanceof Byte) {
            return BigDecimal.valueOf(((Number) value).longValue());
        }
        if (value instanceof String text) {
            String trimmed = text.trim();
            return INTEGER.matcher(trimmed).matches() ? new BigDecimal(trimmed) : null;
        }
        if (value instanceof Double || value instanceof Float) {
            double d = ((Number) value).doubleValue();
            return Double.isFinite(d) && d == Math.rint(d) ? BigDecimal.valueOf(d) : null;
        }
        if (value instanceof Number number) { // BigInteger, BigDecimal
            try {
                BigDecimal decimal = new BigDecimal(number.toString());
                return decimal.stripTrailingZeros().scale() <= 0 ? decimal : null;
            } catch (NumberFormatException e) {
                return null;
            }
        }
        return null; // Boolean, Character, null (a list of several), anything else
    }

    private static String plain(double d) {
        return d == Math.rint(d) ? String.valueOf((long) d) : String.valueOf(d);
    }

    /** @return the value as given: a string in quotes, a number as is, anything else with its type */
    public static String quoted(Object value) {
        if (value instanceof String) {
            return "'" + value + "'";
        }
        if (value instanceof Number) {
            return value.toString();
        }
        String text;
        if (value instanceof Object[] array) {
            text = Arrays.toString(array);
        } else if (value.getClass().isArray()) {
            text = "an array of " + value.getClass().getComponentType().getSimpleName();
        } else {
            text = String.valueOf(value);
        }
        return text + " (" + value.getClass().getSimpleName() + ")";
    }
}
