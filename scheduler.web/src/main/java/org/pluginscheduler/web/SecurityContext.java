package org.pluginscheduler.web;

import jakarta.servlet.http.Cookie;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.net.URI;
import java.util.Locale;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ServiceScope;
import org.osgi.service.servlet.context.ServletContextHelper;
import org.osgi.service.servlet.whiteboard.annotations.RequireHttpWhiteboard;
import org.osgi.service.servlet.whiteboard.propertytypes.HttpWhiteboardContext;
import org.pluginscheduler.web.api.Problems;
import org.pluginscheduler.web.auth.Authenticator;
import org.pluginscheduler.web.auth.Principal;
import org.pluginscheduler.web.auth.Role;
import org.osgi.framework.Bundle;

/**
 * The servlet context of the whole web surface ({@value #NAME}, at {@code /}): every request is authenticated here
 * before any servlet of the context sees it, whichever bundle registered that servlet (the monitor's too).
 *
 * <ul>
 *   <li>Open: the dashboard's static files ({@code GET /ui/...}, {@code GET /}: no data in them) and log-in /
 *       log-out ({@code POST|DELETE /api/v1/session}).</li>
 *   <li>{@code GET}/{@code HEAD} need the viewer role; any other method the operator role, and is refused when the
 *       console is read-only, when it comes from another site ({@code Origin} or {@code Sec-Fetch-Site}), and,
 *       with a session cookie, without the session's {@code X-CSRF-Token} header.</li>
 *   <li>Every state-changing request, log-in and refusal is an audit entry ({@link AuditLog}).</li>
 * </ul>
 * Registered per bundle (bundle scope), as the whiteboard recommends; the state is shared in
 * {@link WebAuthComponent}.
 */
@Component(service = ServletContextHelper.class, scope = ServiceScope.BUNDLE)
@HttpWhiteboardContext(name = SecurityContext.NAME, path = "/")
@RequireHttpWhiteboard
public final class SecurityContext extends ServletContextHelper {

    public static final String NAME = "org.pluginscheduler.web";
    public static final String SELECT = "(osgi.http.whiteboard.context.name=" + NAME + ")";
    public static final String USER = "org.pluginscheduler.web.user";
    public static final String ROLE = "org.pluginscheduler.web.role";
    public static final String PRINCIPAL = "org.pluginscheduler.web.principal";
    /** Set by a servlet to the qualified task id a request acted on, for the audit line. */
    public static final String AUDIT_TASK = "org.pluginscheduler.web.audit.task";
    public static final String SESSION_COOKIE = "PSSESSION";
    public static final String CSRF_HEADER = "X-CSRF-Token";
    static final String SESSION_PATH = "/api/v1/session";

    private final WebAuthComponent auth;

    @Activate
    public SecurityContext(@Reference WebAuthComponent auth, org.osgi.service.component.ComponentContext context) {
        super(usingBundle(context));
        this.auth = auth;
    }

    private static Bundle usingBundle(org.osgi.service.component.ComponentContext context) {
        Bundle using = context.getUsingBundle();
        return using != null ? using : context.getBundleContext().getBundle();
    }

    @Override
    public boolean handleSecurity(HttpServletRequest request, HttpServletResponse response) throws IOException {
        String method = request.getMethod().toUpperCase(Locale.ROOT);
        String path = path(request);
        boolean changing = !(method.equals("GET") || method.equals("HEAD"));
        response.setHeader("X-Content-Type-Options", "nosniff");
        response.setHeader("X-Frame-Options", "DENY");
        response.setHeader("Referrer-Policy", "no-referrer");
        boolean dashboardFile = !changing && (path.equals("/") || path.equals("/ui") || path.startsWith("/ui/"));
        if (!dashboardFile) {
            // the API, and whatever else other bundles serve in this context (metrics, health): all data
            response.setHeader("Cache-Control", "no-store");
        }
        if (changing && crossSite(request)) {
            refuse(request, response, 403, "Cross-site request refused",
                    "a state-changing request must come from the console's own origin", null);
            return false;
        }
        if (dashboardFile) {
            return true;
        }
        if (path.equals(SESSION_PATH) && (method.equals("POST") || method.equals("DELETE"))) {
            return true; // the log-in servlet authenticates (throttled) and audits itself
        }
        Authenticator.Outcome outcome = auth.authenticator().authenticate(request.getHeader("Authorization"),
                sessionCookie(request), request.getRemoteAddr());
        if (outcome instanceof Authenticator.Throttled throttled) {
            response.setHeader("Retry-After", Long.toString(Math.max(1, throttled.retryAfter().toSeconds())));
            refuse(request, response, 429, "Too many failed log-ins",
                    "try again in " + Math.max(1, throttled.retryAfter().toSeconds()) + " s", null);
            return false;
        }
        if (outcome instanceof Authenticator.Denied denied) {
            if (!"cors".equals(request.getHeader("Sec-Fetch-Mode"))
                    && !"same-origin".equals(request.getHeader("Sec-Fetch-Mode"))) {
                // scripts get the Basic challenge; the dashboard's fetch() calls do not (no browser prompt)
                response.setHeader("WWW-Authenticate", "Basic realm=\"pluginscheduler\", charset=\"UTF-8\"");
            }
            refuse(request, response, 401, "Authentication required", denied.reason(), null);
            return false;
        }
        Principal principal = ((Authenticator.Granted) outcome).principal();
        request.setAttribute(PRINCIPAL, principal);
        request.setAttribute(USER, principal.user());
        request.setAttribute(ROLE, principal.role().text());
        if (changing) {
            if (principal.session().isPresent() && !Authenticator.sameSecret(request.getHeader(CSRF_HEADER),
                    principal.session().get().csrfToken())) {
                refuse(request, response, 403, "CSRF token missing or wrong", "send the session's csrfToken (from "
                        + "GET " + SESSION_PATH + ") in the " + CSRF_HEADER + " header", principal);
                return false;
            }
            if (auth.readOnly()) {
                refuse(request, response, 403, "Read-only", "the console is read-only (read.only = true in "
                        + WebConfiguration.PID + ")", principal);
                return false;
            }
            if (!principal.role().includes(Role.OPERATOR)) {
                refuse(request, response, 403, "Operator role required",
                        "user '" + principal.user() + "' has the " + principal.role().text() + " role", principal);
                return false;
            }
        }
        return true;
    }

