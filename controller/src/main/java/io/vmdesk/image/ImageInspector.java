package io.vmdesk.image;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code vmdesk image inspect}: reads a guest's ext4 root filesystem without mounting it and reports what will fight
 * the kernel's {@code ip=} configuration of eth0 (the predecessor's fault: a network manager in the guest removed
 * the address a few seconds after boot), and what a vmdesk guest needs but lacks.
 */
public final class ImageInspector {
    private ImageInspector() {
    }

    public static Inspection inspect(Path imagePath) throws ImageException {
        Ext4Image image = Ext4Image.open(imagePath);
        SystemdUnits units = SystemdUnits.read(image);
        List<Finding> findings = new ArrayList<>();
        findings.addAll(NetworkdCheck.run(image, units));
        findings.addAll(NetplanCheck.run(image));
        findings.addAll(IfupdownCheck.run(image, units));
        findings.addAll(NetworkManagerCheck.run(image, units));
        findings.addAll(ServicesCheck.run(image, units));
        findings.addAll(MissingCheck.run(image, units));
        return new Inspection(imagePath, findings);
    }
}
