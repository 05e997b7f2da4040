package dev.sandbox4j.cli;

import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Model.IGetter;
import picocli.CommandLine.Model.ISetter;

/**
 * Where the run options are declared, once, for both parsers: picocli's model ({@link PicocliOptions}), which
 * parses every command line, and the {@link QuickParser}, which parses the usual ones without building that
 * model. Each option's value is converted (and checked) by the same converter in both.
 */
interface OptionTable {

    /** Where an option's value is kept: read for its initial value, written with what the command line says. */
    interface Binding extends IGetter, ISetter {
        @Override
        <T> T get(); // a field's value: nothing to throw

        @Override
        <T> T set(T value);
    }

    /** An option that takes one value and may be given once. */
    void single(Binding binding, Class<?> type, ITypeConverter<?> converter, String paramLabel, String description,
            String... names);

    /** An option that takes one value and may be repeated; the binding holds the list of values, in order. */
    void repeatable(Binding binding, Class<?> element, ITypeConverter<?> converter, String paramLabel,
            String description, String... names);

    /** An option without a value, which sets a boolean. */
    void flag(Binding binding, String description, String... names);

    /** PROGRAM [ARGS...]: the first argument that is not an option, and everything after it. */
    void program(Binding binding, String paramLabel, String description);
}
