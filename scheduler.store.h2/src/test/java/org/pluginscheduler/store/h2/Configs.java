package org.pluginscheduler.store.h2;

import java.lang.reflect.Proxy;
import java.util.Map;

/** Builds {@link H2StoreConfiguration}s as DS would: the given values, else each attribute's default. */
final class Configs {

    private Configs() {
    }

    /** @param values by method name (e.g. {@code max_age_days}); a {@link RuntimeException} value is thrown */
    static H2StoreConfiguration of(Map<String, Object> values) {
        return (H2StoreConfiguration) Proxy.newProxyInstance(H2StoreConfiguration.class.getClassLoader(),
                new Class<?>[] {H2StoreConfiguration.class}, (proxy, method, args) -> {
                    if (method.getName().equals("toString")) {
                        return "config " + values.keySet();
                    }
                    if (method.getName().equals("annotationType")) {
                        return H2StoreConfiguration.class;
                    }
                    Object value = values.containsKey(method.getName()) ? values.get(method.getName())
                            : method.getDefaultValue();
                    if (value instanceof RuntimeException e) {
                        throw e;
                    }
                    return value;
                });
    }
}
