package io.vmdesk.agent;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Reads the recipe's harvest files and checks them: present, UTF-8, and every required dotted path non-empty. */
final class Harvester {
    static final int MAX_FILE_BYTES = 1024 * 1024;
    private static final ObjectMapper JSON = new ObjectMapper();

    /** One credential file as handed back: {@code path} exactly as the recipe wrote it. */
    record HarvestedFile(String path, Path file, String content) {
        @Override
        public String toString() {
            return "HarvestedFile[" + path + ", " + content.length() + " chars]";
        }
    }

    /** Either every file, validated ({@code problem == null}), or the first thing still wrong. */
    record Outcome(List<HarvestedFile> files, String problem) {
        boolean complete() {
            return problem == null;
        }

        boolean sameContentAs(Outcome other) {
            if (other == null || files.size() != other.files.size()) {
                return false;
            }
            for (int i = 0; i < files.size(); i++) {
                if (!files.get(i).content().equals(other.files.get(i).content())) {
                    return false;
                }
            }
            return true;
        }
    }

    private Harvester() {}

    /**
     * The file must really lie in HOME (no directory on the way is a link out of it) and be its only name (not a hard
     * link to a file elsewhere): the agent hands it over and then destroys it.
     */
    static void requireOwnFile(Path home, Path file) throws HarvestProblem {
        try {
            Path realHome = home.toRealPath();
            Path realParent = file.getParent().toRealPath();
            if (!realParent.startsWith(realHome)) {
                throw new HarvestProblem("lies outside HOME (a directory on its way links to " + realParent + ")");
            }
            Object links = Files.getAttribute(file, "unix:nlink", LinkOption.NOFOLLOW_LINKS);
            if (links instanceof Integer n && n != 1) {
                throw new HarvestProblem("has " + n + " hard links (it must be the file's only name)");
            }
        } catch (IOException e) {
            throw new HarvestProblem("cannot be checked (" + e.getClass().getSimpleName() + ")");
        }
    }

    static Outcome collect(Path home, List<Recipe.Harvest> harvest) {
        List<HarvestedFile> out = new ArrayList<>();
        for (Recipe.Harvest h : harvest) {
            Path file = RecipeParser.expand(home, h.path());
            String problem;
            String content = null;
            try {
                content = read(home, file);
                problem = content == null ? h.path() + " does not exist yet" : validate(h, content);
            } catch (HarvestProblem e) {
                problem = h.path() + " " + e.getMessage();
            }
            if (problem != null) {
                return new Outcome(List.of(), problem);
            }
            out.add(new HarvestedFile(h.path(), file, content));
        }
        return new Outcome(List.copyOf(out), null);
    }

    /** @return the file's text, or null if it does not exist */
    private static String read(Path home, Path file) throws HarvestProblem {
        if (Files.isSymbolicLink(file)) {
            throw new HarvestProblem("is a symbolic link");
        }
        if (!Files.exists(file, LinkOption.NOFOLLOW_LINKS)) {
            return null;
        }
        if (!Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS)) {
            throw new HarvestProblem("is not a regular file");
        }
        requireOwnFile(home, file);
        byte[] bytes;
        try {
            if (Files.size(file) > MAX_FILE_BYTES) {
                throw new HarvestProblem("is larger than " + MAX_FILE_BYTES + " bytes");
            }
            bytes = Files.readAllBytes(file);
        } catch (IOException e) {
            throw new HarvestProblem("cannot be read (" + e.getClass().getSimpleName() + ")");
        }
        if (bytes.length == 0) {
            throw new HarvestProblem("is empty");
        }
        try {
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            throw new HarvestProblem("is not UTF-8 text");
        }
    }

    private static String validate(Recipe.Harvest h, String content) {
        if (h.required().isEmpty()) {
            return null;
        }
        JsonNode root;
        try {
            root = JSON.readTree(content);
        } catch (JsonProcessingException e) {
            return h.path() + " is not valid JSON";
        }
        for (String path : h.required()) {
            String problem = JsonPaths.valueProblem(root, path);
            if (problem != null) {
                return h.path() + ": " + path + " is " + problem;
            }
        }
        return null;
    }

    private static final class HarvestProblem extends Exception {
        HarvestProblem(String message) {
            super(message, null, false, false);
        }
    }
}
