package org.pluginscheduler.web;

import jakarta.servlet.Servlet;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.io.InputStream;
import java.util.Map;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.servlet.whiteboard.propertytypes.HttpWhiteboardContextSelect;
import org.osgi.service.servlet.whiteboard.propertytypes.HttpWhiteboardServletPattern;
import org.pluginscheduler.web.api.Problems;

/**
 * The dashboard's static files ({@code /ui/}, from the bundle's {@code /static} folder: only the names listed here,
 * so no path can reach anything else) and the redirect from {@code /} to it. They hold no data; the page loads
 * everything through the authenticated API.
 */
@Component(service = Servlet.class)
@HttpWhiteboardServletPattern({"/ui/*", "/"})
@HttpWhiteboardContextSelect(SecurityContext.SELECT)
public final class UiComponent extends HttpServlet {

    private static final long serialVersionUID = 1L;
    private static final Map<String, String> FILES = Map.of(
            "index.html", "text/html",
            "app.js", "text/javascript",
            "app.css", "text/css");
    /** The page's own scripts and styles only: no inline script, nothing from elsewhere. */
    static final String CSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
            + "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

    @Override
    protected void doGet(HttpServletRequest request, HttpServletResponse response) throws IOException {
        String servletPath = request.getServletPath() == null ? "" : request.getServletPath();
        String info = request.getPathInfo();
        if (!servletPath.startsWith("/ui")) {
            // the context's default servlet: "/" goes to the dashboard, anything else is unknown
            if (servletPath.isEmpty() || servletPath.equals("/")) {
                response.sendRedirect(request.getContextPath() + "/ui/");
            } else {
                Problems.write(response, 404, "Not found", "nothing here; the dashboard is at /ui/ and the API at "
                        + "/api/v1/", null, request.getRequestURI());
            }
            return;
        }
        if (info == null) {
            response.sendRedirect(request.getContextPath() + "/ui/");
            return;
        }
        String name = info.equals("/") ? "index.html" : info.substring(1);
        String type = FILES.get(name);
        if (type == null) {
            Problems.write(response, 404, "Not found", "no such file in the dashboard", null,
                    request.getRequestURI());
            return;
        }
        try (InputStream in = UiComponent.class.getResourceAsStream("/static/" + name)) {
            if (in == null) {
                Problems.write(response, 404, "Not found", "the dashboard's " + name + " is missing from the bundle",
                        null, request.getRequestURI());
                return;
            }
            byte[] bytes = in.readAllBytes();
            response.setStatus(200);
            response.setContentType(type);
            response.setCharacterEncoding("UTF-8");
            response.setHeader("Content-Security-Policy", CSP);
            response.setHeader("Cache-Control", "no-cache");
            response.setContentLength(bytes.length);
            response.getOutputStream().write(bytes);
        }
    }
}
