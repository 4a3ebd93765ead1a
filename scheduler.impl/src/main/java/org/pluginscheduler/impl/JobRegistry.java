package org.pluginscheduler.impl;

import java.util.HashMap;
import java.util.Map;

import org.osgi.framework.Constants;
import org.osgi.framework.ServiceReference;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.pluginscheduler.api.TaskAction;
import org.pluginscheduler.api.TaskId;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The registry of configuration-defined jobs: which configuration defines which job id (an id is claimed by one
 * configuration at a time), the job handler services ({@link TaskAction} with {@value TaskAction#HANDLER_PROPERTY},
 * a whiteboard looked up at each run), and deleting the configuration (and its etc/ file) of a job an
 * administrator removes. Used by each {@link JobComponent} and by {@link ScopedTaskScheduler#removeTask}.
 * Registered as a service of its own class; the package is private.
 */
@Component(service = JobRegistry.class)
public final class JobRegistry {

    private static final Logger LOG = LoggerFactory.getLogger(JobRegistry.class);

    private final Map<TaskId, String> jobs = new HashMap<>(); // job id -> configuration pid; guarded by this
    private final Map<Long, ServiceReference<TaskAction>> handlerRefs = new HashMap<>(); // guarded by this
    private final Map<Long, TaskAction> handlerServices = new HashMap<>(); // guarded by this
    private volatile org.osgi.service.cm.ConfigurationAdmin configurationAdmin;

    /** Reserves a job id for a configuration. @throws IllegalArgumentException if another configuration has it */
    synchronized void claimJob(TaskId id, String pid) {
        String owner = jobs.get(id);
        if (owner != null && !owner.equals(pid)) {
            throw new IllegalArgumentException("id: job " + id + " is already defined by configuration " + owner);
        }
        jobs.put(id, pid);
    }

    synchronized void releaseJob(TaskId id, String pid) {
        jobs.remove(id, pid);
    }

    /**
     * Deletes the configuration that defines a job (and its file in etc/, if FileInstall made it), which removes
     * the job.
     *
     * @return false if no configuration defines it
     */
    boolean deleteJob(TaskId id) {
        String pid;
        synchronized (this) {
            pid = jobs.get(id);
        }
        org.osgi.service.cm.ConfigurationAdmin cm = configurationAdmin;
        if (pid == null || cm == null) {
            return false;
        }
        try {
            if (cm.listConfigurations("(" + Constants.SERVICE_PID + "=" + pid + ")") == null) {
                return false; // deleted meanwhile: getConfiguration would make a new, empty one
            }
            org.osgi.service.cm.Configuration configuration = cm.getConfiguration(pid, "?");
            Object file = configuration.getProperties() == null ? null
                    : configuration.getProperties().get("felix.fileinstall.filename");
            configuration.delete();
            if (file != null) {
                java.nio.file.Path path = java.nio.file.Path.of(java.net.URI.create(String.valueOf(file)));
                java.nio.file.Files.deleteIfExists(path);
                LOG.info("Deleted {} with the configuration of job {}", path, id);
            }
            return true;
        } catch (java.io.IOException | org.osgi.framework.InvalidSyntaxException | RuntimeException e) {
            throw new IllegalStateException("could not delete configuration " + pid + " of job " + id + ": "
                    + e.getMessage(), e);
        }
    }

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC)
    void bindConfigurationAdmin(org.osgi.service.cm.ConfigurationAdmin cm) {
        configurationAdmin = cm;
    }

    void unbindConfigurationAdmin(org.osgi.service.cm.ConfigurationAdmin cm) {
        if (configurationAdmin == cm) {
            configurationAdmin = null;
        }
    }

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC,
            target = "(" + TaskAction.HANDLER_PROPERTY + "=*)")
    synchronized void bindHandler(TaskAction action, ServiceReference<TaskAction> reference) {
        long id = (Long) reference.getProperty(Constants.SERVICE_ID);
        handlerRefs.put(id, reference);
        handlerServices.put(id, action);
    }

    synchronized void unbindHandler(ServiceReference<TaskAction> reference) {
        long id = (Long) reference.getProperty(Constants.SERVICE_ID);
        handlerRefs.remove(id);
        handlerServices.remove(id);
    }

    /** @return the job handler of this name (the highest-ranked if several), or null */
    synchronized TaskAction handler(String name) {
        return handlerRefs.entrySet().stream()
                .filter(e -> name.equals(String.valueOf(e.getValue().getProperty(TaskAction.HANDLER_PROPERTY))))
                .max((a, b) -> a.getValue().compareTo(b.getValue()))
                .map(e -> handlerServices.get(e.getKey())).orElse(null);
    }
}
