package org.pluginscheduler.bench;

import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.ChainedOptionsBuilder;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;
import org.pluginscheduler.impl.schedule.NextFireBenchmark;

/** P6: runs {@link NextFireBenchmark} with JMH and returns µs per operation for every benchmark and parameter set. */
final class Micro {

    private Micro() {
    }

    static Map<String, Double> run(Sizes z) throws Exception {
        ChainedOptionsBuilder options = new OptionsBuilder()
                .include(NextFireBenchmark.class.getName() + "\\.")
                .timeUnit(TimeUnit.MICROSECONDS)
                .shouldFailOnError(true);
        if (z.jmhIterations() == 0) {
            // smoke: in this JVM, one short iteration each, fewer parameters
            options.forks(0).warmupIterations(0).measurementIterations(1)
                    .measurementTime(TimeValue.milliseconds(50))
                    .param("distance", "P365D");
        } else {
            // forks, warm-up and iterations as annotated on the benchmark (one fork; three for the single shots)
            options.jvmArgsAppend("-Xms1g", "-Xmx1g");
        }
        Collection<RunResult> results = new Runner(options.build()).run();
        Map<String, Double> r = new LinkedHashMap<>();
        for (RunResult result : results) {
            String name = result.getParams().getBenchmark();
            name = name.substring(name.lastIndexOf('.') + 1);
            StringBuilder key = new StringBuilder(name);
            for (String p : result.getParams().getParamsKeys()) {
                key.append('|').append(result.getParams().getParam(p));
            }
            r.put(key.toString(), result.getPrimaryResult().getScore());
        }
        return r;
    }
}
