package io.vmdesk.provider;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The providers sessions may be created for: the built-in recipes, then the operator's file (an entry there replaces
 * the built-in one of the same name, a new name adds a provider), so operators extend vmdesk without rebuilding it.
 */
public final class ProviderCatalog {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String NAME = "[a-z][a-z0-9_-]{0,39}";

    private final Map<String, Recipe> recipes;

    private ProviderCatalog(Map<String, Recipe> recipes) {
        this.recipes = Collections.unmodifiableMap(recipes);
    }

    /** @param operatorFile PROVIDERS_FILE, or null */
    public static ProviderCatalog load(Path operatorFile) {
        Map<String, Recipe> recipes = new LinkedHashMap<>();
        try (InputStream in = ProviderCatalog.class.getResourceAsStream("/providers.json")) {
            merge(recipes, JSON.readTree(in), "built-in providers.json");
        } catch (IOException e) {
            throw new UncheckedIOException("the built-in providers.json is unreadable", e);
        }
        if (operatorFile != null) {
            if (!Files.isRegularFile(operatorFile)) {
                throw new IllegalArgumentException("PROVIDERS_FILE=" + operatorFile + " does not exist (or is not a file)");
            }
            JsonNode tree;
            try {
                tree = JSON.readTree(Files.readString(operatorFile));
            } catch (IOException e) {
                throw new IllegalArgumentException("PROVIDERS_FILE=" + operatorFile + " cannot be read as JSON: "
                        + e.getMessage().lines().findFirst().orElse(""), e);
            }
            merge(recipes, tree, "PROVIDERS_FILE=" + operatorFile);
        }
        return new ProviderCatalog(recipes);
    }

    private static void merge(Map<String, Recipe> into, JsonNode tree, String source) {
        JsonNode providers = tree == null ? null : tree.get("providers");
        if (providers == null || !providers.isObject()) {
            throw new IllegalArgumentException(source + " needs a top-level object \"providers\": {name: recipe}");
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = providers.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> entry = it.next();
            if (!entry.getKey().matches(NAME) || !entry.getValue().isObject()) {
                throw new IllegalArgumentException(source + ": provider '" + entry.getKey()
                        + "' needs a lower-case name and a recipe object");
            }
            ObjectNode recipe = ((ObjectNode) entry.getValue()).deepCopy();
            recipe.put("provider", entry.getKey());
            Recipe r = new Recipe(entry.getKey(), recipe);
            // a pkce recipe may wait for its endpoints (refused per session until set); anything else must be whole
            if (!r.structuralProblems().isEmpty()) {
                throw new IllegalArgumentException(source + ": provider '" + entry.getKey() + "': "
                        + String.join("; ", r.structuralProblems()));
            }
            into.put(entry.getKey(), r);
        }
    }

    public Optional<Recipe> find(String name) {
        return Optional.ofNullable(recipes.get(name));
    }

    public Set<String> names() {
        return recipes.keySet();
    }
}
