package org.pluginscheduler.api;

import java.util.Objects;

/**
 * A schedule text or value is malformed. The message names the field that is wrong and why, for example
 * {@code "minute: 61 is not in 0–59"} or {@code "tz: unknown time zone 'Mars/Olympus'"}.
 */
public class ScheduleParseException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    private final String field;
    private final String detail;

    /**
     * @param field  the field that is wrong, e.g. {@code minute}, {@code tz}, {@code every}
     * @param detail what is wrong with it
     */
    public ScheduleParseException(String field, String detail) {
        super(Objects.requireNonNull(field, "field") + ": " + Objects.requireNonNull(detail, "detail"));
        this.field = field;
        this.detail = detail;
    }

    /** @return the name of the field that is wrong */
    public String field() {
        return field;
    }

    /** @return what is wrong, without the field name */
    public String detail() {
        return detail;
    }
}
