package org.pluginscheduler.impl.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.pluginscheduler.api.RunRecord;
import org.pluginscheduler.api.RunStatus;
import org.pluginscheduler.api.RunTrigger;
import org.pluginscheduler.api.TaskId;
import org.pluginscheduler.api.store.PendingRun;
import org.pluginscheduler.api.store.RunBatch;
import org.pluginscheduler.api.store.TaskStore;
import org.pluginscheduler.impl.store.InMemoryTaskStore;

/**
 * The batching run recorder: completions run once their record is stored and never on the caller's thread, a
 * RUNNING record superseded within its batch is not written, a failing store reaches the completion as "not
 * stored", a slow store pushes back on the callers, and closing drains everything. Real threads, synchronised
 * with latches (no timing).
 */
class RunRecorderTest {

    private static final TaskId ID = TaskId.parse("p:t");
    private static final Instant T0 = Instant.parse("2026-06-01T10:00:00Z");

    /** A store whose batch writes can be held at a gate and made to fail; remembers every batch. */
    private static final class GatedStore {
        final InMemoryTaskStore memory = new InMemoryTaskStore(1_000_000);
        final List<List<RunRecord>> batches = new CopyOnWriteArrayList<>();
        final List<RunBatch> writes = new CopyOnWriteArrayList<>();
        volatile CountDownLatch gate = new CountDownLatch(0);
        final CountDownLatch entered = new CountDownLatch(1);
        volatile RuntimeException failure;
        final TaskStore proxy = (TaskStore) Proxy.newProxyInstance(TaskStore.class.getClassLoader(),
                new Class<?>[] {TaskStore.class}, (self, method, args) -> {
                    if (method.getName().equals("write")) {
                        write((RunBatch) args[0]);
                        return null;
                    }
                    try {
                        return method.invoke(memory, args);
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    }
                });

        private void write(RunBatch batch) throws InterruptedException {
            entered.countDown();
            assertTrue(gate.await(10, TimeUnit.SECONDS), "gate never opened");
            if (failure != null) {
                throw failure;
            }
            batches.add(batch.runs());
            writes.add(batch);
            memory.write(batch);
        }

        Optional<RunRecord> run(String runId) {
            return memory.run(runId);
        }
    }

    private final GatedStore store = new GatedStore();
    private RunRecorder recorder;

    @AfterEach
    void close() {
        store.gate = new CountDownLatch(0);
        if (recorder != null) {
            recorder.close();
        }
    }

    private static RunRecord run(String runId, RunStatus status) {
        return new RunRecord(runId, ID, RunTrigger.SUBMISSION, 1, status, T0, Optional.of(T0),
                status == RunStatus.RUNNING ? Optional.empty() : Optional.of(T0), "", Map.of(), Map.of());
    }

    @Test
    void aCompletionRunsOnTheRecorderThreadOnceItsRecordIsStoredAndTheCallerDoesNotWait() throws Exception {
        recorder = new RunRecorder(() -> store.proxy, true);
        store.gate = new CountDownLatch(1);
        CountDownLatch completed = new CountDownLatch(1);
        AtomicReference<Thread> completedOn = new AtomicReference<>();
        AtomicBoolean storedFirst = new AtomicBoolean();
        recorder.recordThen(run("r1", RunStatus.SUCCEEDED), stored -> {
            completedOn.set(Thread.currentThread());
            storedFirst.set(stored && store.run("r1").isPresent());
            completed.countDown();
        });
        // returned although the store is still held
        assertTrue(store.entered.await(10, TimeUnit.SECONDS));
        assertEquals(1, completed.getCount(), "acknowledged before the record was stored");
        store.gate.countDown();
        assertTrue(completed.await(10, TimeUnit.SECONDS));
        assertTrue(storedFirst.get());
        assertNotSame(Thread.currentThread(), completedOn.get());
        assertEquals("task-run-recorder", completedOn.get().getName());
    }

    @Test
    void aRunningRecordWhoseFinalRecordIsInTheSameBatchIsNotWritten() throws Exception {
        recorder = new RunRecorder(() -> store.proxy, true);
        store.gate = new CountDownLatch(1);
        recorder.recordLater(run("first", RunStatus.SUCCEEDED)); // holds the thread in the store
        assertTrue(store.entered.await(10, TimeUnit.SECONDS));
        CountDownLatch done = new CountDownLatch(1);
        recorder.recordLater(run("r1", RunStatus.RUNNING));
        recorder.recordLater(run("r2", RunStatus.RUNNING));
        recorder.recordThen(run("r1", RunStatus.FAILED), stored -> done.countDown());
        store.gate.countDown();
        assertTrue(done.await(10, TimeUnit.SECONDS));
        List<RunRecord> second = store.batches.get(1);
        assertEquals(List.of("r2:RUNNING", "r1:FAILED"), second.stream().map(r -> r.runId() + ":" + r.status())
                .toList(), "r1's RUNNING record is superseded in its batch; r2 is still running");
        assertEquals(RunStatus.FAILED, store.run("r1").orElseThrow().status());
        assertEquals(RunStatus.RUNNING, store.run("r2").orElseThrow().status());
    }

