package io.vmdesk.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.vmdesk.cli.LiveViewBrowser;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Several viewers of one session, under each VIEWER_POLICY. */
@Timeout(240)
class ViewerPolicyTest {

    private static String readySession(ControllerProcess controller) throws Exception {
        String id = controller.createSession("gemini", "viewer-policy").get("sessionId").asText();
        JsonNode session = controller.awaitSettled(id, Duration.ofSeconds(120));
        assertThat(session.get("status").asText()).as(session.toString()).isEqualTo("READY");
        return id;
    }

    private static String websocket(ControllerProcess controller, String id) throws Exception {
        return controller.liveViewSocket(id);
    }

    @Test
    void underTheExclusivePolicyANewViewerReplacesTheOldWhichGets4410() throws Exception {
        try (ControllerProcess controller = ControllerProcess.start(Map.of("VIEWER_POLICY", "exclusive"))) {
            String id = readySession(controller);
            RfbViewer first = RfbViewer.connect(websocket(controller, id)).handshake();
            RfbViewer second = RfbViewer.connect(websocket(controller, id)).handshake();
            assertThat(first.closed.get(10, TimeUnit.SECONDS)).isEqualTo("4410 replaced: another viewer took over");
            second.requestUpdateAndAwaitData(Duration.ofSeconds(10));
            assertThat(ControllerProcess.json(controller.get("/api/auth/session/" + id)).get("lastDisconnect")
                    .asText()).isEqualTo("4410 replaced: another viewer took over");
            second.abort();
        }
    }

    @Test
    void replacedBrowsersDoNotFightOverTheDesktopTheyStopAndSayWhy() throws Exception {
        try (ControllerProcess controller = ControllerProcess.start(Map.of("VIEWER_POLICY", "exclusive"))) {
            String id = controller.createSession("gemini", "viewer-policy").get("sessionId").asText();
            JsonNode session = controller.awaitSettled(id, Duration.ofSeconds(120));
            assertThat(session.get("status").asText()).as(session.toString()).isEqualTo("READY");
            String url = session.get("novncURL").asText();
            try (LiveViewBrowser first = LiveViewBrowser.open("chromium", url)) {
                org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(30)).until(first::connected);
                try (LiveViewBrowser second = LiveViewBrowser.open("chromium", url)) {
                    org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(30)).until(
                            () -> first.banner().startsWith("Another viewer took over"));
                    // noVNC reconnects a second after a close: give a fight the time to show
                    Thread.sleep(6000);
                    assertThat(second.connected()).as("the newer viewer keeps the desktop").isTrue();
                    assertThat(first.connected()).isFalse();
                    assertThat(controller.log().lines().filter(l -> l.contains("code=4410")).count())
                            .as(controller.log()).isEqualTo(1);
                }
            }
        }
    }

    @Test
    void underTheSharedPolicyViewersWatchTogether() throws Exception {
        try (ControllerProcess controller = ControllerProcess.start(Map.of())) {
            String id = readySession(controller);
            RfbViewer first = RfbViewer.connect(websocket(controller, id)).handshake();
            RfbViewer second = RfbViewer.connect(websocket(controller, id)).handshake();
            first.requestUpdateAndAwaitData(Duration.ofSeconds(10));
            second.requestUpdateAndAwaitData(Duration.ofSeconds(10));
            assertThat(first.closed).isNotDone();
            assertThat(second.closed).isNotDone();
            first.abort();
            second.abort();
        }
    }
}
