package org.pluginscheduler.web.api;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonNull;
import com.google.gson.JsonObject;
import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.util.Collection;
import java.util.Map;
import java.util.Optional;
import org.pluginscheduler.api.DeadLetter;
import org.pluginscheduler.api.MisfirePolicy;
import org.pluginscheduler.api.ProviderProblem;
import org.pluginscheduler.api.RetryPolicy;
import org.pluginscheduler.api.RunRecord;
import org.pluginscheduler.api.SchedulerStats;
import org.pluginscheduler.api.TaskDefinition;
import org.pluginscheduler.api.TaskInfo;

/**
 * The API's JSON shapes, built with Gson's tree model: instants as ISO-8601 text, durations as milliseconds in
 * fields ending {@code Ms}, absent values as {@code null}.
 */
public final class Json {

    public static final Gson GSON = new GsonBuilder().serializeNulls().disableHtmlEscaping().create();

    private Json() {
    }

    static JsonElement instant(Optional<Instant> instant) {
        return instant.<JsonElement>map(i -> new com.google.gson.JsonPrimitive(i.toString())).orElse(JsonNull.INSTANCE);
    }

    static JsonElement millis(Optional<Duration> duration) {
        return duration.<JsonElement>map(d -> new com.google.gson.JsonPrimitive(d.toMillis())).orElse(JsonNull.INSTANCE);
    }

    static JsonObject map(Map<String, String> map) {
        JsonObject o = new JsonObject();
        new java.util.TreeMap<>(map).forEach(o::addProperty);
        return o;
    }

    static JsonArray strings(Collection<String> values) {
        JsonArray a = new JsonArray();
        values.forEach(a::add);
        return a;
    }

    /** The list and detail view of a task (without its definition). */
    static JsonObject task(TaskInfo info, String description) {
        JsonObject o = new JsonObject();
        o.addProperty("id", info.id().toString());
        o.addProperty("owner", info.id().owner());
        o.addProperty("taskId", info.id().id());
        o.addProperty("tenant", info.id().tenant().orElse(null));
        o.addProperty("name", info.definition().map(TaskDefinition::name).orElse(info.id().id()));
        o.addProperty("state", info.state().name());
        o.addProperty("schedule", info.scheduleText());
        o.addProperty("scheduleDescription", description);
        o.addProperty("scheduleOverridden", info.scheduleOverridden());
        o.add("nextFire", instant(info.nextFire()));
        o.add("lastFire", instant(info.lastFire()));
        o.addProperty("lastStatus", info.lastStatus().map(Enum::name).orElse(null));
        o.addProperty("problem", info.problem().orElse(null));
        o.addProperty("ownerBundle", info.ownerBundle());
        return o;
    }

    static JsonObject definition(TaskDefinition d) {
        JsonObject o = new JsonObject();
        o.addProperty("id", d.id());
        o.addProperty("name", d.name());
        o.addProperty("description", d.description());
        o.addProperty("schedule", d.scheduleText());
        o.add("timeoutMs", millis(d.timeout()));
        o.add("retry", retry(d.retryPolicy()));
        o.addProperty("overlap", d.overlapPolicy().name());
        o.addProperty("priority", d.priority().name());
        o.addProperty("misfire", d.misfirePolicy().map(m -> m.kind().name()).orElse(null));
        o.addProperty("maxCatchUp", d.misfirePolicy().map(MisfirePolicy::maxCatchUp).orElse(null));
        o.add("lockKeys", strings(new java.util.TreeSet<>(d.lockKeys())));
        o.addProperty("group", d.group().orElse(null));
        o.addProperty("perTenant", d.perTenant());
        o.addProperty("deadLetter", d.deadLetterEligible());
        o.addProperty("enabledByDefault", d.enabledByDefault());
        o.add("config", map(d.config()));
        return o;
    }

    static JsonObject retry(RetryPolicy policy) {
        JsonObject o = new JsonObject();
        o.addProperty("maxRetries", policy.maxRetries());
        if (policy instanceof RetryPolicy.Fixed f) {
            o.addProperty("policy", "fixed");
            o.addProperty("delayMs", f.delay().toMillis());
        } else if (policy instanceof RetryPolicy.Linear l) {
            o.addProperty("policy", "linear");
            o.addProperty("initialMs", l.initial().toMillis());
            o.addProperty("incrementMs", l.increment().toMillis());
        } else if (policy instanceof RetryPolicy.Exponential e) {
            o.addProperty("policy", "exponential");
            o.addProperty("baseMs", e.base().toMillis());
            o.addProperty("factor", e.factor());
            o.addProperty("capMs", e.cap().toMillis());
            o.addProperty("jitter", e.jitter());
        } else {
            o.addProperty("policy", policy.getClass().getSimpleName());
        }
        return o;
    }

