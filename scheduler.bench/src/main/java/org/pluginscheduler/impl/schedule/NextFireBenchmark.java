package org.pluginscheduler.impl.schedule;

import java.text.ParseException;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.util.Date;
import java.util.Optional;
import java.util.Random;
import java.util.TimeZone;
import java.util.concurrent.TimeUnit;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.pluginscheduler.api.Schedule;
import org.quartz.CronExpression;

/**
 * P6: next-fire computation, measured on the scheduler's own {@code Schedules}/{@code FireSequence}. They are
 * package-private, so this class lives in {@code org.pluginscheduler.impl.schedule}; scheduler.impl is a plain jar on the
 * bench's class path (no OSGi here), where package-private access across jars of one class loader works. The public
 * route ({@code TaskScheduler.preview} in a framework) would add list building, zone conversion and a service call
 * to every measurement.
 *
 * <ul>
 * <li>{@code cronNext}: one fire after an arbitrary instant (cron sequences are stateless), Europe/Berlin (a DST
 * zone: the mapper checks transitions). Side by side: Quartz's {@code CronExpression.getNextValidTimeAfter}.</li>
 * <li>{@code rruleAdvance}: what the timer does on every fire of an RRULE task: the next fire after the previous
 * one, from a live sequence whose DTSTART is {@code distance} in the past. Must not depend on the distance.</li>
 * <li>{@code rruleFirst}: a new sequence and its first fire after now: what registering (or re-registering,
 * rescheduling, previewing) an RRULE task costs with DTSTART {@code distance} in the past.</li>
 * </ul>
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
@Fork(1)
public class NextFireBenchmark {

    static final ZoneId ZONE = ZoneId.of("Europe/Berlin");
    /** A fixed "now", so results do not depend on the day the benchmark runs. */
    static final Instant NOW = Instant.parse("2027-01-15T10:17:23Z");
    static final int SPREAD = 1024;

    /** Instants spread over a year after NOW, so a stateless computation is not asked the same thing twice. */
    static Instant[] spread() {
        Random random = new Random(42);
        Instant[] from = new Instant[SPREAD];
        for (int i = 0; i < SPREAD; i++) {
            from[i] = NOW.plusSeconds(random.nextInt(365 * 24 * 3600));
        }
        return from;
    }

    @State(Scope.Thread)
    public static class CronState {
        @Param({"0 3 * * *", "*/15 9-17 * * 1-5"})
        public String expression;
        FireSequence sequence;
        Instant[] from;
        int i;

        @Setup(Level.Trial)
        public void setUp() {
            sequence = Schedules.sequence(new Schedule.Cron(expression, Optional.of(ZONE)), ZONE, NOW);
            from = spread();
        }
    }

    @Benchmark
    public Optional<Instant> cronNext(CronState s) {
        return s.sequence.nextAfter(s.from[s.i++ & (SPREAD - 1)]);
    }

    @State(Scope.Thread)
    public static class QuartzCronState {
        /** the same schedules as {@link CronState}, in Quartz's syntax */
        @Param({"0 0 3 * * ?", "0 */15 9-17 ? * MON-FRI"})
        public String expression;
        CronExpression cron;
        Date[] from;
        int i;

        @Setup(Level.Trial)
        public void setUp() throws ParseException {
            cron = new CronExpression(expression);
            cron.setTimeZone(TimeZone.getTimeZone(ZONE));
            Instant[] instants = spread();
            from = new Date[SPREAD];
            for (int k = 0; k < SPREAD; k++) {
                from[k] = Date.from(instants[k]);
            }
        }
    }

    @Benchmark
    public Date quartzCronNext(QuartzCronState s) {
        return s.cron.getNextValidTimeAfter(s.from[s.i++ & (SPREAD - 1)]);
    }

    /** Steps measured per invocation of {@link #rruleAdvance}. */
    public static final int STEPS = 2_000;

    @State(Scope.Thread)
    public static class AdvanceState {
        @Param({"FREQ=DAILY;BYHOUR=9;BYMINUTE=30", "FREQ=MINUTELY;INTERVAL=15",
                "FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-1"})
        public String rule;
        /** how long before NOW the rule's DTSTART is */
        @Param({"P1D", "P365D", "P3650D"})
        public String distance;
        FireSequence sequence;
        Instant cursor;

        @Setup(Level.Trial)
        public void setUp() {
            LocalDateTime start = LocalDateTime.ofInstant(NOW.minus(Duration.parse(distance)), ZONE);
            sequence = Schedules.sequence(new Schedule.RRule(rule, start, Optional.of(ZONE)), ZONE, NOW);
            cursor = sequence.first(NOW).orElseThrow(); // positioned at now: distance past DTSTART
        }
    }

    /**
     * One single-shot invocation per iteration, {@link #STEPS} fires each, so a trial moves the sequence a bounded
     * number of fires (a timed iteration would run it millions of fires, centuries, ahead).
     */
    @Benchmark
    @BenchmarkMode(Mode.SingleShotTime)
    @OperationsPerInvocation(STEPS)
    @Fork(3) // single shots vary more between JVMs than within one
    @Warmup(iterations = 10, batchSize = 1)
    @Measurement(iterations = 20, batchSize = 1)
    public Instant rruleAdvance(AdvanceState s) {
        Instant c = s.cursor;
        for (int k = 0; k < STEPS; k++) {
            c = s.sequence.nextAfter(c).orElseThrow();
        }
        s.cursor = c;
        return c;
    }

    @State(Scope.Thread)
    public static class FirstState {
        @Param({"FREQ=DAILY;BYHOUR=9;BYMINUTE=30", "FREQ=MINUTELY;INTERVAL=15",
                "FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-1"})
        public String rule;
        @Param({"P1D", "P365D", "P3650D"})
        public String distance;
        Schedule schedule;

        @Setup(Level.Trial)
        public void setUp() {
            LocalDateTime start = LocalDateTime.ofInstant(NOW.minus(Duration.parse(distance)), ZONE);
            schedule = new Schedule.RRule(rule, start, Optional.of(ZONE));
        }
    }

    @Benchmark
    public Optional<Instant> rruleFirst(FirstState s) {
        return Schedules.sequence(s.schedule, ZONE, NOW).first(NOW);
    }
}
