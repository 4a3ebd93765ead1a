package org.pluginscheduler.testkit;

import java.io.IOException;
import java.io.InputStream;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.CodeSource;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.jar.Manifest;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import javax.xml.XMLConstants;
import javax.xml.parsers.DocumentBuilder;
import javax.xml.parsers.DocumentBuilderFactory;
import javax.xml.parsers.ParserConfigurationException;

import org.w3c.dom.Element;
import org.w3c.dom.Node;
import org.xml.sax.SAXException;

/**
 * Declarative Services component descriptions as bnd writes them ({@code OSGI-INF/*.xml}, at process-classes, so in
 * {@code target/classes} when {@code mvn test} runs), read with the JDK's XML parser by the rules of OSGi Compendium
 * 112.4: {@code <property>} elements with their types (single values from {@code value}, several from the body's
 * non-blank lines, as arrays), {@code <properties entry>} files, later entries winning over earlier ones.
 */
final class ComponentXml {

    /** The namespaces of the component element, one per DS version (e.g. {@code .../scr/v1.3.0}). */
    private static final String SCR_NAMESPACE = "http://www.osgi.org/xmlns/scr/";

    /**
     * One component.
     *
     * @param name                the component name ({@code component.name})
     * @param implementation      the implementation class's name
     * @param provides            the interfaces of its {@code <service>}, empty if it registers no service
     * @param configurationPolicy {@code optional}, {@code require} or {@code ignore}
     * @param configurationPids   its configuration PIDs (the name if none is given)
     * @param modified            the name of its modified method, or null: a configuration change then deactivates
     *                            and reactivates the component
     * @param properties          its component properties, {@code component.name} included
     * @param source              where it was read from, for messages
     * @param enabled             its {@code enabled} attribute: SCR does not enable a component that says false
     * @param factory             its {@code factory} attribute, or null: SCR registers a {@code ComponentFactory}
     *                            for a factory component, not its services
     */
    record Component(String name, String implementation, List<String> provides, String configurationPolicy,
                     List<String> configurationPids, String modified, Map<String, Object> properties, String source,
                     boolean enabled, String factory) {
    }

    /**
     * A description that could not be read.
     *
     * @param source         the file
     * @param implementation the implementation class it names, null if that cannot be told (not well-formed XML)
     * @param problem        what is wrong
     */
    record Broken(String source, String implementation, String problem) {
    }

    /**
     * What was found for one class.
     *
     * @param root       the class path entry the class came from (a directory or a jar), for messages
     * @param anyXml     whether that entry holds any component description: if it does, bnd has run
     * @param components every component description in it
     */
    record Found(String root, boolean anyXml, List<Component> components, List<Broken> broken) {
        /**
         * @return the component whose implementation class is {@code type}
         * @throws IllegalStateException naming the files if two descriptions name that class (a stale one left by
         *                               a build without {@code clean}), if the one describing it cannot be read, or
         *                               if none does and a description that cannot be read might
         */
        Optional<Component> of(Class<?> type) {
            String name = type.getName();
            List<Component> matches = components.stream().filter(c -> c.implementation().equals(name)).toList();
            List<Broken> itsBroken = broken.stream().filter(b -> name.equals(b.implementation())).toList();
            if (!itsBroken.isEmpty()) {
                throw new IllegalStateException(name + ": its component description cannot be read: "
                        + itsBroken.get(0).problem());
            }
            if (matches.size() > 1) {
                throw new IllegalStateException(name + " is the implementation of " + matches.size()
                        + " component descriptions: " + matches.stream().map(Component::source).toList()
                        + "; a renamed component leaves its old file in target/classes until mvn clean (and SCR "
                        + "reads only those the manifest's Service-Component lists): run mvn clean");
            }
            if (matches.isEmpty()) {
                List<Broken> unknown = broken.stream().filter(b -> b.implementation() == null).toList();
                if (!unknown.isEmpty()) {
                    throw new IllegalStateException("no readable component description of " + name + " in " + root
                            + ", and these cannot be read, so whether one of them describes it cannot be told: "
                            + unknown.stream().map(Broken::problem).toList());
                }
            }
            return matches.stream().findFirst();
        }
    }

    /** Where a class's component descriptions are looked up. */
    interface Source {
        Found find(Class<?> type);
    }

    /** Each class path entry's descriptions, read once (they do not change while tests run). */
    private static final Map<String, Found> CACHE = new ConcurrentHashMap<>();

