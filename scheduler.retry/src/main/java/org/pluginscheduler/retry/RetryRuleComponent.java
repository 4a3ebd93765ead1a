package org.pluginscheduler.retry;

import java.util.Dictionary;
import java.util.Hashtable;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.osgi.framework.BundleContext;
import org.osgi.framework.Constants;
import org.osgi.framework.ServiceRegistration;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.metatype.annotations.Designate;
import org.pluginscheduler.api.RetryDecision;
import org.pluginscheduler.api.TaskFailure;
import org.pluginscheduler.api.TaskFailureHandler;
import org.pluginscheduler.internal.config.ConfigReader;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One retry rule: Declarative Services creates one instance per factory configuration of
 * {@value #FACTORY_PID} (configuration required), changes it when the configuration changes and deactivates it
 * when the configuration is deleted. While its configuration is valid the instance has one
 * {@link TaskFailureHandler} service registered, with {@code service.ranking} = the rule's {@code ranking}.
 *
 * <p>Why the handler is registered by hand instead of being the component's own service: Declarative Services
 * would register the service before the configuration is validated (a delayed component is activated on first
 * use), publish whatever the configuration holds as service properties, and has no standard way to set
 * {@code service.ranking} from another property. Here an invalid first configuration registers nothing, a bad
 * change keeps the last good rule (and its ranking) in force, and a new ranking updates the registration's
 * properties, which the scheduler sees as a modified service and re-sorts its handlers.
 *
 * <p>Thread-safety: Declarative Services serializes activate, modified and deactivate; they are synchronized
 * anyway. The scheduler calls the handler from its own threads; it reads the current rule from a volatile field.
 */
@Component(configurationPid = RetryRuleComponent.FACTORY_PID, configurationPolicy = ConfigurationPolicy.REQUIRE)
@Designate(ocd = RetryRuleConfiguration.class, factory = true)
public final class RetryRuleComponent {

    /** The factory PID of retry rules; files {@code etc/org.pluginscheduler.retry.rule-<name>.cfg}. */
    public static final String FACTORY_PID = "org.pluginscheduler.retry.rule";

    /** Service property of each handler: the PID of the configuration it comes from. */
    public static final String RULE_PID = "retry.rule.pid";

    /** Service property of each handler: its rule's action ({@code retry}, {@code give-up}, {@code abort}). */
    public static final String RULE_ACTION = "retry.rule.action";

    private static final Logger LOG = LoggerFactory.getLogger(RetryRuleComponent.class);

    private final RuleHandler handler = new RuleHandler();
    private BundleContext context;
    private ServiceRegistration<TaskFailureHandler> registration;

    @Activate
    synchronized void activate(BundleContext context, RetryRuleConfiguration cfg, Map<String, Object> properties) {
        this.context = context;
        configure(cfg, properties);
    }

    @Modified
    synchronized void modified(RetryRuleConfiguration cfg, Map<String, Object> properties) {
        configure(cfg, properties);
    }

    @Deactivate
    synchronized void deactivate(Map<String, Object> properties) {
        if (registration != null) {
            try {
                registration.unregister();
            } catch (IllegalStateException e) {
                // already gone with the bundle
            }
            registration = null;
            LOG.info("Retry rule {} removed: its failure handler is unregistered", pid(properties));
        }
    }

    /**
     * Applies a configuration if it is valid: registers the handler, or updates the rule and the registration's
     * ranking. If not, logs every problem with its field and keeps what is in force: the last good rule, or none.
     */
    private void configure(RetryRuleConfiguration cfg, Map<String, Object> properties) {
        String pid = pid(properties);
        RetryRule rule;
        try {
            rule = check(pid, properties, () -> RetryRule.from(ruleName(pid), cfg));
        } catch (InvalidRuleException e) {
            RetryRule current = handler.rule;
            if (current == null) {
                LOG.error("Retry rule {} rejected: {}. No failure handler is registered for it until the "
                        + "configuration is fixed", pid, e.getMessage());
            } else {
                LOG.error("Retry rule {} rejected: {}. Keeping the last good rule in force: {}", pid,
                        e.getMessage(), current);
            }
            return;
        }
        handler.rule = rule;
        Dictionary<String, Object> serviceProperties = serviceProperties(pid, rule);
        if (registration == null) {
            registration = context.registerService(TaskFailureHandler.class, handler, serviceProperties);
        } else {
            registration.setProperties(serviceProperties);
        }
        LOG.info("Retry rule {} applied: {}", pid, rule);
    }

    /** The keys of this factory PID, in the order they are described. */
    static final List<String> KEYS = List.of(RetryRule.TASK, RetryRule.EXCEPTION, RetryRule.MESSAGE, RetryRule.STATUS,
            RetryRule.ACTION, RetryRule.DELAY, RetryRule.BACKOFF, RetryRule.MAX_DELAY, RetryRule.REASON,
            RetryRule.RANKING);

    interface RuleSupplier {
        RetryRule get() throws InvalidRuleException;
    }

    /**
     * Warns once about each unknown key, then reads the numbers from the raw properties: Declarative Services'
     * own conversion ({@code ranking = 99999999999}, {@code backoff = fast}) fails with a message that does not
     * say which value is wrong or why. The rule's own problems come after, without the numbers' duplicates.
     *
     * @throws InvalidRuleException naming every bad field and its value
     */
    static RetryRule check(String pid, Map<String, ?> properties, RuleSupplier rule) throws InvalidRuleException {
        ConfigReader r = new ConfigReader(properties, KEYS);
        r.unknownKeyWarnings().forEach(w -> LOG.warn("Configuration {}: {}", pid, w));
        r.decimal(RetryRule.BACKOFF, 1, 1, 100);
        r.integer(RetryRule.RANKING, 0, Integer.MIN_VALUE, Integer.MAX_VALUE);
        List<String> problems = new ArrayList<>(r.problems());
        try {
            RetryRule built = rule.get();
            if (problems.isEmpty()) {
                return built;
            }
        } catch (InvalidRuleException e) {
            for (String problem : e.problems()) {
                if (!problem.startsWith(RetryRule.BACKOFF + ": ") && !problem.startsWith(RetryRule.RANKING + ": ")
                        || r.problems().isEmpty()) {
                    problems.add(problem);
                }
            }
        }
        throw new InvalidRuleException(problems);
    }

    private static Dictionary<String, Object> serviceProperties(String pid, RetryRule rule) {
        Hashtable<String, Object> p = new Hashtable<>();
        p.put(Constants.SERVICE_RANKING, rule.ranking());
        p.put(Constants.SERVICE_DESCRIPTION, "Retry rule " + rule.name());
        p.put(RULE_PID, pid);
        p.put(RULE_ACTION, rule.action().text);
        p.put(TaskFailureHandler.OWNERS, "*"); // an administrator's rule: its task pattern says which tasks
        return p;
    }

    private static String pid(Map<String, Object> properties) {
        Object pid = properties.get(Constants.SERVICE_PID);
        return pid == null ? FACTORY_PID + " (no PID)" : pid.toString();
    }

    /**
     * @return the name in a named factory configuration's PID ({@code org.pluginscheduler.retry.rule~ratelimit},
     *         as FileInstall creates from {@code org.pluginscheduler.retry.rule-ratelimit.cfg}), else the PID
     */
    static String ruleName(String pid) {
        String prefix = FACTORY_PID + "~";
        return pid.startsWith(prefix) && pid.length() > prefix.length() ? pid.substring(prefix.length()) : pid;
    }

    /** The registered service: asks the rule in force. */
    static final class RuleHandler implements TaskFailureHandler {
        volatile RetryRule rule;

        @Override
        public Optional<RetryDecision> onFailure(TaskFailure failure) {
            RetryRule r = rule;
            return r == null ? Optional.empty() : r.decide(failure);
        }

        @Override
        public String toString() {
            RetryRule r = rule;
            return "retry rule " + (r == null ? "(none)" : r.name());
        }
    }
}