    /**
     * Under overload every fire of a busy task is skipped, faster than the store writes: the skips of a task still
     * waiting in the queue become one record that says how many fires it stands for, so the queue (and the store)
     * holds one skip per task, not one per fire, and a later final record does not wait behind thousands of skips.
     */
    @Test
    void skipsOfATaskThatWaitInTheQueueAreWrittenAsOneRecordThatCountsThem() throws Exception {
        recorder = new RunRecorder(() -> store.proxy, true);
        store.gate = new CountDownLatch(1);
        recorder.recordLater(run("first", RunStatus.SUCCEEDED)); // holds the thread in the store
        assertTrue(store.entered.await(10, TimeUnit.SECONDS));
        TaskId other = TaskId.parse("p:other");
        for (int i = 0; i < 1_000; i++) {
            recorder.recordSkippedFireLater(skip("a" + i, ID, T0.plusMillis(100L * i)));
        }
        recorder.recordSkippedFireLater(skip("b0", other, T0));
        // skips with an identity of their own are never merged: a refused trigger (its caller holds the run id)
        RunRecord refusedTrigger = new RunRecord("manual", ID, RunTrigger.MANUAL, 1, RunStatus.SKIPPED, T0,
                Optional.empty(), Optional.empty(), "skipped: the previous run is still running", Map.of(), Map.of());
        recorder.recordLater(refusedTrigger);
        CountDownLatch done = new CountDownLatch(1);
        recorder.recordThen(run("r1", RunStatus.SUCCEEDED), stored -> done.countDown());
        store.gate.countDown();
        assertTrue(done.await(10, TimeUnit.SECONDS));
        List<RunRecord> second = store.batches.get(1);
        assertEquals(List.of("a0:SKIPPED", "b0:SKIPPED", "manual:SKIPPED", "r1:SUCCEEDED"), second.stream()
                .map(r -> r.runId() + ":" + r.status()).toList(), "one record per task's queued skips, in order");
        RunRecord a = second.get(0);
        assertEquals(T0, a.scheduledTime(), "the first skipped fire");
        assertEquals("1000", a.data().get(RunRecorder.SKIPPED_FIRES));
        assertEquals(T0.plusMillis(99_900).toString(), a.data().get(RunRecorder.LAST_SKIPPED_FIRE));
        assertEquals("skipped: the previous run is still running (1000 fires skipped, the last at "
                + T0.plusMillis(99_900) + ")", a.message());
        assertEquals(Map.of(), second.get(1).data(), "a lone skip is written as it is");
        assertEquals("skipped: the previous run is still running", second.get(1).message());

        // once taken by the recorder, the next skip of the task is a record of its own again
        recorder.recordSkippedFireLater(skip("a-later", ID, T0.plusSeconds(200)));
        CountDownLatch later = new CountDownLatch(1);
        recorder.recordThen(run("r2", RunStatus.SUCCEEDED), stored -> later.countDown());
        assertTrue(later.await(10, TimeUnit.SECONDS));
        assertEquals(Map.of(), store.run("a-later").orElseThrow().data());
    }

    @Test
    void onlyTheSkipOfAScheduledFireCanBeMerged() {
        recorder = new RunRecorder(() -> store.proxy, true);
        RunRecord trigger = new RunRecord("t", ID, RunTrigger.MANUAL, 1, RunStatus.SKIPPED, T0, Optional.empty(),
                Optional.empty(), "", Map.of(), Map.of());
        assertThrows(IllegalArgumentException.class, () -> recorder.recordSkippedFireLater(trigger));
        assertThrows(IllegalArgumentException.class, () -> recorder.recordSkippedFireLater(run("r", RunStatus.FAILED)));
    }

    private static RunRecord skip(String runId, TaskId task, Instant scheduled) {
        return new RunRecord(runId, task, RunTrigger.SCHEDULE, 1, RunStatus.SKIPPED, scheduled, Optional.empty(),
                Optional.empty(), "skipped: the previous run is still running", Map.of(), Map.of());
    }

