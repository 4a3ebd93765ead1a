package org.pluginscheduler.bench;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

/** Plain JDBC on the H2 files of the peers (and, after a run, of our store): schemas and counts. */
final class Sql {

    private Sql() {
    }

    /**
     * The same durability for every scheduler on H2: WRITE_DELAY=0 writes each commit to the file before the commit
     * returns (our store sets it itself); without it H2 acknowledges commits up to 0.5 s before writing them.
     */
    static String url(Path file) {
        return "jdbc:h2:file:" + file.toAbsolutePath() + ";WRITE_DELAY=0";
    }

    static Connection connect(String url) throws SQLException {
        return DriverManager.getConnection(url, "sa", "");
    }

    static long count(String url, String query) throws SQLException {
        try (Connection c = connect(url); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(query)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    /** Runs the statements of a SQL script on the class path (comments dropped, split at semicolons). */
    static void runScript(String url, String resource, java.util.function.UnaryOperator<String> fix)
            throws SQLException, IOException {
        try (Connection c = connect(url); Statement s = c.createStatement()) {
            for (String statement : statements(resource)) {
                s.execute(fix.apply(statement));
            }
        }
    }

    static List<String> statements(String resource) throws IOException {
        String text;
        try (InputStream in = Sql.class.getClassLoader().getResourceAsStream(resource)) {
            if (in == null) {
                throw new IOException("not on the class path: " + resource);
            }
            text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        StringBuilder noComments = new StringBuilder();
        for (String line : text.split("\n")) {
            String t = line.trim();
            if (!t.startsWith("--") && !t.startsWith("#")) {
                noComments.append(line).append('\n');
            }
        }
        List<String> result = new ArrayList<>();
        for (String part : noComments.toString().split(";")) {
            String t = part.trim();
            if (!t.isEmpty() && !t.equalsIgnoreCase("commit")) {
                result.add(t);
            }
        }
        return result;
    }
}