    @Override
    public void finishSecurity(HttpServletRequest request, HttpServletResponse response) {
        String method = request.getMethod().toUpperCase(Locale.ROOT);
        boolean changing = !(method.equals("GET") || method.equals("HEAD"));
        if (changing && path(request).equals(SESSION_PATH)) {
            return; // log-in and log-out audit themselves
        }
        int status = response.getStatus();
        Object principal = request.getAttribute(PRINCIPAL);
        // every change, and a read the servlet refused (a viewer asking for the audit log)
        if (principal instanceof Principal p && (changing || status == 401 || status == 403)) {
            audit(auth, request, status, p.user(), p.role().text(), p.via(), "");
        }
    }

    static void audit(WebAuthComponent auth, HttpServletRequest request, int status, String user, String role,
                      String via, String note) {
        Object task = request.getAttribute(AUDIT_TASK);
        auth.audit().record(user, role, via, request.getMethod(), path(request), task == null ? null : task.toString(),
                status, request.getRemoteAddr(), note);
    }

    private void refuse(HttpServletRequest request, HttpServletResponse response, int status, String title,
                        String detail, Principal principal) throws IOException {
        String method = request.getMethod().toUpperCase(Locale.ROOT);
        boolean presented = request.getHeader("Authorization") != null || sessionCookie(request) != null;
        // every refused change; and every refused read that presented credentials (a failed log-in by Basic or a
        // token, a role or a lock-out), not the page's own "am I logged in?" before anyone logged in
        if (!(method.equals("GET") || method.equals("HEAD")) || status == 429 || presented || principal != null) {
            audit(auth, request, status, principal == null ? "-" : principal.user(),
                    principal == null ? "-" : principal.role().text(), principal == null ? "-" : principal.via(),
                    "refused=\"" + title + "\"");
        }
        Problems.write(response, status, title, detail, null, path(request));
    }

    /** The request's path inside the context, decoded and normalized by the container. */
    static String path(HttpServletRequest request) {
        String servletPath = request.getServletPath() == null ? "" : request.getServletPath();
        String info = request.getPathInfo() == null ? "" : request.getPathInfo();
        String path = servletPath + info;
        return path.isEmpty() ? "/" : path;
    }

    static String sessionCookie(HttpServletRequest request) {
        Cookie[] cookies = request.getCookies();
        if (cookies != null) {
            for (Cookie cookie : cookies) {
                if (SESSION_COOKIE.equals(cookie.getName())) {
                    return cookie.getValue();
                }
            }
        }
        return null;
    }

    /**
     * @return {@code true} if the browser says the request comes from another site: {@code Sec-Fetch-Site:
     *         cross-site}, or an {@code Origin} whose host and port differ from the request's {@code Host}
     */
    static boolean crossSite(HttpServletRequest request) {
        String site = request.getHeader("Sec-Fetch-Site");
        if (site != null && site.equalsIgnoreCase("cross-site")) {
            return true;
        }
        String origin = request.getHeader("Origin");
        if (origin == null || origin.isBlank()) {
            return false;
        }
        if (origin.equals("null")) {
            return true; // sandboxed frames, file: pages, redirects across origins
        }
        String host = request.getHeader("Host");
        try {
            URI uri = URI.create(origin.trim());
            if (uri.getHost() == null || host == null) {
                return true;
            }
            int port = uri.getPort() >= 0 ? uri.getPort() : ("https".equalsIgnoreCase(uri.getScheme()) ? 443 : 80);
            String originHost = uri.getHost().toLowerCase(Locale.ROOT);
            if (originHost.contains(":") && !originHost.startsWith("[")) {
                originHost = "[" + originHost + "]"; // an IPv6 literal, as the Host header writes it
            }
            String expected = originHost + ":" + port;
            String given = host.trim().toLowerCase(Locale.ROOT);
            if (!given.matches(".*:\\d+$")) {
                given = given + ":" + (request.isSecure() ? 443 : 80);
            }
            return !expected.equals(given);
        } catch (IllegalArgumentException e) {
            return true;
        }
    }
}
