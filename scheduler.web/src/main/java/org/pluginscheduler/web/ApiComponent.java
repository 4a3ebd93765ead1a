package org.pluginscheduler.web;

import com.google.gson.JsonObject;
import jakarta.servlet.Servlet;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.servlet.whiteboard.propertytypes.HttpWhiteboardContextSelect;
import org.osgi.service.servlet.whiteboard.propertytypes.HttpWhiteboardServletPattern;
import org.pluginscheduler.api.SchedulerAdmin;
import org.pluginscheduler.web.api.ApiServlet;
import org.pluginscheduler.web.api.Problems;
import org.pluginscheduler.web.auth.Authenticator;
import org.pluginscheduler.web.auth.Principal;

/** Registers the REST API ({@link ApiServlet}) at {@code /api/v1/*} in the console's context, and does log-in. */
@Component(service = Servlet.class)
@HttpWhiteboardServletPattern("/api/v1/*")
@HttpWhiteboardContextSelect(SecurityContext.SELECT)
public final class ApiComponent extends HttpServlet implements ApiServlet.Sessions {

    private static final long serialVersionUID = 1L;

    private final transient WebAuthComponent auth;
    private final transient ApiServlet api;

    @Activate
    public ApiComponent(@Reference SchedulerAdmin admin, @Reference WebAuthComponent auth) {
        this.auth = auth;
        this.api = new ApiServlet(admin, this);
    }

    @Override
    protected void service(HttpServletRequest request, HttpServletResponse response) throws IOException {
        api.handle(request, response);
    }

    @Override
    public void current(HttpServletRequest request, HttpServletResponse response) throws IOException {
        if (!(request.getAttribute(SecurityContext.PRINCIPAL) instanceof Principal principal)) {
            Problems.write(response, 401, "Authentication required", "log in first", null, request.getRequestURI());
            return;
        }
        sendSession(response, principal);
    }

    @Override
    public void logIn(HttpServletRequest request, HttpServletResponse response, String user, String password)
            throws IOException {
        Authenticator.Outcome outcome = auth.authenticator().logIn(user, password, request.getRemoteAddr());
        if (outcome instanceof Authenticator.Throttled throttled) {
            long seconds = Math.max(1, throttled.retryAfter().toSeconds());
            response.setHeader("Retry-After", Long.toString(seconds));
            SecurityContext.audit(auth, request, 429, auditName(user), "-", "session", "login=throttled");
            Problems.write(response, 429, "Too many failed log-ins", "try again in " + seconds + " s", null,
                    request.getRequestURI());
            return;
        }
        if (outcome instanceof Authenticator.Denied denied) {
            SecurityContext.audit(auth, request, 401, auditName(user), "-", "session", "login=failed");
            Problems.write(response, 401, "Log-in failed", denied.reason(), null, request.getRequestURI());
            return;
        }
        Principal principal = ((Authenticator.Granted) outcome).principal();
        String id = principal.session().orElseThrow().id();
        response.addHeader("Set-Cookie", SecurityContext.SESSION_COOKIE + "=" + id + "; Path=/; HttpOnly; "
                + "SameSite=Strict" + (request.isSecure() ? "; Secure" : ""));
        SecurityContext.audit(auth, request, 200, principal.user(), principal.role().text(), "session", "login=ok");
        sendSession(response, principal);
    }

    @Override
    public com.google.gson.JsonArray audit(int limit) {
        return auth.audit().recent(limit);
    }

    /**
     * The name a failed log-in is audited under: a configured user's name, else {@code (unknown)} — people type
     * their password into the name field, and that must not reach the log.
     */
    private String auditName(String user) {
        return auth.authenticator().userNames().contains(user) ? user : "(unknown)";
    }

    @Override
    public void logOut(HttpServletRequest request, HttpServletResponse response) throws IOException {
        String id = SecurityContext.sessionCookie(request);
        Authenticator.Outcome ending = id == null ? null : auth.authenticator().authenticate(null, id,
                request.getRemoteAddr());
        auth.authenticator().logOut(id);
        response.addHeader("Set-Cookie", SecurityContext.SESSION_COOKIE + "=; Path=/; HttpOnly; SameSite=Strict; "
                + "Max-Age=0");
        response.setStatus(204);
        if (ending instanceof Authenticator.Granted granted) { // a log-out ends a session: who, like a log-in
            SecurityContext.audit(auth, request, 204, granted.principal().user(), granted.principal().role().text(),
                    "session", "logout");
        }
    }

    private void sendSession(HttpServletResponse response, Principal principal) throws IOException {
        JsonObject o = new JsonObject();
        o.addProperty("user", principal.user());
        o.addProperty("role", principal.role().text());
        o.addProperty("readOnly", auth.readOnly());
        o.addProperty("csrfToken", principal.session().map(s -> s.csrfToken()).orElse(null));
        response.setStatus(200);
        response.setContentType("application/json");
        response.setCharacterEncoding("UTF-8");
        byte[] bytes = org.pluginscheduler.web.api.Json.GSON.toJson(o).getBytes(java.nio.charset.StandardCharsets.UTF_8);
        response.setContentLength(bytes.length);
        response.getOutputStream().write(bytes);
    }
}
