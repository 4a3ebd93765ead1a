package org.pluginscheduler.store.h2;

import org.pluginscheduler.api.store.TaskStoreException;

/** The store was closed (reconfigured or stopped) before the call did anything; it may be retried on its successor. */
final class StoreClosedException extends TaskStoreException {
    private static final long serialVersionUID = 1L;

    StoreClosedException(String message) {
        super(message);
    }
}
