package io.vmdesk.vm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.networknt.schema.Error;
import com.networknt.schema.InputFormat;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;
import io.vmdesk.guest.AgentLaunch;
import io.vmdesk.guest.GuestException;
import io.vmdesk.guest.GuestSpec;
import io.vmdesk.net.BootArgs;
import io.vmdesk.net.Ipv4Address;
import io.vmdesk.net.Ipv4Network;
import io.vmdesk.net.Naming;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the Firecracker driver sends, held against Firecracker's own API definition (firecracker-api.yaml, copied from
 * Firecracker's swagger): for a range of guests every body validates against the definition its path names, in an
 * order a Firecracker-like server accepts ({@link FakeFirecrackerApi}), and a refusal becomes a named failure that
 * carries Firecracker's fault message.
 */
class FirecrackerContractTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static JsonNode spec;

    @TempDir
    Path dir;

    @BeforeAll
    static void readSpec() throws Exception {
        try (InputStream in = FirecrackerContractTest.class.getResourceAsStream("/firecracker-api.yaml")) {
            // Jackson 3's YAML reader comes with the validator; the tree is handed over as JSON text
            String json = new tools.jackson.dataformat.yaml.YAMLMapper().readTree(in).toString();
            spec = JSON.readTree(json);
        }
        // Firecracker rejects unknown fields (serde deny_unknown_fields); the swagger file does not say so, the
        // schemas below do, so a misspelt field fails here as it would there.
        for (Iterator<Map.Entry<String, JsonNode>> it = spec.get("definitions").fields(); it.hasNext(); ) {
            JsonNode definition = it.next().getValue();
            if (definition.has("properties") && !definition.has("additionalProperties")) {
                ((ObjectNode) definition).put("additionalProperties", false);
            }
        }
    }

    /** The body schema the API definition gives for a method and concrete path (templates like /drives/{drive_id}). */
    private static Schema schemaFor(String method, String path) {
        for (Iterator<Map.Entry<String, JsonNode>> it = spec.get("paths").fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> entry = it.next();
            if (!path.matches(entry.getKey().replaceAll("\\{[^}]+}", "[^/]+"))) {
                continue;
            }
            JsonNode operation = entry.getValue().path(method.toLowerCase());
            for (JsonNode parameter : operation.path("parameters")) {
                if (parameter.path("in").asText().equals("body")) {
                    ObjectNode standalone = JSON.createObjectNode();
                    standalone.put("$schema", "http://json-schema.org/draft-04/schema#");
                    standalone.setAll((ObjectNode) parameter.get("schema").deepCopy());
                    standalone.set("definitions", spec.get("definitions"));
                    return SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_4)
                            .getSchema(standalone.toString(), InputFormat.JSON);
                }
            }
            throw new AssertionError(method + " " + path + " has no body parameter in firecracker-api.yaml");
        }
        throw new AssertionError(method + " " + path + " is not in firecracker-api.yaml");
    }

    private VmBoot boot(int vcpus, int memory, boolean initrd, boolean rootfs, boolean agent, String network,
            String guest, String gateway) throws Exception {
        String id = "3f2a9c1e-7b4d-4e21-9a0b-5c6d7e8f9a01";
        Ipv4Network net = Ipv4Network.parse(network);
        Ipv4Address address = Ipv4Address.parse(guest);
        Ipv4Address gw = Ipv4Address.parse(gateway);
        GuestSpec spec = new GuestSpec(id, address, net, gw, Naming.macFor(address), Naming.interfaceName(id), "unused",
                dir.resolve("sessions").resolve(id), "br0", "chromium",
                agent ? new AgentLaunch(List.of("java", "-jar", "agent.jar"), id, "http://" + gateway + ":4000",
                        "secret-token") : null);
        Path vmDir = Files.createDirectories(dir.resolve("vms").resolve(id));
        VmImage image = new VmImage(dir.resolve("vmlinux"), initrd ? dir.resolve("initrd.gz") : null,
                rootfs ? dir.resolve("rootfs.ext4") : null, List.of(), vcpus, memory);
        return new VmBoot(spec, image, vmDir, spec.hostInterface(),
                BootArgs.commandLine(address, gw, net, List.of()), rootfs ? vmDir.resolve("rootfs.ext4") : null);
    }

    private List<VmBoot> configurations() throws Exception {
        return List.of(
                boot(1, 128, true, false, false, "192.168.100.0/24", "192.168.100.2", "192.168.100.1"),
                boot(2, 2048, false, true, true, "192.168.0.0/16", "192.168.100.23", "192.168.0.1"),
                boot(4, 512, true, true, true, "10.20.30.32/28", "10.20.30.44", "10.20.30.33"),
                boot(32, 16384, false, true, false, "172.16.0.0/12", "172.16.5.9", "172.16.0.1"));
    }

    @Test
    void everyBodyValidatesAgainstTheApiDefinitionAndTheOrderIsAccepted() throws Exception {
        for (VmBoot boot : configurations()) {
            Path socket = Files.createTempFile(dir, "fc", ".sock");
            try (FakeFirecrackerApi fake = new FakeFirecrackerApi(socket)) {
                FirecrackerVmm.configure(new FirecrackerApi(socket), boot);

                List<String> sent = new ArrayList<>();
                for (FakeFirecrackerApi.Request request : fake.requests) {
                    sent.add(request.method() + " " + request.path());
                    List<Error> errors = schemaFor(request.method(), request.path())
                            .validate(request.body().toString(), InputFormat.JSON);
                    assertThat(errors).as("%s %s %s", request.method(), request.path(), request.body()).isEmpty();
                }
                assertThat(sent).as("Firecracker's order").containsSubsequence("PUT /logger", "PUT /metrics",
                        "PUT /boot-source", "PUT /network-interfaces/eth0", "PUT /machine-config", "PUT /mmds/config",
                        "PUT /mmds", "PUT /actions").last().isEqualTo("PUT /actions");
                assertThat(sent.contains("PUT /drives/rootfs")).isEqualTo(boot.rootfs() != null);
                JsonNode bootSource = fake.requests.get(2).body();
                assertThat(bootSource.get("boot_args").asText()).contains(
                        "ip=" + boot.spec().address() + "::" + boot.spec().gateway() + ":"
                                + boot.spec().network().netmask() + "::eth0:off");
                JsonNode mmds = fake.requests.stream().filter(r -> r.path().equals("/mmds")).findFirst().orElseThrow()
                        .body();
                assertThat(mmds.at("/vmdesk/sessionId").asText()).isEqualTo(boot.spec().sessionId());
                assertThat(mmds.at("/vmdesk/agentToken").asText(null))
                        .isEqualTo(boot.spec().agent() == null ? null : "secret-token");
                JsonNode nic = fake.requests.stream().filter(r -> r.path().startsWith("/network-interfaces"))
                        .findFirst().orElseThrow().body();
                assertThat(nic.get("host_dev_name").asText()).isEqualTo(boot.tap()).hasSizeLessThanOrEqualTo(15);
                assertThat(nic.get("guest_mac").asText()).isEqualTo(boot.spec().mac());
            }
        }
    }

    @Test
    void theContractCatchesABodyFirecrackerWouldReject() {
        // the check itself can fail: a misspelt field and a missing required one are both caught
        assertThat(schemaFor("PUT", "/machine-config").validate("{\"vcpu_count\":1,\"mem_size_mb\":128}",
                InputFormat.JSON)).isNotEmpty();
        assertThat(schemaFor("PUT", "/drives/rootfs").validate("{\"drive_id\":\"rootfs\"}", InputFormat.JSON))
                .isNotEmpty();
    }

    @Test
    void aRefusalIsANamedFailureCarryingFirecrackersFaultMessage() throws Exception {
        VmBoot boot = configurations().get(1);
        Path socket = Files.createTempFile(dir, "fc", ".sock");
        try (FakeFirecrackerApi fake = new FakeFirecrackerApi(socket)) {
            fake.refuse("/drives/rootfs", "Unable to create the block device: No such file or directory (os error 2)");
            assertThatThrownBy(() -> FirecrackerVmm.configure(new FirecrackerApi(socket), boot))
                    .isInstanceOf(GuestException.class)
                    .hasMessage("firecracker.configure: Firecracker refused PUT /drives/rootfs (400): Unable to create"
                            + " the block device: No such file or directory (os error 2)");
            assertThat(fake.requests.getLast().path()).as("nothing after the refusal").isEqualTo("/drives/rootfs");
        }
    }
}
