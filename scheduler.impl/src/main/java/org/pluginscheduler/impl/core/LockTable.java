package org.pluginscheduler.impl.core;

import java.util.HashMap;
import java.util.Map;
import java.util.Set;

/**
 * Named locks held by runs. All-or-nothing: a run gets every key it asks for or none. Not thread-safe: used under
 * the engine's lock.
 */
final class LockTable {

    private final Map<String, Object> holders = new HashMap<>();

    /** @return the key that is held by someone else, or null if every key was acquired for {@code owner} */
    String tryAcquire(Set<String> keys, Object owner) {
        for (String key : keys) {
            Object holder = holders.get(key);
            if (holder != null && holder != owner) {
                return key;
            }
        }
        keys.forEach(k -> holders.put(k, owner));
        return null;
    }

    void release(Set<String> keys, Object owner) {
        keys.forEach(k -> holders.remove(k, owner));
    }

    /** @return key → holder description, for stats */
    Map<String, String> held() {
        Map<String, String> copy = new HashMap<>();
        holders.forEach((k, v) -> copy.put(k, String.valueOf(v)));
        return copy;
    }
}
