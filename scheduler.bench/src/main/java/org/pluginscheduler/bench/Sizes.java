package org.pluginscheduler.bench;

/**
 * The sizes of every workload: the full run (issue 6's numbers) or a seconds-long smoke that only proves every
 * workload still runs end to end.
 *
 * @param threads       worker threads, the same for every scheduler (ours: worker.threads; Quartz: threadCount;
 *                      db-scheduler: threads)
 * @param throughputRuns P1/P2: one-shot executions measured
 * @param warmupRuns    P1/P2: executions run first and not measured (JIT, connection pools, database caches)
 * @param peerCapSeconds P1/P2: a peer still running after this long is stopped and rated on what it completed
 * @param lagTasks      P3: tasks, each firing every second
 * @param lagSeconds    P3: measured seconds
 * @param lagWarmupSeconds P3: seconds run first and not measured
 * @param scaleTasks    P4: tasks one bundle registers (timing)
 * @param heapTasks     P4: tasks registered to measure heap per task
 * @param coldStarts    P5: process starts (median reported)
 * @param jmhIterations P6: JMH measurement iterations (0: smoke, one short iteration in this JVM)
 * @param webTasks      W1: tasks listed through the REST API
 * @param webRequests   W1: measured requests of each kind
 * @param webWarmup     W1: requests of each kind sent first and not measured (Jetty, JIT, the client's connection)
 */
record Sizes(boolean smoke, int threads, int throughputRuns, int warmupRuns, int peerCapSeconds, int lagTasks,
             int lagSeconds, int lagWarmupSeconds, int scaleTasks, int heapTasks, int coldStarts, int jmhIterations,
             int webTasks, int webRequests, int webWarmup) {

    static Sizes full(int threads, int lagSeconds) {
        return new Sizes(false, threads, 100_000, 5_000, 60, 10_000, lagSeconds, 5, 10_000, 100_000, 5, 5,
                10_000, 500, 200);
    }

    static Sizes smoke(int threads) {
        return new Sizes(true, threads, 1_000, 100, 3, 200, 1, 1, 500, 2_000, 1, 0, 500, 20, 5);
    }

    String[] toArgs() {
        return new String[] {"--sizes", smoke + "," + threads + "," + throughputRuns + "," + warmupRuns + ","
                + peerCapSeconds + "," + lagTasks + "," + lagSeconds + "," + lagWarmupSeconds + "," + scaleTasks + ","
                + heapTasks + "," + coldStarts + "," + jmhIterations + "," + webTasks + "," + webRequests + ","
                + webWarmup};
    }

    static Sizes parse(String text) {
        String[] p = text.split(",");
        return new Sizes(Boolean.parseBoolean(p[0]), Integer.parseInt(p[1]), Integer.parseInt(p[2]),
                Integer.parseInt(p[3]), Integer.parseInt(p[4]), Integer.parseInt(p[5]), Integer.parseInt(p[6]),
                Integer.parseInt(p[7]), Integer.parseInt(p[8]), Integer.parseInt(p[9]), Integer.parseInt(p[10]),
                Integer.parseInt(p[11]), Integer.parseInt(p[12]), Integer.parseInt(p[13]), Integer.parseInt(p[14]));
    }
}
