package org.pluginscheduler.impl.schedule;

import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.Year;
import java.util.List;
import java.util.Optional;

/**
 * A Unix 5-field cron expression compiled into one bit mask per field, answering "the first matching wall time
 * strictly after" by jumping field-wise (month, then day, then hour, then minute) instead of searching.
 *
 * <p>Semantics are Vixie cron's, as {@code Schedule} documents: names, ranges, {@code /} steps over {@code *} or a
 * range, lists; day-of-week 0–7 with both 0 and 7 Sunday, {@code *} there meaning 0–6; and if both day fields are
 * restricted (neither starts with {@code *}) a day matches if <em>either</em> matches, otherwise if both do.
 * Wall times are whole minutes. The input must be an expression the API's {@code CronSyntax} normalized (five
 * fields, single spaces, upper-case names, macros expanded); this class does not validate beyond what it needs.
 *
 * <p>Immutable, so one instance serves every task and thread with the same expression.
 */
final class CronMatcher {

    private static final List<String> MONTHS =
            List.of("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC");
    private static final List<String> DAYS = List.of("SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT");

    /**
     * Day-of-week and date patterns repeat every 400 years (146,097 days, a whole number of weeks): a search that
     * finds nothing in that long finds nothing ever. Valid expressions always fire well within it.
     */
    private static final int MAX_YEARS = 401;

    /** bits 0–59 */
    private final long minutes;
    /** bits 0–23 */
    private final long hours;
    /** bits 1–31 */
    private final long daysOfMonth;
    /** bits 1–12 */
    private final long months;
    /**
     * For each weekday of a month's first day (0 = Sunday), the days 1–31 of that month that the day fields
     * select: day-of-month and day-of-week combined by OR or AND (not yet cut to the month's length).
     */
    private final long[] daysByFirstWeekday = new long[7];

    private CronMatcher(long minutes, long hours, long daysOfMonth, long months, long daysOfWeek, boolean either) {
        this.minutes = minutes;
        this.hours = hours;
        this.daysOfMonth = daysOfMonth;
        this.months = months;
        for (int first = 0; first < 7; first++) {
            long byWeekday = 0;
            for (int day = 1; day <= 31; day++) {
                if ((daysOfWeek & 1L << (first + day - 1) % 7) != 0) {
                    byWeekday |= 1L << day;
                }
            }
            daysByFirstWeekday[first] = either ? daysOfMonth | byWeekday : daysOfMonth & byWeekday;
        }
    }

    /** @param expression a normalized five-field expression (see the class comment) */
    static CronMatcher compile(String expression) {
        String[] f = expression.split(" ");
        if (f.length != 5) {
            throw new IllegalArgumentException("not a normalized 5-field cron expression: '" + expression + "'");
        }
        long dow = field(f[4], 0, 6, 7, DAYS, 0);
        if ((dow & 1L << 7) != 0) {
            dow = dow & ~(1L << 7) | 1L; // 7 is Sunday too
        }
        // Vixie cron: a day field whose text starts with '*' (also "*/2") counts as unrestricted
        boolean either = !f[2].startsWith("*") && !f[4].startsWith("*");
        return new CronMatcher(field(f[0], 0, 59, 59, List.of(), 0), field(f[1], 0, 23, 23, List.of(), 0),
                field(f[2], 1, 31, 31, List.of(), 0), field(f[3], 1, 12, 12, MONTHS, 1), dow, either);
    }

    /**
     * @param starMax the upper end of {@code *} (6 for day-of-week, whose values go up to 7)
     * @param max     the largest value allowed in a range
     */
    private static long field(String text, int min, int starMax, int max, List<String> names, int namesBase) {
        long set = 0;
        for (String item : text.split(",")) {
            int step = 1;
            String range = item;
            int slash = item.indexOf('/');
            if (slash >= 0) {
                step = Integer.parseInt(item.substring(slash + 1));
                range = item.substring(0, slash);
            }
            int low;
            int high;
            if (range.equals("*")) {
                low = min;
                high = starMax;
            } else {
                int dash = range.indexOf('-');
                if (dash > 0) {
                    low = value(range.substring(0, dash), names, namesBase);
                    high = value(range.substring(dash + 1), names, namesBase);
                } else {
                    low = value(range, names, namesBase);
                    high = low;
                }
            }
            if (step < 1 || low < min || high > max || low > high) {
                throw new IllegalArgumentException("not a normalized cron field: '" + text + "'");
            }
            for (int v = low; v <= high; v += step) {
                set |= 1L << v;
            }
        }
        return set;
    }

    private static int value(String text, List<String> names, int base) {
        int index = names.indexOf(text);
        return index >= 0 ? index + base : Integer.parseInt(text);
    }

    /** @return the first matching wall time strictly after {@code after}, or empty if there is none */
    Optional<LocalDateTime> nextAfter(LocalDateTime after) {
        int year = after.getYear();
        int month = after.getMonthValue();
        int day = after.getDayOfMonth();
        int hour = after.getHour();
        int minute = after.getMinute() + 1; // matches are whole minutes: the next one is at least a minute on
        int lastYear = (int) Math.min(Year.MAX_VALUE, (long) year + MAX_YEARS);
        // Each pass either returns or moves the cursor to the start of a later minute, hour, day or month; the
        // masks' values above a field's end (minute 60, hour 24, day 32, month 13) are never set, so running off
        // the end of a field fails the search at that level and carries to the next.
        while (true) {
            long m = months & -1L << month;
            if (m == 0) {
                if (year >= lastYear) {
                    return Optional.empty();
                }
                year++;
                month = Long.numberOfTrailingZeros(months);
                day = 1;
                hour = 0;
                minute = 0;
                continue;
            }
            int nextMonth = Long.numberOfTrailingZeros(m);
            if (nextMonth != month) {
                month = nextMonth;
                day = 1;
                hour = 0;
                minute = 0;
            }
            long d = daysOf(year, month) & -1L << day;
            if (d == 0) {
                month++;
                day = 1;
                hour = 0;
                minute = 0;
                continue;
            }
            int nextDay = Long.numberOfTrailingZeros(d);
            if (nextDay != day) {
                day = nextDay;
                hour = 0;
                minute = 0;
            }
            long h = hours & -1L << hour;
            if (h == 0) {
                day++;
                hour = 0;
                minute = 0;
                continue;
            }
            int nextHour = Long.numberOfTrailingZeros(h);
            if (nextHour != hour) {
                hour = nextHour;
                minute = 0;
            }
            long mi = minutes & -1L << minute;
            if (mi == 0) {
                hour++;
                minute = 0;
                continue;
            }
            return Optional.of(LocalDateTime.of(year, month, day, hour, Long.numberOfTrailingZeros(mi)));
        }
    }

    /** @return the days 1–31 of the month that match both day fields (as combined), within the month's length */
    private long daysOf(int year, int month) {
        LocalDate first = LocalDate.of(year, month, 1);
        int firstWeekday = first.getDayOfWeek().getValue() % 7;
        return daysByFirstWeekday[firstWeekday] & (1L << first.lengthOfMonth() + 1) - 2;
    }
}
