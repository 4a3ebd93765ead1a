package org.pluginscheduler.impl.store;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/** Configuration of the in-memory task store, PID {@value #PID}. */
@ObjectClassDefinition(id = MemoryStoreConfiguration.PID, name = "Plugin Scheduler in-memory store",
        description = "The default task store: state and run history in memory, lost on restart.")
@interface MemoryStoreConfiguration {

    String PID = "org.pluginscheduler.store.memory";

    @AttributeDefinition(name = "Runs kept per task", min = "1", max = "100000",
            description = "The newest runs of each task that are kept; older finished runs are dropped.")
    int max_runs_per_task() default 200;
}
