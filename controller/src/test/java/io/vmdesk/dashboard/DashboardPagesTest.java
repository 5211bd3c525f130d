package io.vmdesk.dashboard;

import static org.assertj.core.api.Assertions.assertThat;

import io.vmdesk.store.SessionRow;
import io.vmdesk.store.StepRow;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Session data comes from guests (agent step details, process logs, diagnoses): the pages must show it as text. */
class DashboardPagesTest {
    private static final String ATTACK = "<script>alert(1)</script><img src=x onerror=\"alert(2)\">'";
    private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");

    private static SessionRow row(String status, String diagnosis) {
        return new SessionRow("0f8fad5b-d9cb-469f-a165-70867728950e", "user" + ATTACK, "codex", status,
                "192.168.100.2", null, T0, T0.plusSeconds(1800), T0.plusMillis(900), null, ATTACK, diagnosis, ATTACK);
    }

    @Test
    void guestDataOnTheSessionPageIsEscaped() {
        String page = DashboardPages.session(row("READY", ATTACK),
                List.of(new StepRow("agent.error", "failed", T0.plusMillis(500), 0, ATTACK)),
                "--- chromium.log ---\n" + ATTACK, ATTACK, null);
        assertThat(page).doesNotContain("<script>alert").doesNotContain("<img").doesNotContain("onerror=\"")
                .contains("&lt;script&gt;alert(1)&lt;/script&gt;&lt;img src=x onerror=&quot;alert(2)&quot;&gt;&#39;");
        // our own scripts only
        assertThat(page.split("<script", -1)).hasSize(2);
        assertThat(page).contains("<script src=\"/dashboard/assets/session.js\"></script>");
    }

    @Test
    void theKeepAliveNoticeNamesTheStatusAndReasonAsText() {
        SessionRow ended = row("ENDED", null);
        assertThat(DashboardRoutes.notice("session-not-live", ended)).startsWith("Keep alive did nothing: the session "
                + "is ENDED (" + ATTACK + "), so there is no idle clock to restart.");
        assertThat(DashboardRoutes.notice("<script>", ended)).isNull();
        assertThat(DashboardRoutes.notice(null, ended)).isNull();
        String page = DashboardPages.session(ended, List.of(), null, null, null,
                DashboardRoutes.notice("session-not-live", ended));
        assertThat(page).contains("<p class=\"error\" id=\"notice\" role=\"alert\">Keep alive did nothing")
                .doesNotContain("<script>alert").contains("ENDED (&lt;script&gt;alert(1)");
        assertThat(DashboardPages.session(ended, List.of(), null, null, null)).doesNotContain("id=\"notice\"");
    }

    @Test
    void guestDataInTheTableAndOnTheLoginPageIsEscaped() {
        String index = DashboardPages.index(List.of(row("FAILED", ATTACK)), Map.of("bridge", ATTACK));
        assertThat(index).doesNotContain("<script>alert").doesNotContain("<img").contains("user&lt;script&gt;");
        assertThat(DashboardPages.login(ATTACK)).doesNotContain("<script>alert").contains("&lt;script&gt;");
    }

    @Test
    void theTimelinePlacesEachStepByItsOffsetAndDuration() {
        String page = DashboardPages.session(row("READY", null), List.of(
                new StepRow("net.lease", "ok", T0, 250, null),
                new StepRow("guest.start", "ok", T0.plusMillis(250), 750, null)), null, "tok", T0.plusSeconds(600));
        assertThat(page).contains("<td>net.lease</td><td>ok</td><td>0</td><td>250</td>")
                .contains("margin-left:0%;width:25%").contains("margin-left:25%;width:75%")
                .contains("<iframe id=\"liveview\"").contains("/novnc?token=tok\"").contains("id=\"end\"")
                .contains("id=\"extend\"").contains("<dd data-field=\"idleDeadline\">")
                .contains("action=\"/dashboard/session/" + row("READY", null).id() + "/extend\"");
        assertThat(DashboardPages.session(row("ENDED", null), List.of(), null, null, null)).doesNotContain("<iframe")
                .doesNotContain("id=\"end\"").doesNotContain("id=\"extend\"");
    }
}
