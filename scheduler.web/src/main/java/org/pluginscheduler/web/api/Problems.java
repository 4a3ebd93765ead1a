package org.pluginscheduler.web.api;

import com.google.gson.JsonObject;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;

/** RFC 9457 problem details: every error of the web surface, with the field at fault when there is one. */
public final class Problems {

    public static final String CONTENT_TYPE = "application/problem+json";

    private Problems() {
    }

    /** A request the API refuses; the servlet turns it into a problem response. */
    public static final class ProblemException extends RuntimeException {
        private final int status;
        private final String title;
        private final String field;

        public ProblemException(int status, String title, String detail, String field) {
            super(detail);
            this.status = status;
            this.title = title;
            this.field = field;
        }

        public int status() {
            return status;
        }

        public String title() {
            return title;
        }

        public String field() {
            return field;
        }
    }

    /** @return a 400 naming the field */
    public static ProblemException badField(String field, String detail) {
        return new ProblemException(400, "Invalid " + field, detail, field);
    }

    public static JsonObject body(int status, String title, String detail, String field, String instance) {
        JsonObject o = new JsonObject();
        o.addProperty("type", "about:blank");
        o.addProperty("title", title);
        o.addProperty("status", status);
        if (detail != null) {
            o.addProperty("detail", detail);
        }
        if (field != null) {
            o.addProperty("field", field);
        }
        if (instance != null) {
            o.addProperty("instance", instance);
        }
        return o;
    }

    public static void write(HttpServletResponse response, int status, String title, String detail, String field,
                             String instance) throws IOException {
        response.setStatus(status);
        response.setContentType(CONTENT_TYPE);
        response.setCharacterEncoding("UTF-8");
        byte[] bytes = Json.GSON.toJson(body(status, title, detail, field, instance))
                .getBytes(StandardCharsets.UTF_8);
        response.setContentLength(bytes.length);
        response.getOutputStream().write(bytes);
    }
}
