package org.pluginscheduler.api;

import java.util.BitSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Validates and normalizes Unix (Vixie) 5-field cron expressions, naming the field at fault. Computing fire
 * times is the scheduler's job; this class only decides what is a well-formed expression.
 */
final class CronSyntax {

    private record Field(String name, int min, int max, List<String> names, int namesBase) {
    }

    private static final List<String> MONTHS =
            List.of("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC");
    private static final List<String> DAYS = List.of("SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT");

    static final Field MINUTE = new Field("minute", 0, 59, List.of(), 0);
    static final Field HOUR = new Field("hour", 0, 23, List.of(), 0);
    static final Field DAY_OF_MONTH = new Field("day-of-month", 1, 31, List.of(), 0);
    static final Field MONTH = new Field("month", 1, 12, MONTHS, 1);
    static final Field DAY_OF_WEEK = new Field("day-of-week", 0, 7, DAYS, 0);
    private static final List<Field> FIELDS = List.of(MINUTE, HOUR, DAY_OF_MONTH, MONTH, DAY_OF_WEEK);

    private static final Map<String, String> MACROS = Map.of(
            "@yearly", "0 0 1 1 *",
            "@annually", "0 0 1 1 *",
            "@monthly", "0 0 1 * *",
            "@weekly", "0 0 * * 0",
            "@daily", "0 0 * * *",
            "@midnight", "0 0 * * *",
            "@hourly", "0 * * * *");

    private static final int[] DAYS_IN_MONTH = {0, 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};

    private CronSyntax() {
    }

    /**
     * @return the expression with single spaces, upper-case names and macros expanded
     * @throws ScheduleParseException naming the field at fault
     */
    static String normalize(String expression) {
        String trimmed = expression.trim();
        if (trimmed.isEmpty()) {
            throw new ScheduleParseException("cron", "the expression is empty");
        }
        if (trimmed.startsWith("@")) {
            String expanded = MACROS.get(trimmed.toLowerCase(Locale.ROOT));
            if (expanded == null) {
                throw new ScheduleParseException("cron", "unknown macro '" + trimmed + "' (known: @yearly, @annually, "
                        + "@monthly, @weekly, @daily, @midnight, @hourly)");
            }
            trimmed = expanded;
        }
        String[] parts = trimmed.split("\\s+");
        if (parts.length != 5) {
            throw new ScheduleParseException("cron", "expected 5 fields (minute hour day-of-month month day-of-week)"
                    + ", got " + parts.length + " in '" + trimmed + "'");
        }
        BitSet[] sets = new BitSet[5];
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < 5; i++) {
            String part = parts[i].toUpperCase(Locale.ROOT);
            sets[i] = parse(FIELDS.get(i), part);
            if (i > 0) {
                out.append(' ');
            }
            out.append(part);
        }
        checkReachable(parts, sets);
        return out.toString();
    }

    /** Rejects expressions such as {@code 0 0 30 2 *} that can never fire. */
    private static void checkReachable(String[] parts, BitSet[] sets) {
        boolean dowRestricted = !parts[4].startsWith("*");
        boolean domRestricted = !parts[2].startsWith("*");
        if (dowRestricted && domRestricted) {
            return; // Vixie cron ORs the two day fields: some weekday in a chosen month always exists
        }
        if (!domRestricted) {
            return;
        }
        for (int month = sets[3].nextSetBit(1); month >= 0; month = sets[3].nextSetBit(month + 1)) {
            if (sets[2].nextSetBit(1) <= DAYS_IN_MONTH[month] && sets[2].nextSetBit(1) >= 0) {
                return;
            }
        }
        throw new ScheduleParseException("day-of-month", "'" + parts[2] + "' never occurs in month(s) '"
                + parts[3] + "'");
    }

    private static BitSet parse(Field field, String text) {
        BitSet values = new BitSet();
        if (text.isEmpty()) {
            throw new ScheduleParseException(field.name, "is empty");
        }
        String[] items = text.split(",", -1);
        int size = field.max - field.min + 1;
        if (items.length > size) {
            // each item of a list that adds something selects a value no other item does: at most one per value
            throw new ScheduleParseException(field.name, items.length + " list items, more than the field's " + size
                    + " values (" + field.min + "–" + field.max + "): some item repeats others");
        }
        for (String item : items) {
            if (item.isEmpty()) {
                throw new ScheduleParseException(field.name, "empty list element in '" + text + "'");
            }
            parseItem(field, item, values);
        }
        return values;
    }

    private static void parseItem(Field field, String item, BitSet values) {
        String range = item;
        int step = 1;
        int slash = item.indexOf('/');
        if (slash >= 0) {
            range = item.substring(0, slash);
            String stepText = item.substring(slash + 1);
            step = number(field, stepText, "step");
            if (step < 1) {
                throw new ScheduleParseException(field.name, "step " + step + " must be at least 1");
            }
            if (step > field.max - field.min + 1) {
                throw new ScheduleParseException(field.name, "step " + step + " is larger than the field's range "
                        + field.min + "–" + field.max);
            }
            if (!range.equals("*") && range.indexOf('-') < 0) {
                throw new ScheduleParseException(field.name, "'" + item + "': a step needs '*' or a range before '/'");
            }
        }
        int low;
        int high;
        if (range.equals("*")) {
            low = field.min;
            high = field == DAY_OF_WEEK ? 6 : field.max;
        } else {
            int dash = range.indexOf('-');
            if (dash > 0) {
                low = value(field, range.substring(0, dash));
                high = value(field, range.substring(dash + 1));
                if (low > high) {
                    throw new ScheduleParseException(field.name, "range " + range + " is backwards");
                }
            } else {
                low = value(field, range);
                high = low;
            }
        }
        for (int v = low; v <= high; v += step) {
            values.set(field == DAY_OF_WEEK && v == 7 ? 0 : v);
        }
    }

    private static int value(Field field, String text) {
        int index = field.names.indexOf(text);
        if (index >= 0) {
            return index + field.namesBase;
        }
        if (!isAsciiDigits(text)) {
            String hint = field.names.isEmpty() ? "a number"
                    : "a number or a name (" + field.names.get(0) + "–" + field.names.get(field.names.size() - 1) + ")";
            throw new ScheduleParseException(field.name, "'" + text + "' is not " + hint);
        }
        int v = number(field, text, "value");
        if (v < field.min || v > field.max) {
            throw new ScheduleParseException(field.name, v + " is not in " + field.min + "–" + field.max);
        }
        return v;
    }

    private static int number(Field field, String text, String what) {
        if (text.length() > 4 || !isAsciiDigits(text)) {
            throw new ScheduleParseException(field.name, what + " '" + text + "' is not a number");
        }
        return Integer.parseInt(text);
    }

    /** Only ASCII digits: {@link Character#isDigit} (and {@link Integer#parseInt}) also accept e.g. Arabic-Indic digits. */
    private static boolean isAsciiDigits(String text) {
        return !text.isEmpty() && text.chars().allMatch(c -> c >= '0' && c <= '9');
    }
}
