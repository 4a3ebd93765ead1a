package org.pluginscheduler.impl.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.pluginscheduler.api.RetryPolicy;
import org.pluginscheduler.api.RunRecord;
import org.pluginscheduler.api.RunStatus;
import org.pluginscheduler.api.RunTrigger;
import org.pluginscheduler.api.SchedulerObserver;
import org.pluginscheduler.api.TaskDefinition;
import org.pluginscheduler.api.TaskId;
import org.pluginscheduler.api.TaskResult;
import org.pluginscheduler.api.store.RunBatch;
import org.pluginscheduler.api.store.TaskStore;
import org.pluginscheduler.impl.core.SchedulerEngineTest.TestProvider;
import org.pluginscheduler.impl.store.InMemoryTaskStore;

/**
 * {@link SchedulerEngine#observe}: every finished run once, with its final status, after its record is stored;
 * every store write timed around the store call; and delivery that never makes the engine or another observer wait
 * for a slow, blocked or throwing observer. The engine runs as the other core tests run it (hand-moved clock,
 * hand-run workers, records written on the caller's thread); observers get their events on their own threads, so
 * the test waits for those with a timeout, never a sleep.
 */
class SchedulerObserverTest {

    private static final Instant T0 = Instant.parse("2026-06-01T10:00:00Z");
    private static final Duration WAIT = Duration.ofSeconds(20);
    private static final Duration WRITE_TAKES = Duration.ofMillis(3);
    private static final TaskId TICK = TaskId.parse("p:tick");
    private static final TaskId MANUAL = TaskId.parse("p:manual");
    private static final TaskId FLAKY = TaskId.parse("p:flaky");
    private static final TaskId MARKER = TaskId.parse("p:marker");

    private final MutableClock clock = new MutableClock(T0);
    private final ManualExecutor workers = new ManualExecutor();
    private final InMemoryTaskStore memory = new InMemoryTaskStore(10_000);
    /** The fake ticker: each store write moves it by {@link #WRITE_TAKES}, nothing else moves it. */
    private final AtomicLong ticks = new AtomicLong();
    /** Per store write (write, saveTasks, deleteTask), in order: its rows, as the store got them. */
    private final List<Integer> writes = new CopyOnWriteArrayList<>();
    /** The final records the store got, in the order it got them. */
    private final List<RunRecord> finalRecords = new CopyOnWriteArrayList<>();
    /** While set, every store write fails with this message. */
    private volatile String failWrites;
    private final TaskStore store = (TaskStore) Proxy.newProxyInstance(TaskStore.class.getClassLoader(),
            new Class<?>[] {TaskStore.class}, (self, method, args) -> {
                int rows = switch (method.getName()) {
                    case "write" -> RunRecorder.rows((RunBatch) args[0]);
                    case "saveTasks" -> ((List<?>) args[0]).size();
                    case "deleteTask" -> 1;
                    default -> -1;
                };
                if (rows >= 0 && failWrites != null) {
                    ticks.addAndGet(WRITE_TAKES.toNanos());
                    throw new org.pluginscheduler.api.store.TaskStoreException(failWrites);
                }
                Object result;
                try {
                    result = method.invoke(memory, args);
                } catch (InvocationTargetException e) {
                    throw e.getCause();
                }
                if (rows >= 0) {
                    ticks.addAndGet(WRITE_TAKES.toNanos());
                    writes.add(rows);
                    if (args[0] instanceof RunBatch batch) {
                        batch.runs().stream().filter(r -> r.status() != RunStatus.RUNNING).forEach(finalRecords::add);
                    }
                }
                return result;
            });
    private final TestProvider provider = new TestProvider(
            TaskDefinition.builder("tick").schedule("every:PT1M").build(),
            TaskDefinition.builder("manual").schedule("cron:0 3 * * *").build(),
            TaskDefinition.builder("flaky").schedule("cron:0 3 * * *")
                    .retry(RetryPolicy.fixed(3, Duration.ofSeconds(1))).build(),
            TaskDefinition.builder("marker").schedule("cron:0 3 * * *").build());
    private SchedulerEngine engine;
    private final List<ObserverHub.Registration> registrations = new ArrayList<>();
    /** Released after each test: observers that block wait for it. */
    private final CountDownLatch release = new CountDownLatch(1);
    private final ByteArrayOutputStream captured = new ByteArrayOutputStream();
    private PrintStream originalErr;