    /** Looks in the class path entry (directory or jar) the class was loaded from. */
    static final Source CLASS_PATH = type -> {
        Optional<Path> root = rootOf(type);
        if (root.isEmpty()) {
            return new Found("(no code source for " + type.getName() + ")", false, List.of(), List.of());
        }
        return CACHE.computeIfAbsent(root.get().toString(), k -> read(root.get()));
    };

    private ComponentXml() {
    }

    /** @return the directory or jar {@code type} was loaded from, if it is a file */
    static Optional<Path> rootOf(Class<?> type) {
        CodeSource source = type.getProtectionDomain() == null ? null : type.getProtectionDomain().getCodeSource();
        URL location = source == null ? null : source.getLocation();
        if (location == null || !"file".equals(location.getProtocol())) {
            return Optional.empty();
        }
        try {
            return Optional.of(Path.of(location.toURI()));
        } catch (URISyntaxException | IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    /**
     * Reads the component descriptions of a class path entry as SCR does: those its manifest's
     * {@code Service-Component} header lists (entries may hold wildcards in their last segment, e.g.
     * {@code OSGI-INF/*.xml}) when it has that header, otherwise every {@code OSGI-INF/*.xml} of the directory or
     * jar (the metatype descriptions, in a sub-folder, are not components). A file that cannot be read is kept as
     * {@link Broken}: it fails only a lookup it may concern ({@link Found#of}).
     *
     * @throws IllegalStateException naming the entry if its manifest or file list cannot be read
     */
    static Found read(Path root) {
        List<Component> components = new ArrayList<>();
        List<Broken> broken = new ArrayList<>();
        if (Files.isDirectory(root)) {
            List<String> files;
            try (Stream<Path> walk = Files.walk(root)) {
                files = walk.filter(Files::isRegularFile).map(p -> root.relativize(p).toString().replace('\\', '/'))
                        .sorted().toList();
            } catch (IOException e) {
                throw new IllegalStateException("cannot list " + root + ": " + e, e);
            }
            Manifest manifest = null;
            Path mf = root.resolve("META-INF/MANIFEST.MF");
            if (Files.isRegularFile(mf)) {
                try (InputStream in = Files.newInputStream(mf)) {
                    manifest = new Manifest(in);
                } catch (IOException e) {
                    throw new IllegalStateException("cannot read " + mf + ": " + e, e);
                }
            }
            for (String name : descriptions(manifest, files, root + "/", broken)) {
                Path file = root.resolve(name);
                try (InputStream in = Files.newInputStream(file)) {
                    parse(in, file.toString(), entry -> open(root.resolve(entry)), components, broken);
                } catch (IOException e) {
                    broken.add(new Broken(file.toString(), null, "cannot read " + file + ": " + e));
                }
            }
        } else if (Files.isRegularFile(root)) {
            try (JarFile jar = new JarFile(root.toFile())) {
                List<String> files = Collections.list(jar.entries()).stream().filter(e -> !e.isDirectory())
                        .map(JarEntry::getName).sorted().toList();
                for (String name : descriptions(jar.getManifest(), files, root + "!/", broken)) {
                    try (InputStream in = jar.getInputStream(jar.getJarEntry(name))) {
                        parse(in, root + "!/" + name, entry -> {
                            JarEntry properties = jar.getJarEntry(entry);
                            return properties == null ? null : jar.getInputStream(properties);
                        }, components, broken);
                    }
                }
            } catch (IOException e) {
                throw new IllegalStateException("cannot read " + root + ": " + e, e);
            }
        }
        return new Found(root.toString(), !components.isEmpty() || !broken.isEmpty(), List.copyOf(components),
                List.copyOf(broken));
    }

    /**
     * @param manifest the entry's manifest, or null
     * @param files    every file of the entry, as paths relative to it
     * @return the files SCR reads as component descriptions: the manifest's {@code Service-Component} entries if
     *         it has that header (a listed file that does not exist is noted as broken), else
     *         {@code OSGI-INF/*.xml}
     */
    static List<String> descriptions(Manifest manifest, List<String> files, String prefix, List<Broken> broken) {
        String header = manifest == null ? null : manifest.getMainAttributes().getValue("Service-Component");
        if (header == null) {
            return files.stream().filter(f -> f.startsWith("OSGI-INF/") && f.endsWith(".xml")
                    && f.indexOf('/', 9) < 0).toList();
        }
        List<String> out = new ArrayList<>();
        for (String clause : header.split(",")) {
            String path = clause.split(";")[0].trim();
            if (path.startsWith("/")) {
                path = path.substring(1);
            }
            if (path.isEmpty()) {
                continue;
            }
            int slash = path.lastIndexOf('/');
            String folder = path.substring(0, slash + 1);
            String last = path.substring(slash + 1);
            if (last.contains("*")) {
                Pattern glob = Pattern.compile(Stream.of(last.split("\\*", -1)).map(Pattern::quote)
                        .collect(Collectors.joining(".*")));
                files.stream().filter(f -> f.startsWith(folder) && f.indexOf('/', folder.length()) < 0
                        && glob.matcher(f.substring(folder.length())).matches() && !out.contains(f))
                        .forEach(out::add);
            } else if (files.contains(path)) {
                if (!out.contains(path)) {
                    out.add(path);
                }
            } else {
                broken.add(new Broken(prefix + path, null, prefix + path
                        + " is listed in the manifest's Service-Component but does not exist"));
            }
        }
        return out;
    }

    private static InputStream open(Path file) throws IOException {
        return Files.isRegularFile(file) ? Files.newInputStream(file) : null;
    }

    /** Opens a {@code <properties entry>} file of the same class path entry; null if there is none. */
    interface Entries {
        InputStream open(String entry) throws IOException;
    }

    /**
     * Reads one file: its components go to {@code components}; if it is not well-formed, or a component of it
     * cannot be read, that goes to {@code broken} (with the implementation class where it can be told).
     *
     * @param xml    a component description: a {@code component} element, or any element holding some (a file
     *               that is neither holds none)
     * @param source its name, for messages
     */
    static void parse(InputStream xml, String source, Entries entries, List<Component> components,
                      List<Broken> broken) throws IOException {
        Element root;
        try {
            DocumentBuilderFactory factory = DocumentBuilderFactory.newInstance();
            factory.setNamespaceAware(true);
            factory.setFeature(XMLConstants.FEATURE_SECURE_PROCESSING, true);
            factory.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
            DocumentBuilder builder = factory.newDocumentBuilder();
            builder.setErrorHandler(null);
            root = builder.parse(xml).getDocumentElement();
        } catch (ParserConfigurationException | SAXException e) {
            broken.add(new Broken(source, null, source + " is not well-formed XML: " + e.getMessage()));
            return;
        }
        List<Element> elements = new ArrayList<>();
        if (isComponent(root, true)) {
            elements.add(root);
        } else {
            children(root).stream().filter(child -> isComponent(child, false)).forEach(elements::add);
        }
        for (Element element : elements) {
            try {
                components.add(component(element, source, entries));
            } catch (IllegalStateException e) {
                String implementation = children(element).stream()
                        .filter(c -> "implementation".equals(c.getLocalName()))
                        .map(c -> c.getAttribute("class").trim()).filter(c -> !c.isEmpty()).findFirst().orElse(null);
                broken.add(new Broken(source, implementation, e.getMessage()));
            }
        }
    }

    /** @return the components of one file; throws naming the file if it or one of them cannot be read */
    static List<Component> parse(InputStream xml, String source, Entries entries) throws IOException {
        List<Component> components = new ArrayList<>();
        List<Broken> broken = new ArrayList<>();
        parse(xml, source, entries, components, broken);
        if (!broken.isEmpty()) {
            throw new IllegalStateException(broken.get(0).problem());
        }
        return components;
    }

    /** A DS component element; at the top, a {@code component} without namespace is one too (DS 1.0). */
    private static boolean isComponent(Element e, boolean top) {
        String ns = e.getNamespaceURI();
        return "component".equals(e.getLocalName())
                && (ns != null && ns.startsWith(SCR_NAMESPACE) || ns == null && top);
    }

    private static Component component(Element c, String source, Entries entries) throws IOException {
        String implementation = null;
        List<String> provides = new ArrayList<>();
        Map<String, Object> properties = new LinkedHashMap<>();
        String name = c.getAttribute("name");
        for (Element e : children(c)) {
            switch (e.getLocalName()) {
                case "implementation" -> implementation = e.getAttribute("class").trim();
                case "service" -> children(e).stream().filter(p -> "provide".equals(p.getLocalName()))
                        .forEach(p -> provides.add(p.getAttribute("interface").trim()));
                case "property" -> properties.put(e.getAttribute("name"), value(e, source));
                case "properties" -> properties.putAll(entry(e.getAttribute("entry"), source, entries));
                default -> {
                }
            }
        }
        if (implementation == null || implementation.isEmpty()) {
            throw new IllegalStateException(source + ": component " + name + " has no <implementation class>");
        }
        if (name.isEmpty()) {
            name = implementation; // DS 1.3 makes the name optional: the class name then
        }
        properties.put("component.name", name);
        String policy = c.hasAttribute("configuration-policy") ? c.getAttribute("configuration-policy").trim()
                : "optional";
        List<String> pids = c.hasAttribute("configuration-pid")
                ? List.of(c.getAttribute("configuration-pid").trim().split("\\s+")) : List.of(name);
        String modified = c.hasAttribute("modified") ? c.getAttribute("modified").trim() : null;
        boolean enabled = !c.hasAttribute("enabled") || Boolean.parseBoolean(c.getAttribute("enabled").trim());
        String factory = c.hasAttribute("factory") && !c.getAttribute("factory").isBlank()
                ? c.getAttribute("factory").trim() : null;
        return new Component(name, implementation, List.copyOf(provides), policy, pids,
                modified == null || modified.isEmpty() ? null : modified, Collections.unmodifiableMap(properties),
                source, enabled, factory);
    }

    private static Map<String, Object> entry(String entry, String source, Entries entries) throws IOException {
        try (InputStream in = entries.open(entry)) {
            if (in == null) {
                throw new IllegalStateException(source + ": <properties entry=\"" + entry + "\"> names no file");
            }
            Properties p = new Properties();
            p.load(in);
            Map<String, Object> map = new LinkedHashMap<>();
            for (String key : p.stringPropertyNames()) {
                map.put(key, p.getProperty(key));
            }
            return map;
        }
    }

    /**
     * A {@code <property>}'s value as DS gives it: its {@code value} attribute converted to its {@code type}
     * (String if none), or, without the attribute, an array of that type holding the body's non-blank lines,
     * trimmed (a primitive array for a primitive type, as Apache Felix SCR gives it).
     */
    static Object value(Element property, String source) {
        String name = property.getAttribute("name");
        String type = property.hasAttribute("type") ? property.getAttribute("type").trim() : "String";
        try {
            if (property.hasAttribute("value")) {
                return convert(type, property.getAttribute("value"));
            }
            List<String> lines = property.getTextContent().lines().map(String::trim).filter(l -> !l.isEmpty())
                    .toList();
            return array(type, lines);
        } catch (IllegalArgumentException e) {
            throw new IllegalStateException(source + ": property " + name + " of type " + type + ": "
                    + e.getMessage(), e);
        }
    }

    private static Object convert(String type, String value) {
        return switch (type) {
            case "String" -> value;
            case "Long" -> Long.valueOf(value.trim());
            case "Double" -> Double.valueOf(value.trim());
            case "Float" -> Float.valueOf(value.trim());
            case "Integer" -> Integer.valueOf(value.trim());
            case "Byte" -> Byte.valueOf(value.trim());
            case "Character", "Char" -> (char) Integer.parseInt(value.trim()); // DS: the character's code
            case "Boolean" -> Boolean.valueOf(value.trim());
            case "Short" -> Short.valueOf(value.trim());
            default -> throw new IllegalArgumentException("unknown type " + type);
        };
    }

    private static Object array(String type, List<String> values) {
        int n = values.size();
        Object array = switch (type) {
            case "String" -> new String[n];
            case "Long" -> new long[n];
            case "Double" -> new double[n];
            case "Float" -> new float[n];
            case "Integer" -> new int[n];
            case "Byte" -> new byte[n];
            case "Character", "Char" -> new char[n];
            case "Boolean" -> new boolean[n];
            case "Short" -> new short[n];
            default -> throw new IllegalArgumentException("unknown type " + type);
        };
        for (int i = 0; i < n; i++) {
            java.lang.reflect.Array.set(array, i, convert(type, values.get(i)));
        }
        return array;
    }

    private static List<Element> children(Element e) {
        List<Element> out = new ArrayList<>();
        for (Node n = e.getFirstChild(); n != null; n = n.getNextSibling()) {
            if (n instanceof Element child) {
                out.add(child);
            }
        }
        return out;
    }
}
