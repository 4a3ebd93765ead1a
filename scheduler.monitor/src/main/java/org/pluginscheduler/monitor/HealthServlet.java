package org.pluginscheduler.monitor;

import java.io.IOException;
import java.util.List;
import java.util.stream.Collectors;

import jakarta.servlet.Servlet;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.apache.felix.hc.api.execution.HealthCheckExecutionOptions;
import org.apache.felix.hc.api.execution.HealthCheckExecutor;
import org.apache.felix.hc.api.execution.HealthCheckSelector;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.servlet.whiteboard.propertytypes.HttpWhiteboardContextSelect;
import org.osgi.service.servlet.whiteboard.propertytypes.HttpWhiteboardServletPattern;

/**
 * {@code GET /health[?tags=a,b]}: runs the Felix health checks with any of the given tags (default
 * {@value #DEFAULT_TAG}) through the {@link HealthCheckExecutor}, at once (no cached results), and answers
 * {@link HealthReport}'s JSON: HTTP 200 while the result is OK or WARN, 503 otherwise. In the web surface's servlet
 * context, so its authentication applies.
 */
@Component(service = Servlet.class)
@HttpWhiteboardServletPattern("/health")
@HttpWhiteboardContextSelect(MetricsServlet.CONTEXT)
public final class HealthServlet extends HttpServlet {

    private static final long serialVersionUID = 1L;

    /** The tag of the scheduler's own checks, selected when the request names none. */
    static final String DEFAULT_TAG = "scheduler";

    private final transient HealthCheckExecutor executor;

    @Activate
    public HealthServlet(@Reference HealthCheckExecutor executor) {
        this.executor = executor;
    }

    @Override
    protected void doGet(HttpServletRequest request, HttpServletResponse response) throws IOException {
        String[] tags = HealthReport.tags(request.getParameter("tags"), DEFAULT_TAG);
        HealthCheckExecutionOptions options = new HealthCheckExecutionOptions()
                .setForceInstantExecution(true).setCombineTagsWithOr(true);
        List<HealthReport.Check> checks = executor.execute(HealthCheckSelector.tags(tags), options).stream()
                .map(HealthReport.Check::of).collect(Collectors.toList());
        HealthReport report = new HealthReport(checks);
        response.setStatus(report.httpStatus());
        response.setContentType("application/json; charset=utf-8");
        response.setHeader("Cache-Control", "no-store");
        response.getWriter().write(report.json());
    }
}