    @Test
    void aFailureAndItsRetryAreOneBatchAndAPendingRunEndedInTheSameBatchIsNotStoredAfterItsEnd() throws Exception {
        recorder = new RunRecorder(() -> store.proxy, true);
        store.gate = new CountDownLatch(1);
        recorder.recordLater(run("first", RunStatus.SUCCEEDED)); // holds the thread in the store
        assertTrue(store.entered.await(10, TimeUnit.SECONDS));
        PendingRun queued = PendingRun.of("q1", ID, RunTrigger.SCHEDULE, "fire:" + T0, T0, T0, 1, T0, Map.of(),
                java.util.Set.of());
        PendingRun retry = PendingRun.of("r2", ID, RunTrigger.RETRY, "retry:r1", T0.plusSeconds(60),
                T0.plusSeconds(60), 2, T0, Map.of(), java.util.Set.of());
        CountDownLatch done = new CountDownLatch(1);
        recorder.acceptLater(List.of(queued)); // accepted, then run and ended before the batch was written
        recorder.recordLater(run("q1", RunStatus.SUCCEEDED));
        recorder.recordThen(run("r1", RunStatus.FAILED), List.of(retry), null, stored -> done.countDown());
        store.gate.countDown();
        assertTrue(done.await(10, TimeUnit.SECONDS));
        assertEquals(2, store.writes.size(), "the held batch, then one batch for the rest");
        RunBatch second = store.writes.get(1);
        assertEquals(List.of("r2"), second.accepted().stream().map(PendingRun::runId).toList(),
                "q1 ended in the same batch: storing it after its record would make it pending again");
        assertEquals(List.of("r2"), store.memory.pendingRuns().stream().map(PendingRun::runId).toList());
    }

    @Test
    void aFailingStoreReachesTheCompletionAsNotStoredAndTheRecorderGoesOn() throws Exception {
        recorder = new RunRecorder(() -> store.proxy, true);
        store.failure = new IllegalStateException("disk full");
        AtomicReference<Boolean> first = new AtomicReference<>();
        CountDownLatch one = new CountDownLatch(1);
        recorder.recordThen(run("r1", RunStatus.SUCCEEDED), stored -> {
            first.set(stored);
            one.countDown();
        });
        assertTrue(one.await(10, TimeUnit.SECONDS));
        assertFalse(first.get());
        store.failure = null;
        assertTrue(recorder.record(run("r2", RunStatus.SUCCEEDED)), "the thread survived the failure");
        assertTrue(store.run("r2").isPresent());
    }

    @Test
    void aCompletionThatThrowsDoesNotStopTheRecorder() {
        recorder = new RunRecorder(() -> store.proxy, true);
        recorder.recordThen(run("r1", RunStatus.SUCCEEDED), stored -> {
            throw new IllegalStateException("bug in a completion");
        });
        assertTrue(recorder.record(run("r2", RunStatus.SUCCEEDED)));
    }

    @Test
    void aSlowStorePushesBackOnceTooManyRecordsWaitForTheirCompletion() throws Exception {
        recorder = new RunRecorder(() -> store.proxy, true);
        store.gate = new CountDownLatch(1);
        AtomicInteger completions = new AtomicInteger();
        AtomicInteger queued = new AtomicInteger();
        Thread producer = new Thread(() -> {
            for (int i = 0; i < RunRecorder.MAX_PENDING + 1; i++) {
                recorder.recordThen(run("r" + i, RunStatus.SUCCEEDED), stored -> completions.incrementAndGet());
                queued.incrementAndGet();
            }
        });
        producer.start();
        assertTrue(store.entered.await(10, TimeUnit.SECONDS));
        // the producer fills every permit, then waits for the held store
        assertEquals(Thread.State.WAITING, Blocked.await(producer));
        assertEquals(RunRecorder.MAX_PENDING, queued.get());
        store.gate.countDown();
        producer.join(10_000);
        assertFalse(producer.isAlive());
        recorder.close();
        assertEquals(RunRecorder.MAX_PENDING + 1, completions.get());
    }

    @Test
    void closingWritesWhatIsQueuedAndRunsItsCompletionsAfterwardsCallersWriteThemselves() throws Exception {
        recorder = new RunRecorder(() -> store.proxy, true);
        store.gate = new CountDownLatch(1);
        List<String> completed = new CopyOnWriteArrayList<>();
        recorder.recordLater(run("held", RunStatus.SUCCEEDED));
        assertTrue(store.entered.await(10, TimeUnit.SECONDS));
        for (int i = 0; i < 10; i++) {
            String runId = "r" + i;
            recorder.recordThen(run(runId, RunStatus.SUCCEEDED), stored -> completed.add(runId));
        }
        Thread closer = new Thread(recorder::close);
        closer.start();
        store.gate.countDown();
        closer.join(10_000);
        assertEquals(10, completed.size());
        // closed: the caller's own thread writes and completes
        AtomicReference<Thread> on = new AtomicReference<>();
        recorder.recordThen(run("late", RunStatus.SUCCEEDED), stored -> on.set(Thread.currentThread()));
        assertSame(Thread.currentThread(), on.get());
        assertTrue(store.run("late").isPresent());
    }

    @Test
    void withoutAThreadEveryRecordIsWrittenAndCompletedOnTheCallersThread() {
        recorder = new RunRecorder(() -> store.proxy, false);
        List<String> events = new ArrayList<>();
        recorder.recordThen(run("r1", RunStatus.SUCCEEDED), stored -> events.add("completed " + stored + " "
                + store.run("r1").isPresent()));
        assertEquals(List.of("completed true true"), events);
    }
}
