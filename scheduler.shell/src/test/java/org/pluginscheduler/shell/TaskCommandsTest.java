package org.pluginscheduler.shell;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.pluginscheduler.api.Schedule;
import org.pluginscheduler.api.ScheduleParseException;

class TaskCommandsTest {

    @Test
    void aBareCronIsAcceptedWhereAScheduleIsExpected() {
        assertEquals(Schedule.parse("cron:0 3 * * 1-5"), TaskCommands.parseSchedule("0 3 * * 1-5"));
        assertEquals(Schedule.parse("every:PT5M"), TaskCommands.parseSchedule("every:PT5M"));
        ScheduleParseException e = assertThrows(ScheduleParseException.class,
                () -> TaskCommands.parseSchedule("61 * * * *"));
        assertEquals("minute: 61 is not in 0–59", e.getMessage());
    }

    @Test
    void argumentsAreNameValuePairs() {
        assertEquals(Map.of("path", "/tmp/x", "n", "a=b"), TaskCommands.arguments("path=/tmp/x", "n=a=b"));
        assertEquals("argument 'oops' is not name=value",
                assertThrows(IllegalArgumentException.class, () -> TaskCommands.arguments("oops")).getMessage());
    }

    @Test
    void tablesAlignColumnsAndTrimTrailingSpace() {
        String table = Tables.align(List.of(new String[] {"A", "BB", "C"}, new String[] {"long value", "x", ""}));
        assertEquals("A           BB  C\nlong value  x", table);
    }
}
