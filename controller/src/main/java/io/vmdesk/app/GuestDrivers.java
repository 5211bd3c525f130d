package io.vmdesk.app;

import io.vmdesk.config.Config;
import io.vmdesk.guest.GuestDriver;
import io.vmdesk.guest.NetnsGuestDriver;
import io.vmdesk.host.HostCommands;
import io.vmdesk.vm.FirecrackerVmm;
import io.vmdesk.vm.MicroVmDriver;
import io.vmdesk.vm.QemuVmm;
import io.vmdesk.vm.VmImage;
import java.util.List;

/** GUEST_DRIVER → the driver, refusing to start (with the fix) when the host cannot run it. */
final class GuestDrivers {
    private GuestDrivers() {
    }

    static GuestDriver create(Config config, HostCommands host) {
        if (config.slotTopology()) {
            refuseIfMissing("slot-topology", io.vmdesk.vm.Programs.onPath("nft") ? List.of()
                    : List.of("nft (NETWORK_TOPOLOGY=slot NATs inside each slot with nftables) was not found"),
                    "apt-get install nftables, or NETWORK_TOPOLOGY=bridge");
        }
        if (config.guestDriver().equals("netns")) {
            List<String> missing = NetnsGuestDriver.missingPrograms(config.chromiumBin());
            refuseIfMissing("netns", missing, "apt-get install xvfb openbox x11vnc chromium (or ./vmdesk deps)");
            return new NetnsGuestDriver(host, config.slotTopology());
        }
        VmImage image = new VmImage(config.kernelImage(), config.initrd(), config.rootfsImage(), config.vmKernelArgs(),
                config.vmVcpus(), config.vmMemoryMib());
        MicroVmDriver driver = new MicroVmDriver(host, config.dataDir(), image, switch (config.guestDriver()) {
            case "qemu" -> new QemuVmm(host, config.qemuBin());
            case "firecracker" -> new FirecrackerVmm(host, config.firecrackerBin(), config.jailerBin());
            default -> throw new IllegalStateException("GUEST_DRIVER=" + config.guestDriver() + " is not known");
        }, config.slotTopology());
        refuseIfMissing(config.guestDriver(), driver.missing(), "see each line");
        return driver;
    }

    private static void refuseIfMissing(String driver, List<String> missing, String fix) {
        if (!missing.isEmpty()) {
            throw new IllegalStateException("this host cannot run " + driver + " guests:\n  - "
                    + String.join("\n  - ", missing) + "\n  fix: " + fix);
        }
    }
}