    SchedulerObserverTest() {
        provider.behaviour = e -> e.taskId().equals(FLAKY) && e.attempt() < 3
                ? TaskResult.failure("attempt " + e.attempt() + " fails") : TaskResult.success("ok");
    }

    @AfterEach
    void cleanUp() {
        release.countDown();
        registrations.forEach(ObserverHub.Registration::close);
        if (originalErr != null) {
            System.setErr(originalErr);
        }
    }

    /** The engine as the other core tests build it, with store writes timed by {@code ticker}. */
    private void start(LongSupplier ticker) {
        engine = new SchedulerEngine(clock, new CoreThreads(Runnable::run, Runnable::run, Runnable::run,
                Runnable::run), new ExecutorWorkers(workers), store,
                Settings.defaults(ZoneId.of("UTC"), Duration.ofSeconds(2)), false, ticker);
    }

    /** Crash recovery (as the engine's start does it, without a timer thread), then the provider. */
    private void registerProvider() {
        engine.recover();
        engine.providerAdded(ProviderHandle.forProvider("p", 1, "p 1.0.0", "provider", provider));
        workers.runAll();
    }

    private ObserverHub.Registration observe(SchedulerObserver observer) {
        ObserverHub.Registration registration = engine.observe(observer);
        registrations.add(registration);
        return registration;
    }

    private void advance(Duration d) {
        clock.advance(d);
        engine.timer().runDue();
        workers.runAll();
    }

    private String trigger(TaskId id) {
        String runId = engine.trigger(id, RunTrigger.MANUAL, Map.of());
        workers.runAll();
        return runId;
    }

    private void captureLog() {
        originalErr = System.err;
        System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
    }

    private int logged(String text) {
        Matcher m = Pattern.compile(Pattern.quote(text)).matcher(captured.toString(StandardCharsets.UTF_8));
        int n = 0;
        while (m.find()) {
            n++;
        }
        return n;
    }

    /** What an observer got, in order, and on which threads. */
    static class Events implements SchedulerObserver {
        record Write(Duration took, int records) {
        }

        private final String name;
        final BlockingQueue<Object> received = new LinkedBlockingQueue<>();
        final Set<String> threads = ConcurrentHashMap.newKeySet();

        Events(String name) {
            this.name = name;
        }

        @Override
        public void runFinished(RunRecord run) {
            threads.add(Thread.currentThread().getName());
            received.add(run);
        }

        @Override
        public void storeWrite(Duration took, int records) {
            threads.add(Thread.currentThread().getName());
            received.add(new Write(took, records));
        }

        /** @return the events up to and including the finished run {@code runId}, which it waits for */
        List<Object> until(String runId) throws InterruptedException {
            List<Object> events = new ArrayList<>();
            long deadline = System.nanoTime() + WAIT.toNanos();
            while (true) {
                Object next = received.poll(deadline - System.nanoTime(), TimeUnit.NANOSECONDS);
                if (next == null) {
                    fail(name + " did not get the end of run " + runId + " within " + WAIT + "; it got " + events);
                }
                events.add(next);
                if (next instanceof RunRecord run && run.runId().equals(runId)) {
                    return events;
                }
            }
        }

        /** @return the first {@code n} store writes it got, which it waits for */
        List<Write> writes(int n) throws InterruptedException {
            List<Write> writes = new ArrayList<>();
            long deadline = System.nanoTime() + WAIT.toNanos();
            while (writes.size() < n) {
                Object next = received.poll(deadline - System.nanoTime(), TimeUnit.NANOSECONDS);
                if (next == null) {
                    fail(name + " got " + writes.size() + " of " + n + " store writes within " + WAIT);
                }
                if (next instanceof Write w) {
                    writes.add(w);
                }
            }
            return writes;
        }

        static List<RunRecord> runs(List<Object> events) {
            return events.stream().filter(RunRecord.class::isInstance).map(RunRecord.class::cast).toList();
        }

        static List<Write> writes(List<Object> events) {
            return events.stream().filter(Write.class::isInstance).map(Write.class::cast).toList();
        }

        @Override
        public String toString() {
            return name;
        }
    }

    /** Blocks in its first finished run until the test ends (or its thread is interrupted). */
    class Blocking extends Events {
        final CountDownLatch blocked = new CountDownLatch(1);

        Blocking(String name) {
            super(name);
        }

