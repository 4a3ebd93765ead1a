package org.pluginscheduler.shell;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;

import org.junit.jupiter.api.Test;

/**
 * Gogo itself rejects a command whose arguments fit none of its method signatures (a missing id, an extra
 * argument, an unknown option) with "Cannot coerce runs() to any of [(String, String)]", which names neither the
 * option nor what the command takes. taskctl users saw only that line.
 */
class UsageTest {

    /**
     * Every command function the component registers (in the component XML bnd wrote) has a usage line, and
     * nothing else has one.
     */
    @Test
    void everyCommandHasAUsageLine() throws Exception {
        String xml = Files.readString(Path.of("target", "classes", "OSGI-INF",
                TaskCommands.class.getName() + ".xml"), StandardCharsets.UTF_8);
        java.util.regex.Matcher xmlFunctions = java.util.regex.Pattern.compile(
                "name=\"osgi.command.function\" type=\"String\">([^<]*)<").matcher(xml);
        assertTrue(xmlFunctions.find(), xml);
        Set<String> functions = Arrays.stream(xmlFunctions.group(1).split("\\s+")).map(String::trim)
                .collect(Collectors.toCollection(TreeSet::new));
        Set<String> methods = Arrays.stream(TaskCommands.class.getDeclaredMethods())
                .filter(m -> Modifier.isPublic(m.getModifiers())).map(Method::getName)
                .collect(Collectors.toCollection(TreeSet::new));
        assertEquals(functions, methods);
        assertEquals(functions, new TreeSet<>(Usage.COMMANDS.keySet()));
    }

    /** The usage lines are the README's "Shell commands" table, so neither can drift from the other. */
    @Test
    void theUsageLinesAreTheReadmes() throws Exception {
        String readme = Files.readString(Path.of("..", "README.md"), StandardCharsets.UTF_8);
        for (String usage : Usage.COMMANDS.values()) {
            for (String form : usage.split(" \\| ")) {
                assertTrue(readme.contains("`" + form + "`"), "README lacks `" + form + "`");
            }
        }
    }

    @Test
    void aMissingIdNamesTheCommandAndWhatItTakes() {
        assertEquals(Optional.of("task:runs: wrong number of arguments; usage: task:runs [-n N] ID"),
                Usage.explain("task:runs", "Cannot coerce runs() to any of [(String, String)]"));
        assertEquals(Optional.of("task:info: wrong number of arguments; usage: task:info ID"),
                Usage.explain("task:info a b", "Cannot coerce info(Token, Token) to any of [(String)]"));
        assertEquals(Optional.of("task:purge: wrong number of arguments; usage: task:purge [ID] | "
                + "task:purge --history [--older-than P7D]"),
                Usage.explain("task:purge a b", "Cannot coerce purge(Token, Token) to any of [(boolean, String, "
                        + "String[])]"));
    }

    @Test
    void anUnknownOptionIsNamed() {
        assertEquals(Optional.of("task:list: unknown option '--bogus'; usage: task:list [--owner B] [--status S] "
                + "[--tenant T]"), Usage.explain("task:list --bogus",
                        "Cannot coerce list(Token) to any of [(String, String, String)]"));
        assertEquals(Optional.of("task:runs: unknown option '-x'; usage: task:runs [-n N] ID"),
                Usage.explain("task:runs -x temp-files",
                        "Cannot coerce runs(Token, Token) to any of [(String, String)]"));
        // known options, the long alias of -n, quoted text and negative numbers are not unknown options
        assertEquals(Optional.of("task:runs: wrong number of arguments; usage: task:runs [-n N] ID"),
                Usage.explain("task:runs --count 5 a b", "Cannot coerce runs(...) to any of [(String, String)]"));
        assertEquals(Optional.of("task:info: wrong number of arguments; usage: task:info ID"),
                Usage.explain("task:info \"a --b\" '-c' c", "Cannot coerce info(...) to any of [(String)]"));
        assertEquals(Optional.of("task:stats: wrong number of arguments; usage: task:stats"),
                Usage.explain("task:stats -1", "Cannot coerce stats(Token) to any of [()]"));
    }

    @Test
    void otherErrorsAreLeftAlone() {
        assertEquals(Optional.empty(), Usage.explain("task:list", "Command not found: task:bogus"));
        assertEquals(Optional.empty(), Usage.explain("lb", "Cannot coerce lb(Token) to any of [()]"));
        assertEquals(Optional.empty(), Usage.explain("task:nope x", "Cannot coerce nope(Token) to any of [()]"));
    }

    /** What taskctl prints: the explanation replaces Gogo's line, and the exit status stays 1. */
    @Test
    void theRemoteShellPrintsTheExplanation() {
        IllegalArgumentException gogo = new IllegalArgumentException("Cannot coerce trigger() to any of [(String)]");
        assertEquals("task:trigger: wrong number of arguments; usage: task:trigger ID",
                RemoteShellComponent.oneLine(gogo, "task:trigger"));
        assertEquals(1, RemoteShellComponent.exitCode(gogo));
        assertEquals("error: Command not found: task:bogus", RemoteShellComponent.oneLine(
                new IllegalArgumentException("Command not found: task:bogus"), "task:bogus"));
    }
}
