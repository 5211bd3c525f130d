package io.vmdesk.doctor;

import java.util.List;

/** A group of related checks (bridge, routing, …); one class per family. */
interface CheckFamily {
    /** The family's prefix of check ids, e.g. "bridge". */
    String name();

    List<Check> run(Examination exam);
}
