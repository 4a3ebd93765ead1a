package org.pluginscheduler.testkit;

import java.lang.annotation.Annotation;
import java.lang.reflect.Array;
import java.lang.reflect.Field;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.Map;

import org.pluginscheduler.api.TaskSchedule;

/**
 * The component properties a component property type annotation gives its component, by the Declarative Services
 * rules (OSGi Compendium 112.8.2) that bnd applies when it writes the component description: the {@code PREFIX_}
 * constant is prepended; in element names {@code $$} becomes {@code $}, {@code $_$} becomes {@code -}, another
 * {@code $} is dropped, {@code __} becomes {@code _} and {@code _} becomes {@code .}; the {@code value} element of
 * a single-element annotation (every other element has a default) is named after the annotation type
 * ({@code TaskSchedule} gives {@code task.schedule}); enums become their names, classes their names, arrays arrays
 * of those; every element is a property, defaults included, except an empty array (bnd writes none).
 *
 * <p>{@link TaskHarness} uses it only where no component description bnd wrote is at hand ({@link ComponentXml}
 * reads those): a class of the test sources, or a build that has not run bnd.
 */
final class ComponentProperties {

    private ComponentProperties() {
    }

    /**
     * @return the component properties of {@code type}'s {@link TaskSchedule}, plus {@code component.name} (the
     *         class name, the DS default)
     * @throws IllegalArgumentException if the class carries no {@code @TaskSchedule}
     */
    static Map<String, Object> ofTaskService(Class<?> type) {
        TaskSchedule schedule = type.getAnnotation(TaskSchedule.class);
        if (schedule == null) {
            throw new IllegalArgumentException(type.getName() + " carries no @" + TaskSchedule.class.getSimpleName()
                    + ": give its properties with task(service, properties)");
        }
        Map<String, Object> properties = new LinkedHashMap<>(of(schedule));
        properties.put("component.name", type.getName());
        return properties;
    }

    /** @return the properties that {@code annotation}, a component property type, gives its component */
    static Map<String, Object> of(Annotation annotation) {
        Class<? extends Annotation> type = annotation.annotationType();
        String prefix = prefix(type);
        Method[] elements = type.getDeclaredMethods();
        Arrays.sort(elements, Comparator.comparing(Method::getName)); // no declared order by reflection
        boolean singleElement = Arrays.stream(elements).anyMatch(m -> m.getName().equals("value"))
                && Arrays.stream(elements).allMatch(m -> m.getName().equals("value") || m.getDefaultValue() != null);
        Map<String, Object> properties = new LinkedHashMap<>();
        for (Method element : elements) {
            if (Modifier.isStatic(element.getModifiers()) || element.getParameterCount() > 0) {
                continue;
            }
            String name = singleElement && element.getName().equals("value") ? typeName(type.getSimpleName())
                    : elementName(element.getName());
            Object value = value(invoke(annotation, element));
            if (value instanceof Object[] array && array.length == 0) {
                continue; // bnd writes no property for an empty array
            }
            properties.put(prefix + name, value);
        }
        return properties;
    }

    private static String prefix(Class<?> type) {
        try {
            Field field = type.getField("PREFIX_");
            Object value = field.get(null);
            return value instanceof String s ? s : "";
        } catch (NoSuchFieldException e) {
            return "";
        } catch (IllegalAccessException e) {
            throw new IllegalStateException("cannot read " + type.getName() + ".PREFIX_", e);
        }
    }

    /** {@code TaskSchedule} → {@code task.schedule}: a dot where a lower case letter meets an upper case one. */
    static String typeName(String simpleName) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < simpleName.length(); i++) {
            char c = simpleName.charAt(i);
            if (i > 0 && Character.isUpperCase(c) && Character.isLowerCase(simpleName.charAt(i - 1))) {
                b.append('.');
            }
            b.append(Character.toLowerCase(c));
        }
        return b.toString();
    }

    /** {@code retry_delay} → {@code retry.delay}, {@code a__b} → {@code a_b}, {@code a$_$b} → {@code a-b}. */
    static String elementName(String name) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (c == '$') {
                if (name.startsWith("$_$", i)) {
                    b.append('-');
                    i += 2;
                } else if (name.startsWith("$$", i)) {
                    b.append('$');
                    i += 1;
                }
            } else if (c == '_') {
                if (name.startsWith("__", i)) {
                    b.append('_');
                    i += 1;
                } else {
                    b.append('.');
                }
            } else {
                b.append(c);
            }
        }
        return b.toString();
    }

    private static Object invoke(Annotation annotation, Method element) {
        try {
            element.setAccessible(true);
            return element.invoke(annotation);
        } catch (IllegalAccessException | InvocationTargetException e) {
            throw new IllegalStateException("cannot read " + annotation.annotationType().getName() + "."
                    + element.getName(), e);
        }
    }

    private static Object value(Object raw) {
        if (raw instanceof Enum<?> e) {
            return e.name();
        }
        if (raw instanceof Class<?> c) {
            return c.getName();
        }
        if (raw.getClass().isArray()) {
            int n = Array.getLength(raw);
            Class<?> component = raw.getClass().getComponentType();
            boolean named = component.isEnum() || component == Class.class || component == String.class;
            Object[] out = named ? new String[n] : new Object[n];
            for (int i = 0; i < n; i++) {
                out[i] = value(Array.get(raw, i));
            }
            return out;
        }
        return raw;
    }
}
