package org.pluginscheduler.web.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import jakarta.servlet.ServletOutputStream;
import jakarta.servlet.WriteListener;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.ByteArrayOutputStream;
import java.lang.reflect.Proxy;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.pluginscheduler.api.SchedulerAdmin;

/** What the API answers when the scheduler fails in a way nobody planned for. */
class ApiServletTest {

    /** The status, headers and body a response was given. */
    static final class Captured {
        int status = 200;
        final Map<String, String> headers = new HashMap<>();
        final ByteArrayOutputStream body = new ByteArrayOutputStream();
    }

    static HttpServletRequest request(String method, String pathInfo) {
        return (HttpServletRequest) Proxy.newProxyInstance(ApiServletTest.class.getClassLoader(),
                new Class<?>[] {HttpServletRequest.class}, (proxy, m, args) -> switch (m.getName()) {
                    case "getMethod" -> method;
                    case "getPathInfo" -> pathInfo;
                    case "getRequestURI" -> "/api/v1" + pathInfo;
                    default -> null;
                });
    }

    static HttpServletResponse response(Captured captured) {
        ServletOutputStream out = new ServletOutputStream() {
            @Override
            public boolean isReady() {
                return true;
            }

            @Override
            public void setWriteListener(WriteListener listener) {
            }

            @Override
            public void write(int b) {
                captured.body.write(b);
            }
        };
        return (HttpServletResponse) Proxy.newProxyInstance(ApiServletTest.class.getClassLoader(),
                new Class<?>[] {HttpServletResponse.class}, (proxy, m, args) -> {
                    switch (m.getName()) {
                        case "setStatus" -> captured.status = (Integer) args[0];
                        case "setContentType" -> captured.headers.put("Content-Type", (String) args[0]);
                        case "setHeader" -> captured.headers.put((String) args[0], (String) args[1]);
                        case "getOutputStream" -> {
                            return out;
                        }
                        case "isCommitted" -> {
                            return false;
                        }
                        case "resetBuffer" -> captured.body.reset();
                        default -> {
                        }
                    }
                    return null;
                });
    }

    @Test
    void anUnexpectedFailureIsA500ProblemWithoutItsMessage() throws Exception {
        SchedulerAdmin failing = (SchedulerAdmin) Proxy.newProxyInstance(ApiServletTest.class.getClassLoader(),
                new Class<?>[] {SchedulerAdmin.class}, (proxy, m, args) -> {
                    throw new UnsupportedOperationException("jdbc:h2:/secret/path user=sa password=hunter2");
                });
        ApiServlet api = new ApiServlet(failing, null);
        Captured captured = new Captured();
        api.handle(request("GET", "/stats"), response(captured));
        assertEquals(500, captured.status);
        assertEquals(Problems.CONTENT_TYPE, captured.headers.get("Content-Type"));
        String body = captured.body.toString(StandardCharsets.UTF_8);
        assertTrue(body.contains("\"title\":\"Internal error\""), body);
        assertTrue(body.contains("incident "), body);
        assertFalse(body.contains("hunter2") || body.contains("Unsupported"), body);
    }
}
