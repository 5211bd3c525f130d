package io.vmdesk.vm;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vmdesk.guest.AgentLaunch;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The API calls that configure and start one Firecracker guest, in the order Firecracker requires: logger and
 * metrics, boot source, drives, network interfaces, machine configuration, MMDS (config, then the data the guest's
 * agent reads: session id, controller URL, one-time token), then {@code InstanceStart}. Pure: the same calls for the
 * same guest, so the contract tests check exactly what the driver sends.
 */
final class FirecrackerSetup {
    static final String IFACE = "eth0";
    private static final JsonNodeFactory F = JsonNodeFactory.instance;

    private FirecrackerSetup() {
    }

    static Path logFile(VmBoot boot) {
        return boot.dir().resolve("firecracker.log");
    }

    static Path metricsFile(VmBoot boot) {
        return boot.dir().resolve("firecracker.metrics");
    }

    static List<FirecrackerApi.Call> calls(VmBoot boot) {
        List<FirecrackerApi.Call> calls = new ArrayList<>();
        calls.add(put("/logger", F.objectNode().put("log_path", logFile(boot).toString()).put("level", "Info")
                .put("show_level", true).put("show_log_origin", false)));
        calls.add(put("/metrics", F.objectNode().put("metrics_path", metricsFile(boot).toString())));
        ObjectNode bootSource = F.objectNode().put("kernel_image_path", boot.image().kernel().toString())
                .put("boot_args", boot.rootfs() == null ? boot.bootArgs() : boot.bootArgs() + " root=/dev/vda rw");
        if (boot.image().initrd() != null) {
            bootSource.put("initrd_path", boot.image().initrd().toString());
        }
        calls.add(put("/boot-source", bootSource));
        if (boot.rootfs() != null) {
            calls.add(put("/drives/rootfs", F.objectNode().put("drive_id", "rootfs")
                    .put("path_on_host", boot.rootfs().toString()).put("is_root_device", true)
                    .put("is_read_only", false)));
        }
        calls.add(put("/network-interfaces/" + IFACE, F.objectNode().put("iface_id", IFACE)
                .put("host_dev_name", boot.tap()).put("guest_mac", boot.spec().mac())));
        calls.add(put("/machine-config", F.objectNode().put("vcpu_count", boot.image().vcpus())
                .put("mem_size_mib", boot.image().memoryMib()).put("smt", false)));
        ObjectNode mmdsConfig = F.objectNode().put("version", "V2");
        mmdsConfig.putArray("network_interfaces").add(IFACE);
        calls.add(put("/mmds/config", mmdsConfig));
        calls.add(put("/mmds", metadata(boot)));
        calls.add(put("/actions", F.objectNode().put("action_type", "InstanceStart")));
        return calls;
    }

    /** What the guest reads from MMDS: who it is and how its agent reaches the controller (token never logged). */
    private static JsonNode metadata(VmBoot boot) {
        ObjectNode vmdesk = F.objectNode().put("sessionId", boot.spec().sessionId())
                .put("address", boot.spec().address().toString()).put("gateway", boot.spec().gateway().toString());
        AgentLaunch agent = boot.spec().agent();
        if (agent != null) {
            vmdesk.put("agentUrl", agent.controllerUrl()).put("agentToken", agent.token());
        }
        ObjectNode root = F.objectNode();
        root.set("vmdesk", vmdesk);
        return root;
    }

    static FirecrackerApi.Call ctrlAltDel() {
        return put("/actions", F.objectNode().put("action_type", "SendCtrlAltDel"));
    }

    private static FirecrackerApi.Call put(String path, JsonNode body) {
        return new FirecrackerApi.Call("PUT", path, body);
    }
}
