package org.pluginscheduler.store.h2;

import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Where the database is, in the words an operator needs: the file behind a file URL, or the URL itself, with any
 * {@code PASSWORD=} setting masked. Every message about the database names it through {@link #resource()}.
 *
 * @param url the JDBC URL as configured
 */
record DatabaseLocation(String url) {

    /** Where an operator changes the store's configuration. */
    static final String CONFIG_FILE = "etc/" + H2StoreConfiguration.PID + ".cfg";

    private static final Pattern PASSWORD_SETTING = Pattern.compile("(?i)(password\\s*=)[^;]*");

    /** @return the URL with any password setting masked: safe to log */
    String safeUrl() {
        return PASSWORD_SETTING.matcher(url).replaceAll("$1****");
    }

    /** @return the database's main file ({@code <name>.mv.db}) for embedded file URLs, as written in the URL */
    Optional<String> file() {
        String rest = url.startsWith("jdbc:h2:") ? url.substring("jdbc:h2:".length()) : url;
        int semicolon = rest.indexOf(';');
        String name = semicolon < 0 ? rest : rest.substring(0, semicolon);
        String lower = name.toLowerCase(Locale.ROOT);
        if (lower.startsWith("mem:") || lower.startsWith("tcp:") || lower.startsWith("ssl:") || name.isEmpty()) {
            return Optional.empty();
        }
        if (lower.startsWith("file:")) {
            name = name.substring("file:".length());
        }
        return Optional.of(name + ".mv.db");
    }

    /** @return the file as an absolute path, when {@link #file()} names a plain local path */
    Optional<Path> absoluteFile() {
        return file().flatMap(f -> {
            String path = f.startsWith("~") ? System.getProperty("user.home") + f.substring(1) : f;
            if (path.matches("^[A-Za-z]{2,}:.*")) {
                return Optional.empty(); // a file-system prefix such as nio: or split:
            }
            try {
                return Optional.of(Paths.get(path).toAbsolutePath().normalize());
            } catch (RuntimeException e) {
                return Optional.empty();
            }
        });
    }

    /** @return e.g. {@code database file ./data/scheduler.mv.db (/opt/rt/data/scheduler.mv.db)} or the URL */
    String resource() {
        Optional<String> file = file();
        if (file.isEmpty()) {
            return "database " + safeUrl();
        }
        String absolute = absoluteFile().map(Path::toString).filter(a -> !a.equals(file.get()))
                .map(a -> " (" + a + ")").orElse("");
        return "database file " + file.get() + absolute;
    }

    /** @return whether the URL reaches a server rather than opening the database in this process */
    boolean remote() {
        String lower = url.toLowerCase(Locale.ROOT);
        return lower.startsWith("jdbc:h2:tcp:") || lower.startsWith("jdbc:h2:ssl:")
                || lower.contains(";auto_server=true");
    }
}
