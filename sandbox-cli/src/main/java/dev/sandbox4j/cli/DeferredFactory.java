package dev.sandbox4j.cli;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import picocli.CommandLine;
import picocli.CommandLine.IFactory;

/**
 * picocli's factory: the lists that the multi-value options and PROGRAM [ARGS...] collect into, made here;
 * anything else by picocli's default factory, created when first needed, which parsing the run options never
 * does. Creating it up front, as {@code new CommandLine(spec)} and {@code CommandSpec.wrapWithoutInspection(object)}
 * do, looks for Groovy's closure class in every jar on the class path, opening each one: about 10 ms of every
 * start.
 */
final class DeferredFactory implements IFactory {
    static final DeferredFactory INSTANCE = new DeferredFactory();

    private DeferredFactory() {
    }

    @Override
    public <K> K create(Class<K> type) throws Exception {
        if (type == List.class || type == Collection.class) {
            return type.cast(new ArrayList<>());
        }
        return CommandLine.defaultFactory().create(type);
    }
}
