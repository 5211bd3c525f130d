package io.vmdesk.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** Durations have exactly one small grammar, so "5 min" or "1.5m" fail loudly instead of meaning something odd. */
class DurationTest {

    @ParameterizedTest
    @CsvSource({"90s,90000", "5m,300000", "2h,7200000", "500ms,500", "45,45000"})
    void accepted_forms_parse_to_the_expected_length(String text, long millis) throws Exception {
        assertThat(Values.duration(text)).isEqualTo(Duration.ofMillis(millis));
    }

    @ParameterizedTest
    @ValueSource(strings = {"5 min", "1.5m", "PT5M", "5M", "-5s", "s", "5d", "0s"})
    void anything_else_is_malformed(String text) {
        assertThatThrownBy(() -> Values.duration(text)).isInstanceOf(Values.Invalid.class);
    }

    @ParameterizedTest
    @ValueSource(strings = {"90s", "60s", "1s", "5m", "60m", "2h", "500ms", "1500ms"})
    void formatted_durations_parse_back_to_the_same_text(String text) throws Exception {
        assertThat(Values.format(Values.duration(text))).isEqualTo(text);
    }
}