    static JsonObject run(RunRecord r) {
        JsonObject o = new JsonObject();
        o.addProperty("runId", r.runId());
        o.addProperty("taskId", r.taskId().toString());
        o.addProperty("trigger", r.trigger().name());
        o.addProperty("attempt", r.attempt());
        o.addProperty("status", r.status().name());
        o.addProperty("scheduledAt", r.scheduledTime().toString());
        o.add("startedAt", instant(r.startTime()));
        o.add("endedAt", instant(r.endTime()));
        o.add("durationMs", millis(r.duration()));
        o.add("lagMs", millis(r.lag()));
        o.addProperty("message", r.message());
        o.add("data", map(r.data()));
        o.add("arguments", map(r.arguments()));
        return o;
    }

    static JsonObject deadLetter(DeadLetter d) {
        JsonObject o = new JsonObject();
        o.addProperty("runId", d.runId());
        o.addProperty("taskId", d.taskId().toString());
        o.add("arguments", map(d.arguments()));
        o.addProperty("lastError", d.lastError());
        o.addProperty("attempts", d.attempts());
        o.addProperty("firstAttempt", d.firstAttempt().toString());
        o.addProperty("lastAttempt", d.lastAttempt().toString());
        return o;
    }

    static JsonArray fires(Collection<ZonedDateTime> fires) {
        JsonArray a = new JsonArray();
        fires.forEach(f -> a.add(f.toOffsetDateTime().toString()));
        return a;
    }

    static JsonObject stats(SchedulerStats s) {
        JsonObject o = new JsonObject();
        o.addProperty("since", s.since().toString());
        JsonObject byStatus = new JsonObject();
        new java.util.TreeMap<>(s.runsByStatus()).forEach((k, v) -> byStatus.addProperty(k.name(), v));
        o.add("runsByStatus", byStatus);
        JsonObject lag = new JsonObject();
        lag.addProperty("samples", s.lag().samples());
        lag.addProperty("p50Ms", s.lag().p50().toMillis());
        lag.addProperty("p90Ms", s.lag().p90().toMillis());
        lag.addProperty("p99Ms", s.lag().p99().toMillis());
        lag.addProperty("maxMs", s.lag().max().toMillis());
        o.add("lag", lag);
        JsonArray pools = new JsonArray();
        for (SchedulerStats.Pool p : s.pools()) {
            JsonObject pool = new JsonObject();
            pool.addProperty("priority", p.priority().name());
            pool.addProperty("threads", p.threads());
            pool.addProperty("active", p.active());
            pool.addProperty("queued", p.queued());
            pool.addProperty("extra", p.extra());
            pools.add(pool);
        }
        o.add("pools", pools);
        o.addProperty("stuckRuns", s.stuckRuns());
        o.addProperty("pendingRetries", s.pendingRetries());
        o.addProperty("heldLocks", s.heldLocks());
        o.addProperty("paused", s.paused());
        o.addProperty("executing", s.executing());
        o.addProperty("heldRuns", s.heldRuns());
        o.add("history", s.history().<JsonElement>map(Json::history).orElse(JsonNull.INSTANCE));
        JsonArray owners = new JsonArray();
        for (SchedulerStats.OwnerUsage u : s.owners()) {
            JsonObject owner = new JsonObject();
            owner.addProperty("owner", u.owner());
            owner.addProperty("priority", u.priority().name());
            owner.addProperty("running", u.running());
            owner.addProperty("queued", u.queued());
            owner.addProperty("stuck", u.stuck());
            owner.addProperty("share", u.share());
            owners.add(owner);
        }
        o.add("owners", owners);
        JsonArray problems = new JsonArray();
        for (ProviderProblem p : s.providerProblems()) {
            JsonObject problem = new JsonObject();
            problem.addProperty("owner", p.owner());
            problem.addProperty("provider", p.provider());
            problem.addProperty("since", p.since().toString());
            problem.addProperty("reason", p.reason());
            problems.add(problem);
        }
        o.add("providerProblems", problems);
        return o;
    }

    private static JsonObject history(SchedulerStats.History h) {
        JsonObject o = new JsonObject();
        o.addProperty("store", h.store());
        o.addProperty("maxRunsPerTask", h.maxRunsPerTask());
        o.add("maxAgeMs", millis(h.maxAge()));
        o.addProperty("pruned", h.pruned());
        o.add("lastPass", instant(h.lastPass()));
        o.addProperty("lastPassTookMs", h.lastPassTook().toMillis());
        o.addProperty("behind", h.behind());
        o.addProperty("mostBehind", h.mostBehind());
        o.addProperty("sizeBytes", h.sizeBytes());
        return o;
    }
}
