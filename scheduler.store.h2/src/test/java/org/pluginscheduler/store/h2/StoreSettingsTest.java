package org.pluginscheduler.store.h2;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class StoreSettingsTest {

    @Test
    void defaultsAreAFileUnderDataWithoutAServer() {
        StoreSettings s = StoreSettings.from(Configs.of(Map.of()));
        assertEquals(StoreSettings.DEFAULTS, s);
        assertEquals("jdbc:h2:file:./data/scheduler", s.url());
        assertEquals("./data/scheduler.mv.db", s.location().file().orElseThrow());
        assertFalse(s.location().remote());
        assertTrue(s.location().resource().startsWith("database file ./data/scheduler.mv.db ("),
                s.location().resource());
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "max_age_days | 0 | max.age.days: 0 is not in 1–36500",
        "max_runs_per_task | 0 | max.runs.per.task: 0 is not in 1–10000000",
        "prune_interval_minutes | -5 | prune.interval.minutes: -5 is not in 1–10080",
        "group_commit_max_batch | 0 | group.commit.max.batch: 0 is not in 1–10000",
        "group_commit_max_wait_ms | 5000 | group.commit.max.wait.ms: 5000 is not in 0–1000"})
    void aBadNumberIsReportedWithItsFieldName(String method, int value, String message) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> StoreSettings.from(Configs.of(Map.of(method, value))));
        assertEquals(message, e.getMessage());
    }

    /** What Declarative Services could not convert (or read as false) is a problem naming field and value. */
    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "max.age.days | ten | max.age.days: 'ten' is not a whole number",
        "max.runs.per.task | 99999999999 | max.runs.per.task: '99999999999' is not in 1–10000000",
        "prune.interval.minutes | 1.5 | prune.interval.minutes: '1.5' is not a whole number",
        "group.commit.max.batch | 10001 | group.commit.max.batch: '10001' is not in 1–10000",
        "sync.to.disk | maybe | sync.to.disk: 'maybe' is not true or false",
        "sync.to.disk | yes | sync.to.disk: 'yes' is not true or false"})
    void aValueDsCannotConvertIsReportedWithItsFieldAndValue(String key, String value, String message) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> StoreSettings.from(Map.of(key, value)));
        assertEquals(message, e.getMessage());
    }

    @Test
    void booleansAreStrictButIgnoreCaseAndUnknownKeysAreNamed() {
        assertTrue(StoreSettings.from(Map.of("sync.to.disk", "TRUE")).syncToDisk());
        assertTrue(StoreSettings.from(Map.of("sync.to.disk", Boolean.TRUE)).syncToDisk());
        assertEquals(Map.of("sync.to.dsk", "sync.to.disk", "max_age_days", "max.age.days"),
                StoreSettings.reader(Map.of("sync.to.dsk", "true", "max_age_days", "3", ".password", "x",
                        "service.pid", "p", "felix.fileinstall.filename", "f", "dataSourceFactory.target", "(x=y)"))
                        .unknownKeys());
    }

    @Test
    void theFieldOfAnOpenFailureIsNamed() {
        assertEquals("url", H2TaskStoreComponent.field(new org.pluginscheduler.api.store.TaskStoreException(
                "cannot reach tcp://localhost:1/x (Connection refused): is its server running?", null)));
        assertEquals("user, .password", H2TaskStoreComponent.field(
                new org.pluginscheduler.api.store.TaskStoreException("wrong user or password for x", null)));
    }

    @Test
    void onlyH2UrlsAreAccepted() {
        assertEquals("url: 'jdbc:postgresql://db/x' is not an H2 URL (jdbc:h2:...)", assertThrows(
                IllegalArgumentException.class, () -> StoreSettings.from(Configs.of(Map.of("url",
                        "jdbc:postgresql://db/x")))).getMessage());
        assertTrue(assertThrows(IllegalArgumentException.class,
                () -> StoreSettings.from(Configs.of(Map.of("url", " ")))).getMessage().startsWith("url: "));
    }

    @Test
    void aWriteDelayOtherThanZeroIsRejected() {
        assertEquals("url: WRITE_DELAY=500 would let H2 acknowledge commits it has not written yet; remove it "
                + "(the store sets WRITE_DELAY=0)", assertThrows(IllegalArgumentException.class,
                () -> StoreSettings.from(Configs.of(Map.of("url", "jdbc:h2:file:./data/x;write_delay = 500"))))
                .getMessage());
        assertEquals("jdbc:h2:file:./data/x;WRITE_DELAY=0",
                StoreSettings.from(Configs.of(Map.of("url", "jdbc:h2:file:./data/x;WRITE_DELAY=0"))).url());
    }

    @Test
    void thePasswordIsMaskedWhereverSettingsArePrinted() {
        StoreSettings s = StoreSettings.from(Configs.of(Map.of("_password", "hunter2-secret",
                "url", "jdbc:h2:file:./data/x;PASSWORD=in-url-secret")));
        assertFalse(s.toString().contains("hunter2-secret"), s.toString());
        assertFalse(s.toString().contains("in-url-secret"), s.toString());
        assertTrue(s.toString().contains(".password=****"), s.toString());
        assertFalse(s.location().resource().contains("in-url-secret"));
        String rejected = assertThrows(IllegalArgumentException.class, () -> StoreSettings.from(Configs.of(
                Map.of("url", "jdbc:other:x;password=in-url-secret")))).getMessage();
        assertFalse(rejected.contains("in-url-secret"), rejected);
    }

    @Test
    void connectionFieldsDecideWhetherAnotherDatabaseIsOpened() {
        StoreSettings s = StoreSettings.DEFAULTS;
        assertTrue(s.sameDatabase(StoreSettings.from(Configs.of(Map.of("max_age_days", 3,
                "group_commit_max_batch", 10)))));
        assertFalse(s.sameDatabase(StoreSettings.from(Configs.of(Map.of("url", "jdbc:h2:file:./data/other")))));
        assertFalse(s.sameDatabase(StoreSettings.from(Configs.of(Map.of("_password", "x")))));
        assertFalse(s.sameDatabase(StoreSettings.from(Configs.of(Map.of("sync_to_disk", true)))));
    }

    @Test
    void anEmbeddedDatabaseIsClosedByTheStoreNotByH2sShutdownHook() {
        assertEquals("jdbc:h2:file:./data/scheduler;DB_CLOSE_ON_EXIT=FALSE", StoreSettings.DEFAULTS.connectUrl());
        assertEquals("jdbc:h2:file:./x;db_close_on_exit=true", StoreSettings.from(Configs.of(Map.of("url",
                "jdbc:h2:file:./x;db_close_on_exit=true"))).connectUrl(), "an explicit choice is kept");
        assertEquals("jdbc:h2:tcp://host/~/x", StoreSettings.from(Configs.of(Map.of("url",
                "jdbc:h2:tcp://host/~/x"))).connectUrl(), "the server decides");
    }

    @Test
    void locationsNameTheFileOrTheUrl() {
        assertEquals("database jdbc:h2:mem:x", new DatabaseLocation("jdbc:h2:mem:x").resource());
        assertEquals("database jdbc:h2:tcp://host/~/x;PASSWORD=****",
                new DatabaseLocation("jdbc:h2:tcp://host/~/x;PASSWORD=abc").resource());
        assertTrue(new DatabaseLocation("jdbc:h2:tcp://host/~/x").remote());
        assertTrue(new DatabaseLocation("jdbc:h2:./x;AUTO_SERVER=TRUE").remote());
        assertEquals("/srv/db/sched.mv.db", new DatabaseLocation("jdbc:h2:/srv/db/sched;MODE=x").file().orElseThrow());
        assertEquals("database file /srv/db/sched.mv.db",
                new DatabaseLocation("jdbc:h2:file:/srv/db/sched").resource());
    }
}
