package org.pluginscheduler.monitor;

import java.io.IOException;

import jakarta.servlet.Servlet;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.servlet.whiteboard.propertytypes.HttpWhiteboardContextSelect;
import org.osgi.service.servlet.whiteboard.propertytypes.HttpWhiteboardServletPattern;

/**
 * {@code GET /metrics}: the Prometheus text format (0.0.4), in the web surface's servlet context, so its
 * authentication applies (role viewer).
 */
@Component(service = Servlet.class)
@HttpWhiteboardServletPattern("/metrics")
@HttpWhiteboardContextSelect(MetricsServlet.CONTEXT)
public final class MetricsServlet extends HttpServlet {

    private static final long serialVersionUID = 1L;

    /** The web surface's servlet context (registered by scheduler.web). */
    static final String CONTEXT = "(osgi.http.whiteboard.context.name=org.pluginscheduler.web)";

    private final transient MetricsComponent metrics;

    @Activate
    public MetricsServlet(@Reference MetricsComponent metrics) {
        this.metrics = metrics;
    }

    @Override
    protected void doGet(HttpServletRequest request, HttpServletResponse response) throws IOException {
        response.setContentType(Metrics.CONTENT_TYPE);
        response.setHeader("Cache-Control", "no-store");
        metrics.metrics().scrape(response.getOutputStream());
    }
}
