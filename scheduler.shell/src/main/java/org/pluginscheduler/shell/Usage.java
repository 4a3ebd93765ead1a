package org.pluginscheduler.shell;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import org.apache.felix.service.command.Parameter;

/**
 * What each {@code task:*} command takes, to explain a command line that fits none of the command's signatures.
 * Gogo rejects such a line before the command runs, with "Cannot coerce runs() to any of [(String, String)]",
 * which names neither the option at fault nor what the command takes.
 */
final class Usage {

    /**
     * Each command's forms, as in the README's "Shell commands" table (a test holds them equal); several forms
     * are separated by {@code " | "}.
     */
    static final Map<String, String> COMMANDS;

    static {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("list", "task:list [--owner B] [--status S] [--tenant T]");
        m.put("info", "task:info ID");
        m.put("runs", "task:runs [-n N] ID");
        m.put("run", "task:run RUNID");
        m.put("trigger", "task:trigger ID");
        m.put("call", "task:call [--lock K1,K2] ID [name=value…]");
        m.put("enable", "task:enable ID");
        m.put("disable", "task:disable ID");
        m.put("pause", "task:pause [ID]");
        m.put("resume", "task:resume [ID]");
        m.put("reschedule", "task:reschedule ID SCHEDULE | task:reschedule --reset ID");
        m.put("remove", "task:remove ID");
        m.put("submit", "task:submit [--at INSTANT] [--lock K1,K2] ID [name=value…]");
        m.put("next", "task:next [-n N] [--tz ZONE] SCHEDULE");
        m.put("dlq", "task:dlq");
        m.put("replay", "task:replay RUNID");
        m.put("purge", "task:purge [ID] | task:purge --history [--older-than P7D]");
        m.put("stats", "task:stats");
        COMMANDS = Map.copyOf(m);
    }

    /** Gogo's message when no signature of the command fits the arguments. */
    private static final Pattern NO_SIGNATURE = Pattern.compile("Cannot coerce ([A-Za-z]+)\\(.*\\) to any of .*",
            Pattern.DOTALL);
    /** A word outside quotes, or a quoted string (which is never an option). */
    private static final Pattern WORD = Pattern.compile("\"(?:[^\"\\\\]|\\\\.)*\"?|'[^']*'?|\\S+");
    private static final Pattern OPTION = Pattern.compile("--?[A-Za-z][A-Za-z0-9-]*");

    private Usage() {
    }

    /**
     * @param line    the command line as typed, e.g. {@code task:list --bogus}
     * @param message the message of the exception the command line ended with
     * @return a one-line explanation naming the command, the unknown option if there is one, and the command's
     *         usage; empty if {@code message} is not Gogo's "no signature fits" for a {@code task:*} command
     */
    static Optional<String> explain(String line, String message) {
        Matcher m = message == null ? null : NO_SIGNATURE.matcher(message);
        if (m == null || !m.matches()) {
            return Optional.empty();
        }
        String command = m.group(1);
        String usage = COMMANDS.get(command);
        List<String> words = words(line);
        if (usage == null || words.isEmpty() || !words.get(0).equals("task:" + command)) {
            return Optional.empty();
        }
        Set<String> known = options(command);
        Optional<String> unknown = words.stream().skip(1).filter(w -> OPTION.matcher(w).matches())
                .filter(w -> !known.contains(w)).findFirst();
        return Optional.of("task:" + command + ": "
                + unknown.map(o -> "unknown option '" + o + "'").orElse("wrong number of arguments")
                + "; usage: " + usage);
    }

    /** @return the option names the command's methods declare (with {@link Parameter}), e.g. -n and --count */
    static Set<String> options(String command) {
        return Arrays.stream(TaskCommands.class.getMethods()).filter(method -> method.getName().equals(command))
                .flatMap(method -> Arrays.stream(method.getParameterAnnotations()))
                .flatMap(Arrays::stream).filter(Parameter.class::isInstance).map(Parameter.class::cast)
                .flatMap(p -> Arrays.stream(p.names())).collect(Collectors.toSet());
    }

    private static List<String> words(String line) {
        List<String> words = new ArrayList<>();
        Matcher w = WORD.matcher(line.trim());
        while (w.find()) {
            words.add(w.group());
        }
        return words;
    }
}
