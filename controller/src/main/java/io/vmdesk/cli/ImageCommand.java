package io.vmdesk.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.vmdesk.image.ImageException;
import io.vmdesk.image.ImageInspector;
import io.vmdesk.image.Inspection;
import io.vmdesk.image.Severity;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code vmdesk image …}: guest images. {@code image build …} is the launcher's (shell scripts in images/). */
@Command(name = "image", description = "Guest images (`./vmdesk image build test-guest` builds one).",
        subcommands = {ImageCommand.Inspect.class})
final class ImageCommand implements Callable<Integer> {
    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        System.err.println("vmdesk: say which: `./vmdesk image inspect IMAGE` (or `./vmdesk image build test-guest`)");
        spec.commandLine().usage(System.err);
        return 2;
    }

    /** Exit 1 when something fights ip= (or, with --strict, anything is missing too), 2 when the image is unreadable. */
    @Command(name = "inspect", description = "Read an ext4 guest image without mounting it; report what would fight "
            + "the kernel's ip= configuration of eth0 and what a vmdesk guest lacks, each with its fix.")
    static final class Inspect implements Callable<Integer> {
        static final int EXIT_FIGHTS = 1;
        static final int EXIT_UNREADABLE = 2;

        @Parameters(paramLabel = "IMAGE", description = "the ext4 image (e.g. ROOTFS_IMAGE)")
        Path image;

        @Option(names = "--json", description = "print {\"image\",\"findings\":[{severity,id,file,says,fix}],\"summary\"}")
        boolean json;

        @Option(names = "--strict", description = "also exit 1 when something is missing (VNC server, agent unit, "
                + "CONFIG_IP_PNP)")
        boolean strict;

        @Override
        public Integer call() throws Exception {
            Inspection inspection;
            try {
                inspection = ImageInspector.inspect(image);
            } catch (ImageException e) {
                System.err.println("vmdesk: " + e.getMessage());
                return EXIT_UNREADABLE;
            }
            if (json) {
                System.out.println(new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT)
                        .writeValueAsString(inspection.toJson()));
            } else {
                System.out.print(inspection.toText());
            }
            boolean fail = inspection.fights() || strict && inspection.count(Severity.MISSING) > 0;
            return fail ? EXIT_FIGHTS : 0;
        }
    }
}
