package io.vmdesk.doctor;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import io.vmdesk.host.HostCommands;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The kernel's view of the host network namespace, read once per doctor run with {@code ip -j} (JSON) and
 * {@code /proc/sys}. Everything goes through {@link HostCommands}, so a test (or {@code --netns}) inspects another
 * namespace simply by wrapping the commands. Reads never change anything.
 */
public final class HostState {
    private static final Duration TIMEOUT = Duration.ofSeconds(10);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final HostCommands cmd;
    private final Map<String, Object> cache = new ConcurrentHashMap<>();

    public HostState(HostCommands cmd) {
        this.cmd = cmd;
    }

    public HostCommands commands() {
        return cmd;
    }

    /** {@code ip -j -d link show}: every link with details (kind, master, bridge/port data, flags). */
    public JsonNode links() {
        return (JsonNode) memo("links", k -> ipJson("-d", "link", "show"));
    }

    public Optional<JsonNode> link(String name) {
        for (JsonNode l : links()) {
            if (l.path("ifname").asText().equals(name)) {
                return Optional.of(l);
            }
        }
        return Optional.empty();
    }

    /** {@code ip -j addr show}: links with their addresses. */
    public JsonNode addresses() {
        return (JsonNode) memo("addrs", k -> ipJson("-4", "addr", "show"));
    }

    /** The IPv4 addresses of a device as {@code a.b.c.d/n}. */
    public List<String> ipv4(String device) {
        List<String> out = new ArrayList<>();
        for (JsonNode l : addresses()) {
            if (l.path("ifname").asText().equals(device)) {
                for (JsonNode a : l.path("addr_info")) {
                    if (a.path("family").asText("inet").equals("inet") && a.has("local")) {
                        out.add(a.path("local").asText() + "/" + a.path("prefixlen").asInt());
                    }
                }
            }
        }
        return out;
    }

    /** {@code ip -j -4 route show table main}. */
    public JsonNode routes() {
        return (JsonNode) memo("routes", k -> ipJson("-4", "route", "show", "table", "main"));
    }

    /** {@code ip -j route get ADDRESS}: the route the kernel picks for a destination. */
    public Optional<JsonNode> routeTo(String address) {
        JsonNode r = (JsonNode) memo("route-get " + address, k -> {
            HostCommands.Result res = cmd.run(TIMEOUT, "ip", "-j", "-4", "route", "get", address);
            return res.ok() ? parse(res.stdout()) : JsonNodeFactory.instance.arrayNode();
        });
        return r.isArray() && !r.isEmpty() ? Optional.of(r.get(0)) : Optional.empty();
    }

    /** {@code ip -j neigh show}: the neighbour (ARP) table. */
    public JsonNode neighbours() {
        return (JsonNode) memo("neigh", k -> ipJson("-4", "neigh", "show"));
    }

    /** Forgets the neighbour table, after probes changed it. */
    public void refreshNeighbours() {
        cache.remove("neigh");
    }

    /** A /proc/sys value (e.g. {@code net/ipv4/ip_forward}) as this namespace sees it; empty when absent. */
    public Optional<String> sysctl(String path) {
        String v = (String) memo("sysctl " + path, k -> {
            HostCommands.Result r = cmd.run(TIMEOUT, "cat", "/proc/sys/" + path);
            return r.ok() ? r.stdout().strip() : "\u0000";
        });
        return v.equals("\u0000") ? Optional.empty() : Optional.of(v);
    }

    /** Names registered under /run/netns ({@code ip netns list}). */
    public List<String> namespaces() {
        @SuppressWarnings("unchecked")
        List<String> names = (List<String>) memo("netns", k -> {
            HostCommands.Result r = cmd.run(TIMEOUT, "ip", "netns", "list");
            List<String> out = new ArrayList<>();
            for (String line : r.stdout().split("\n")) {
                String name = line.strip().split("\\s+", 2)[0];
                if (!name.isEmpty()) {
                    out.add(name);
                }
            }
            return out;
        });
        return names;
    }

    /**
     * The registered namespaces that this namespace knows by an id ({@code ip -j netns list}, run here, so the ids
     * are the ones {@code link_netnsid} of this namespace's links refers to): id → name. Empty when ip refuses.
     */
    public Map<Integer, String> namespaceIds() {
        @SuppressWarnings("unchecked")
        Map<Integer, String> ids = (Map<Integer, String>) memo("netns-ids", k -> {
            // "-j" before "netns": HostCommands then runs it inside the examined namespace, not in the caller's
            HostCommands.Result r = cmd.run(TIMEOUT, "ip", "-j", "netns", "list");
            Map<Integer, String> out = new java.util.HashMap<>();
            if (r.ok()) {
                for (JsonNode n : parse(r.stdout())) {
                    if (n.has("id")) {
                        out.put(n.path("id").asInt(), n.path("name").asText());
                    }
                }
            }
            return out;
        });
        return ids;
    }

    /** {@code nft -j list ruleset}; empty when nft is missing or refuses. */
    public Optional<JsonNode> nftRuleset() {
        JsonNode r = (JsonNode) memo("nft", k -> {
            HostCommands.Result res;
            try {
                res = cmd.run(TIMEOUT, "nft", "-j", "list", "ruleset");
            } catch (RuntimeException e) {
                return JsonNodeFactory.instance.nullNode();
            }
            return res.ok() ? parse(res.stdout()) : JsonNodeFactory.instance.nullNode();
        });
        return r.isNull() ? Optional.empty() : Optional.of(r);
    }

    /**
     * The cached value, computed on first use. Not computeIfAbsent: that holds a lock on the map's bin while the
     * command runs, which serialises parallel lookups of different keys (50 guests' routes, one after another).
     */
    private Object memo(String key, java.util.function.Function<String, Object> compute) {
        Object value = cache.get(key);
        if (value == null) {
            value = compute.apply(key);
            Object earlier = cache.putIfAbsent(key, value);
            if (earlier != null) {
                value = earlier;
            }
        }
        return value;
    }

    /** Runs a read-only command (arping, ip -n …) and returns its result. */
    public HostCommands.Result run(Duration timeout, String... argv) {
        return cmd.run(timeout, argv);
    }

    /** The flags of a link ("UP", "LOWER_UP", "NO-CARRIER"…). */
    public static List<String> flags(JsonNode link) {
        List<String> out = new ArrayList<>();
        link.path("flags").forEach(f -> out.add(f.asText()));
        return out;
    }

    private JsonNode ipJson(String... args) {
        List<String> argv = new ArrayList<>(List.of("ip", "-j"));
        argv.addAll(List.of(args));
        return parse(cmd.runChecked(TIMEOUT, argv.toArray(String[]::new)).stdout());
    }

    static JsonNode parse(String text) {
        if (text == null || text.isBlank()) {
            return JsonNodeFactory.instance.arrayNode();
        }
        try {
            return JSON.readTree(text);
        } catch (IOException e) {
            throw new IllegalStateException("could not parse JSON from a host command: " + e.getMessage(), e);
        }
    }
}
