package org.pluginscheduler.store.h2;

import java.util.Map;

/** Builds {@link H2StoreConfiguration}s as DS would: the given values, else each attribute's default. */
final class Configs {

    private Configs() {
    }

    /**
     * @param values by method name (e.g. {@code max_age_days}, {@code _password}) or by property name
     * @return the raw properties Declarative Services would pass: {@code _} read as {@code .}
     */
    static Map<String, Object> of(Map<String, ?> values) {
        Map<String, Object> properties = new java.util.HashMap<>();
        values.forEach((k, v) -> properties.put(k.replace('_', '.'), v));
        return properties;
    }
}
