package org.pluginscheduler.monitor;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.IntSupplier;

import org.pluginscheduler.api.TaskId;

/**
 * Bounds the cardinality of the per-task metrics: the first {@code max} distinct tasks seen get their own label
 * value (the qualified task id), every further task is counted under {@value #OTHER}. A task once admitted keeps
 * its label for the life of the metrics (its series must not jump between labels). Run ids never become labels.
 *
 * <p>Thread-safe; the limit is read at each admission, so lowering it stops new admissions only.
 */
final class TaskLabels {

    /** The label value of the tasks beyond the limit. */
    static final String OTHER = "_other";

    private final Set<String> admitted = ConcurrentHashMap.newKeySet();
    private final IntSupplier max;

    /** @param max the most distinct task label values, read at each admission */
    TaskLabels(IntSupplier max) {
        this.max = max;
    }

    /** @return the task label of {@code id}: its qualified id, or {@value #OTHER} once the limit is reached */
    String label(TaskId id) {
        String text = id.toString();
        if (admitted.contains(text)) {
            return text;
        }
        synchronized (admitted) {
            if (admitted.contains(text)) {
                return text;
            }
            if (admitted.size() >= max.getAsInt()) {
                return OTHER;
            }
            admitted.add(text);
            return text;
        }
    }

    /** @return how many tasks have a label of their own */
    int size() {
        return admitted.size();
    }
}
