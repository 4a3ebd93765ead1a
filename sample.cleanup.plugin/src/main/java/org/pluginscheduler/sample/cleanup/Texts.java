package org.pluginscheduler.sample.cleanup;

import java.time.Duration;
import java.util.Locale;

/** Formats numbers for run messages, which administrators read in the shell and the log. */
final class Texts {

    private static final String[] UNITS = {"kB", "MB", "GB", "TB", "PB", "EB"};

    private Texts() {
    }

    /** @return e.g. {@code "1 file"}, {@code "3 files"} */
    static String count(long n, String noun) {
        return n + " " + noun + (n == 1 ? "" : "s");
    }

    /** @return a size in decimal (SI) units with one decimal, e.g. {@code "512 B"}, {@code "1.2 MB"} */
    static String bytes(long bytes) {
        if (bytes < 1000) {
            return bytes + " B";
        }
        double value = bytes;
        int unit = -1;
        while (value >= 999.95 && unit < UNITS.length - 1) {
            value /= 1000;
            unit++;
        }
        return String.format(Locale.ROOT, "%.1f %s", value, UNITS[unit]);
    }

    /** @return the two largest units of a non-negative age, e.g. {@code "9 days 2 hours"}, {@code "5 minutes"} */
    static String age(Duration age) {
        if (age.toDays() > 0) {
            return count(age.toDays(), "day") + part(age.toHoursPart(), "hour");
        }
        if (age.toHours() > 0) {
            return count(age.toHours(), "hour") + part(age.toMinutesPart(), "minute");
        }
        if (age.toMinutes() > 0) {
            return count(age.toMinutes(), "minute") + part(age.toSecondsPart(), "second");
        }
        return count(age.toSeconds(), "second");
    }

    private static String part(long n, String noun) {
        return n == 0 ? "" : " " + count(n, noun);
    }
}