        @Override
        public void runFinished(RunRecord run) {
            super.runFinished(run);
            if (blocked.getCount() > 0) {
                blocked.countDown();
                try {
                    release.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        }
    }

    private static List<RunRecord> finished(Collection<RunRecord> runs) {
        return runs.stream().filter(r -> r.status() != RunStatus.RUNNING).toList();
    }

    // --- adversarial: a blocked observer -------------------------------------------------------------------------

    @Test
    void aBlockedObserverDelaysNeitherTheEngineNorAnotherObserverAndWhatItCannotTakeIsDroppedAndCounted()
            throws Exception {
        captureLog();
        start(System::nanoTime);
        Blocking stuck = new Blocking("stuck");
        Events other = new Events("other");
        ObserverHub.Registration stuckRegistration = observe(stuck);
        ObserverHub.Registration otherRegistration = observe(other);
        registerProvider();

        assertTimeoutPreemptively(WAIT, () -> {
            List<String> runIds = new ArrayList<>();
            for (int i = 0; i < 20; i++) {
                String runId = trigger(MANUAL);
                runIds.add(runId);
                assertEquals(RunStatus.SUCCEEDED, engine.run(runId).orElseThrow().status(),
                        "the run finished and is shown finished while an observer is blocked");
            }
            assertTrue(stuck.blocked.await(WAIT.toSeconds(), TimeUnit.SECONDS), "the blocking observer is blocked");
            List<String> seen = Events.runs(other.until(runIds.get(19))).stream().map(RunRecord::runId).toList();
            assertEquals(runIds, seen, "the other observer got every run, in order, while the first is blocked");
        }, "a blocked observer held up the engine or another observer");

        // it keeps blocking: its queue fills, and what does not fit is dropped, never waited for
        assertTimeoutPreemptively(WAIT, () -> {
            int runs = 0;
            while (stuckRegistration.dropped() == 0) {
                trigger(MANUAL);
                if (++runs > 4 * ObserverHub.QUEUE_CAPACITY) {
                    fail("no event dropped after " + runs + " runs: its queue is not bounded");
                }
            }
            trigger(MANUAL);
            trigger(MANUAL);
        }, "the engine waited for a blocked observer's full queue");
        assertEquals(ObserverHub.QUEUE_CAPACITY, stuckRegistration.queued(), "its queue holds its capacity, no more");
        assertTrue(stuckRegistration.dropped() >= 2, "each event that did not fit is counted: "
                + stuckRegistration.dropped());
        assertEquals(1, logged("Scheduler observer stuck is not keeping up"),
                "one WARN when dropping starts, not one per event: " + captured);

        // once unblocked it catches up and keeps receiving; nothing more is dropped
        long dropped = stuckRegistration.dropped();
        release.countDown();
        assertTimeoutPreemptively(WAIT, () -> {
            while (stuckRegistration.queued() > 0 || otherRegistration.queued() > 0) { // both catch up
                Thread.onSpinWait();
            }
        });
        String last = trigger(MARKER);
        List<RunRecord> stuckRuns = Events.runs(stuck.until(last));
        assertEquals(last, stuckRuns.get(stuckRuns.size() - 1).runId());
        assertEquals(dropped, stuckRegistration.dropped());
        other.until(last);
        assertEquals(0, otherRegistration.failures());
    }

    // --- exactly once, with the final status -----------------------------------------------------------------

    @Test
    void runsFinishedByScheduleTriggerCallSubmitAndRetryAreEachObservedOnceInOrderWithTheirStoredFinalRecord()
            throws Exception {
        start(System::nanoTime);
        Events events = new Events("all-kinds");
        observe(events);
        registerProvider();

        advance(Duration.ZERO); // an interval fires first at registration
        engine.trigger(TICK, RunTrigger.MANUAL, Map.of()); // not run yet: the next fire finds it busy
        advance(Duration.ofMinutes(1)); // that fire is skipped (overlap SKIP), then the manual run runs
        engine.trigger(MANUAL, RunTrigger.MANUAL, Map.of());
        String refused = engine.trigger(MANUAL, RunTrigger.MANUAL, Map.of()); // skipped: the first has not run
        workers.runAll();
        RunRecord called = engine.call(MANUAL, Map.of("way", "call"));
        engine.submit(MANUAL, Map.of("way", "submit now"), Optional.empty(), Set.of());
        workers.runAll();
        engine.submit(MANUAL, Map.of("way", "submit later"), Optional.of(clock.instant().plusSeconds(30)), Set.of());
        trigger(FLAKY);
        advance(Duration.ofSeconds(1));
        advance(Duration.ofSeconds(1));
        advance(Duration.ofSeconds(30));
        String marker = trigger(MARKER);

        List<Object> received = events.until(marker);
        List<RunRecord> observed = Events.runs(received);
        assertEquals(finalRecords, observed, "every final record the store got, once each, in the order it got them");

        List<RunRecord> stored = new ArrayList<>();
        for (TaskId id : List.of(TICK, MANUAL, FLAKY, MARKER)) {
            stored.addAll(engine.runs(id, 1000));
        }
        assertEquals(stored, finished(stored), "nothing is still running");
        Comparator<RunRecord> byId = Comparator.comparing(RunRecord::runId);
        assertEquals(stored.stream().sorted(byId).toList(), observed.stream().sorted(byId).toList(),
                "each finished run as every read path shows it");
        assertEquals(observed.size(), new HashSet<>(observed.stream().map(RunRecord::runId).toList()).size(),
                "no run twice");

        Set<RunTrigger> triggers = new HashSet<>(observed.stream().map(RunRecord::trigger).toList());
        assertTrue(triggers.containsAll(Set.of(RunTrigger.SCHEDULE, RunTrigger.MANUAL, RunTrigger.CALL,
                RunTrigger.SUBMISSION, RunTrigger.RETRY)), "every way a run comes: " + triggers);
        assertEquals(List.of(RunStatus.FAILED, RunStatus.FAILED, RunStatus.SUCCEEDED), observed.stream()
                .filter(r -> r.taskId().equals(FLAKY)).map(RunRecord::status).toList(), "each attempt its own run");
        assertEquals(List.of(1, 2, 3), observed.stream().filter(r -> r.taskId().equals(FLAKY))
                .map(RunRecord::attempt).toList());
        assertEquals(called, observed.stream().filter(r -> r.trigger() == RunTrigger.CALL).findFirst().orElseThrow(),
                "a call is observed with the record its caller got");
        assertEquals(2, observed.stream().filter(r -> r.trigger() == RunTrigger.SUBMISSION).count());
        assertEquals(List.of(RunTrigger.SCHEDULE + " " + RunStatus.SUCCEEDED,
                        RunTrigger.SCHEDULE + " " + RunStatus.SKIPPED, RunTrigger.MANUAL + " " + RunStatus.SUCCEEDED),
                observed.stream().filter(r -> r.taskId().equals(TICK)).map(r -> r.trigger() + " " + r.status())
                        .toList(), "a scheduled fire, a skipped one, and the manual run that made it skip");
        assertEquals(RunStatus.SKIPPED, observed.stream().filter(r -> r.runId().equals(refused)).findFirst()
                .orElseThrow().status(), "a refused trigger is observed with its own run id");

        assertEquals(1, events.threads.size(), "one thread delivers to one observer: " + events.threads);
        String thread = events.threads.iterator().next();
        assertTrue(thread.startsWith("scheduler-observer-") && thread.endsWith(" all-kinds"),
                "its thread is named after it: " + thread);

        List<Events.Write> writes = Events.writes(received);
        assertFalse(writes.isEmpty());
        writes.forEach(w -> assertTrue(w.took().compareTo(Duration.ZERO) > 0 && w.records() > 0,
                "a store write takes time and writes rows: " + w));
    }

    @Test
    void withTheRecorderThreadEveryRunOfABatchIsObservedOnceAfterItsWrite() throws Exception {
        // as deployed: final records are written in batches by the recorder thread, and acknowledged there
        engine = new SchedulerEngine(clock, Runnable::run, Runnable::run, new ExecutorWorkers(workers), store,
                Settings.defaults(ZoneId.of("UTC"), Duration.ofSeconds(2)));
        try {
            Events events = new Events("batches");
            observe(events);
            registerProvider();
            List<String> runIds = new ArrayList<>();
            for (int i = 0; i < 200; i++) {
                runIds.add(engine.trigger(MANUAL, RunTrigger.MANUAL, Map.of()));
                workers.runAll();
            }
            List<Object> received = events.until(runIds.get(runIds.size() - 1));
            List<RunRecord> observed = Events.runs(received);
            assertEquals(runIds, observed.stream().map(RunRecord::runId).toList(), "each run once, in order");
            assertEquals(List.copyOf(finalRecords), observed, "as the store got them, and only once it got them");
            // the caller's thread writes accepted work beside the recorder's batches, so only the rows of a
            // single-threaded engine can be compared write by write (everyStoreWriteIsTimed...)
            List<Events.Write> batches = Events.writes(received);
            assertTrue(batches.size() >= 2, "the batches were observed: " + batches);
            batches.forEach(w -> assertTrue(w.records() > 0 && w.took().compareTo(Duration.ZERO) > 0, w::toString));
        } finally {
            engine.stop();
        }
    }

    @Test
    void aRunLeftRunningByThePreviousProcessIsObservedOnceWhenRecordedAbandoned() throws Exception {
        RunRecord cutOff = new RunRecord("prevrun1", MANUAL, RunTrigger.MANUAL, 1, RunStatus.RUNNING,
                T0.minusSeconds(60), Optional.of(T0.minusSeconds(59)), Optional.empty(), "", Map.of(), Map.of());
        memory.recordRun(cutOff);
        start(System::nanoTime);
        Events events = new Events("recovery");
        observe(events);
        engine.recover(); // records it ABANDONED
        registerProvider(); // its task is back: the decision about it is written
        String marker = trigger(MARKER);

        List<RunRecord> observed = Events.runs(events.until(marker));
        assertEquals(List.of("prevrun1", marker), observed.stream().map(RunRecord::runId).toList(),
                "once, though its record is written again with the decision");
        assertEquals(RunStatus.ABANDONED, observed.get(0).status());
        assertEquals(RunStatus.ABANDONED, engine.run("prevrun1").orElseThrow().status());
    }

    @Test
    void everyStoreWriteIsTimedAroundTheStoreCallWithTheRowsItWrote() throws Exception {
        start(ticks::get);
        Events events = new Events("writes");
        observe(events);
        registerProvider();
        trigger(MANUAL);
        trigger(FLAKY);
        advance(Duration.ofSeconds(1));
        List<Integer> written = List.copyOf(writes); // every call above returned after its writes
        assertTrue(written.size() >= 8, "runs, their retries and task states were written: " + written);

        List<Events.Write> observed = events.writes(written.size());
        assertEquals(written, observed.stream().map(Events.Write::records).toList(),
                "one event per store write, in order, with its rows");
        assertEquals(List.of(), List.copyOf(events.received).stream().filter(Events.Write.class::isInstance)
                .toList(), "and no other");
        observed.forEach(w -> assertEquals(WRITE_TAKES, w.took(), "the time the store call took, no more"));
    }

    @Test
    void aFailedStoreWriteIsObservedWithItsErrorAndRows() throws Exception {
        start(ticks::get);
        BlockingQueue<String> failures = new LinkedBlockingQueue<>();
        Events events = new Events("failures") {
            @Override
            public void storeWriteFailed(Duration took, int records, String error) {
                failures.add(took.toMillis() + " ms " + records + " " + error);
            }
        };
        observe(events);
        registerProvider();
        failWrites = "No space left on device";
        advance(Duration.ofMinutes(1)); // the tick fires; writing its record fails
        String failure = failures.poll(WAIT.toMillis(), TimeUnit.MILLISECONDS);
        assertEquals(WRITE_TAKES.toMillis() + " ms 1 No space left on device", failure,
                "the first failed write (the tick's run record), timed, with its rows and error");
        failWrites = null;
        String next = trigger(MANUAL);
        advance(Duration.ofSeconds(1));
        assertTrue(Events.runs(events.until(next)).stream().anyMatch(r -> r.runId().equals(next)),
                "writes that succeed again are observed as such");
    }

    @Test
    void aBurstOfRunsWrittenTogetherIsOneQueueEntryNotTenThousand() throws Exception {
        ObserverHub hub = new ObserverHub(ticks::get, 16);
        CountDownLatch first = new CountDownLatch(1);
        List<RunRecord> got = new CopyOnWriteArrayList<>();
        ObserverHub.Registration slow = hub.observe(new SchedulerObserver() {
            @Override
            public void runFinished(RunRecord run) {
                got.add(run);
                first.countDown();
                try {
                    release.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        });
        registrations.add(slow);
        List<RunRecord> batch = new ArrayList<>();
        for (int i = 0; i < 10_000; i++) {
            batch.add(new RunRecord("r" + i, TICK, RunTrigger.MANUAL, 1, RunStatus.SUCCEEDED, T0, Optional.of(T0),
                    Optional.of(T0), "ok", Map.of(), Map.of()));
        }
        hub.runsFinished(batch); // the observer takes it and blocks in its first run
        assertTrue(first.await(WAIT.toMillis(), TimeUnit.MILLISECONDS));
        for (int i = 0; i < 15; i++) {
            hub.runsFinished(batch); // a queue of 16 holds 15 more batches of 10,000
        }
        assertEquals(0, slow.dropped(), "150,000 runs in 16 entries: nothing dropped");
        release.countDown();
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (got.size() < 160_000 && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertEquals(160_000, got.size(), "every run delivered, one call each");
        hub.close();
    }

    // --- an observer that throws; closing ----------------------------------------------------------------------

    @Test
    void anObserverThatThrowsIsLoggedOncePerExceptionClassAndKeepsReceiving() throws Exception {
        captureLog();
        start(System::nanoTime);
        List<String> got = new CopyOnWriteArrayList<>();
        CountDownLatch seven = new CountDownLatch(7);
        SchedulerObserver throwing = new SchedulerObserver() {
            @Override
            public void runFinished(RunRecord run) {
                got.add(run.runId());
                seven.countDown();
                if (got.size() <= 3) {
                    throw new IllegalStateException("observer bug " + got.size());
                }
                if (got.size() == 4) {
                    throw new NoClassDefFoundError("com/example/Gone");
                }
            }

            @Override
            public String toString() {
                return "throwing";
            }
        };
        ObserverHub.Registration registration = observe(throwing);
        Events after = new Events("after");
        observe(after);
        registerProvider();
        List<String> runIds = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            runIds.add(trigger(MANUAL));
        }
        String marker = trigger(MARKER);
        assertTrue(seven.await(WAIT.toSeconds(), TimeUnit.SECONDS), "it got 7 runs: " + got);
        List<String> expected = new ArrayList<>(runIds);
        expected.add(marker);
        assertEquals(expected, got, "it got every run, those after its exceptions too");
        assertEquals(4, registration.failures());
        assertEquals(1, logged("Scheduler observer throwing threw java.lang.IllegalStateException"),
                "an exception class is logged once, not each time: " + captured);
        assertEquals(1, logged("Scheduler observer throwing threw java.lang.NoClassDefFoundError"), captured::toString);
    }

    @Test
    void closingStopsDeliveryAndTheThreadEvenOfABlockedObserverAndIsIdempotent() throws Exception {
        start(System::nanoTime);
        Events closed = new Events("closed");
        Blocking blocked = new Blocking("blocked");
        Events open = new Events("open");
        ObserverHub.Registration closedRegistration = observe(closed);
        ObserverHub.Registration blockedRegistration = observe(blocked);
        observe(open);
        registerProvider();
        String first = trigger(MANUAL);
        closed.until(first);
        assertTrue(blocked.blocked.await(WAIT.toSeconds(), TimeUnit.SECONDS));

        closedRegistration.close();
        closedRegistration.close();
        blockedRegistration.close();
        assertTrue(closedRegistration.awaitStopped(WAIT), "its thread ends");
        assertTrue(blockedRegistration.awaitStopped(WAIT), "a blocked observer's thread is interrupted and ends");
        closed.received.clear();
        String second = trigger(MANUAL);
        open.until(second);
        assertEquals(List.of(), List.copyOf(closed.received), "nothing after close");
        assertFalse(observe(new Events("new")).isClosed(), "others can still register");
    }

    @Test
    void stoppingTheEngineClosesEveryObserverAndRefusesNewOnes() throws Exception {
        start(System::nanoTime);
        ObserverHub.Registration registration = observe(new Events("until-stop"));
        registerProvider();
        engine.stop();
        assertTrue(registration.isClosed());
        assertTrue(registration.awaitStopped(WAIT));
        IllegalStateException refused = assertThrows(IllegalStateException.class,
                () -> engine.observe(new Events("too-late")));
        assertTrue(refused.getMessage().contains("stopped"), refused.getMessage());
        assertThrows(NullPointerException.class, () -> new ObserverHub(System::nanoTime).observe(null));
    }

    @Test
    void aClosedRegistrationIsRemovedFromTheHub() throws Exception {
        ObserverHub hub = new ObserverHub(System::nanoTime);
        ObserverHub.Registration r = hub.observe(new Events("one"));
        ObserverHub.Registration same = hub.observe(new Events("two"));
        assertEquals(2, hub.observers());
        r.close();
        assertEquals(1, hub.observers(), "a closed registration is removed");
        hub.close();
        assertEquals(0, hub.observers());
        assertTrue(same.isClosed() && same.awaitStopped(WAIT), "closing the hub closes every registration");
    }
}
