package org.pluginscheduler.archetype;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;

/**
 * Every {@code java} and {@code xml} snippet of README.md's "Writing a plugin" section appears verbatim (whitespace
 * aside) in a file that CI compiles: a source under {@code examples/} (CI builds each example with {@code mvn
 * verify}) or the project template (CI generates a project from it and builds it). A snippet that was edited in
 * the README only, or whose source moved on, fails here with its line number.
 */
class ReadmeSnippetsTest {

    static final String SECTION = "## Writing a plugin";

    /** What .ci/run passes to archetype:generate; the template's placeholders are read with these values. */
    static final Map<String, String> TEMPLATE_VALUES = Map.of(
            "${package}", "com.example.myplugin",
            "${groupId}", "com.example",
            "${artifactId}", "my-plugin",
            "${version}", "1.0-SNAPSHOT");

    private static final Pattern FENCE = Pattern.compile("^(\\s*)```(\\S*)\\s*$");

    record Snippet(int line, String language, String text) {
        String firstLine() {
            return text.strip().lines().findFirst().orElse("");
        }
    }

    @Test
    void everySnippetOfWritingAPluginIsInAFileThatCiBuilds() throws IOException {
        Path root = root();
        List<Snippet> snippets = snippets(Files.readAllLines(root.resolve("README.md"), StandardCharsets.UTF_8));
        Map<Path, String> sources = compiledSources(root);

        List<String> missing = new ArrayList<>();
        for (Snippet snippet : snippets) {
            String wanted = normalize(snippet.text());
            if (sources.values().stream().noneMatch(source -> source.contains(wanted))) {
                missing.add("README.md line " + snippet.line() + " (```" + snippet.language() + ", starting '"
                        + snippet.firstLine() + "')");
            }
        }
        if (!missing.isEmpty()) {
            fail(missing.size() + " snippet(s) of \"Writing a plugin\" appear in no file under examples/ or the "
                    + "archetype's template, so CI does not compile them: " + String.join("; ", missing)
                    + ". Copy the code from the example that CI builds, or change the example too.");
        }
    }

    @Test
    void theSectionHasTheSmallestPluginFirstAndItIsTheExample() throws IOException {
        Path root = root();
        List<Snippet> snippets = snippets(Files.readAllLines(root.resolve("README.md"), StandardCharsets.UTF_8));
        assertTrue(snippets.size() >= 3, "too few snippets found, is the section still there? " + snippets);
        Snippet first = snippets.get(0);
        assertEquals("java", first.language(), "the section starts with the smallest plugin's code");
        String example = normalize(Files.readString(root.resolve(
                "examples/smallest-plugin/src/main/java/com/example/smallest/DiskSpaceCheck.java")));
        assertEquals(example, normalize(first.text()),
                "the first snippet is examples/smallest-plugin's DiskSpaceCheck, whole");
    }

    @Test
    void snippetsAreReadFromTheSectionOnlyWithTheirLanguage() {
        List<String> readme = List.of(
                "## Before", "```java", "class Outside {}", "```",
                SECTION, "text", "```java", "class A {", "}", "```",
                "- item:", "", "  ```xml", "  <a/>", "  ```",
                "```sh", "mvn verify", "```",
                "```properties", "## not a heading", "```",
                "### Sub", "```java", "class B {}", "```",
                "## After", "```java", "class Outside2 {}", "```");
        List<Snippet> snippets = snippets(readme);
        assertEquals(List.of(new Snippet(7, "java", "class A {\n}\n"), new Snippet(13, "xml", "<a/>\n"),
                new Snippet(23, "java", "class B {}\n")), snippets);
    }

    @Test
    void aSnippetMatchesVerbatimUpToWhitespaceOnly() {
        String source = normalize("class A {\n    void run() {\n        work(1);\n    }\n}\n");
        assertTrue(source.contains(normalize("void run() {\n  work(1);\n}")));
        assertTrue(!source.contains(normalize("void run() {\n  work(2);\n}")), "a changed argument is a change");
        assertTrue(!source.contains(normalize("void run() {\n  ...\n}")), "an elision is a change");
    }

    static Path root() {
        String root = System.getProperty("scheduler.root");
        assertTrue(root != null, "system property scheduler.root (the repository root) is not set");
        return Path.of(root).toAbsolutePath().normalize();
    }

    /** The fenced java and xml blocks of the "Writing a plugin" section (up to the next level-2 heading). */
    static List<Snippet> snippets(List<String> readme) {
        List<Snippet> snippets = new ArrayList<>();
        boolean inSection = false;
        String fenceLanguage = null;
        String indent = "";
        int start = 0;
        StringBuilder block = new StringBuilder();
        for (int i = 0; i < readme.size(); i++) {
            String line = readme.get(i);
            Matcher fence = FENCE.matcher(line);
            if (fenceLanguage == null) {
                if (line.startsWith("## ")) {
                    inSection = line.strip().equals(SECTION);
                } else if (fence.matches()) {
                    fenceLanguage = fence.group(2);
                    indent = fence.group(1);
                    start = i + 1;
                    block.setLength(0);
                }
            } else if (fence.matches() && fence.group(2).isEmpty()) {
                if (inSection && (fenceLanguage.equals("java") || fenceLanguage.equals("xml"))) {
                    snippets.add(new Snippet(start, fenceLanguage, block.toString()));
                }
                fenceLanguage = null;
            } else {
                block.append(line.startsWith(indent) ? line.substring(indent.length()) : line).append('\n');
            }
        }
        return snippets;
    }

    /** The files CI compiles or builds with: examples' sources and poms, the template with its values filled in. */
    static Map<Path, String> compiledSources(Path root) throws IOException {
        Map<Path, String> sources = new LinkedHashMap<>();
        Path template = root.resolve("scheduler.archetype/src/main/resources/archetype-resources");
        for (Path folder : List.of(root.resolve("examples"), template)) {
            try (Stream<Path> files = Files.walk(folder)) {
                List<Path> built = files.filter(f -> isBuiltSource(folder.relativize(f), f))
                        .collect(Collectors.toList());
                for (Path file : built) {
                    String text = read(file);
                    if (file.startsWith(template)) {
                        for (Map.Entry<String, String> value : TEMPLATE_VALUES.entrySet()) {
                            text = text.replace(value.getKey(), value.getValue());
                        }
                    }
                    sources.put(file, normalize(text));
                }
            }
        }
        assertTrue(sources.keySet().stream().anyMatch(p -> p.startsWith(template)), "no template files in " + template);
        return sources;
    }

    static boolean isBuiltSource(Path relative, Path file) {
        String name = file.getFileName().toString();
        for (Path part : relative) {
            if (part.toString().equals("target")) {
                return false; // build output, not source
            }
        }
        return Files.isRegularFile(file) && (name.endsWith(".java") || name.equals("pom.xml"));
    }

    /** Whitespace runs become one space; nothing else changes. */
    static String normalize(String text) {
        return text.strip().replaceAll("\\s+", " ");
    }

    private static String read(Path file) {
        try {
            return Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
    }
}
