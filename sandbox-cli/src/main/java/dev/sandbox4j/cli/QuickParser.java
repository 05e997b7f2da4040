package dev.sandbox4j.cli;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import picocli.CommandLine.ITypeConverter;

/**
 * Parses the usual run command line, {@code [run] [OPTION VALUE | OPTION=VALUE | FLAG]... [--] PROGRAM [ARGS...]},
 * without building picocli's model, which costs a cold JVM about as much as everything else sandbox-ctl does
 * before the program starts. The options are the ones declared for picocli ({@link OptionTable}), converted by the
 * same converters into the same fields, so a line parsed here means what it means to picocli.
 *
 * <p>Anything else is declined, and picocli parses the whole line afresh: the help and the version, subcommands,
 * {@code @file} arguments, clustered short options ({@code -vP}), a value attached to a short option
 * ({@code -m512M}), a value that starts with {@code -} (but is not {@code -} itself, as in {@code --report -}) or
 * {@code @} or is a subcommand's name (picocli takes neither as a value), an unknown option, a repeated single option, a
 * missing PROGRAM or a value a converter refuses (so that every error on the command line is picocli's, worded as
 * before).
 */
final class QuickParser implements OptionTable {
    private static final int SINGLE = 0;
    private static final int REPEATABLE = 1;
    private static final int FLAG = 2;

    /** What the parser knows of one option (under each of its names). */
    private static final class Option {
        final int kind;
        final Binding binding;
        final ITypeConverter<?> converter;

        Option(int kind, Binding binding, ITypeConverter<?> converter) {
            this.kind = kind;
            this.binding = binding;
            this.converter = converter;
        }
    }

    private final Map<String, Option> options = new HashMap<>();
    private Binding program;

    @Override
    public void single(Binding binding, Class<?> type, ITypeConverter<?> converter, String paramLabel,
            String description, String... names) {
        add(new Option(SINGLE, binding, converter), names);
    }

    @Override
    public void repeatable(Binding binding, Class<?> element, ITypeConverter<?> converter, String paramLabel,
            String description, String... names) {
        add(new Option(REPEATABLE, binding, converter), names);
    }

    @Override
    public void flag(Binding binding, String description, String... names) {
        add(new Option(FLAG, binding, null), names);
    }

    @Override
    public void program(Binding binding, String paramLabel, String description) {
        program = binding;
    }

    private void add(Option option, String... names) {
        for (String name : names) {
            options.put(name, option);
        }
    }

    /**
     * Parses {@code args} into the bindings, or declines.
     *
     * @return whether the whole line was parsed; when not, the bindings may hold part of it and must be dropped
     */
    boolean parse(String[] args) {
        for (String arg : args) {
            if (arg.startsWith("@")) {
                return false; // picocli reads @file arguments, wherever they stand
            }
        }
        int i = args.length > 0 && args[0].equals("run") ? 1 : 0;
        boolean endOfOptions = false;
        Set<Option> given = new HashSet<>();
        for (; i < args.length; i++) {
            String arg = args[i];
            if (arg.equals("--")) {
                endOfOptions = true;
                i++;
                break;
            }
            if (!arg.startsWith("-") || arg.equals("-")) {
                break;
            }
            int equals = arg.startsWith("--") ? arg.indexOf('=') : -1;
            Option option = options.get(equals < 0 ? arg : arg.substring(0, equals));
            if (option == null || !given.add(option) && option.kind != REPEATABLE) {
                return false;
            }
            if (option.kind == FLAG) {
                if (equals >= 0) {
                    return false;
                }
                option.binding.set(Boolean.TRUE);
                continue;
            }
            String value;
            if (equals >= 0) {
                value = arg.substring(equals + 1);
            } else if (i + 1 < args.length) {
                value = args[++i];
            } else {
                return false;
            }
            if (value.startsWith("-") && !value.equals("-") || SandboxCtl.SUBCOMMANDS.contains(value)
                    || !set(option, value)) {
                return false;
            }
        }
        if (i >= args.length || !endOfOptions && SandboxCtl.SUBCOMMANDS.contains(args[i])) {
            return false;
        }
        program.set(new ArrayList<>(Arrays.asList(args).subList(i, args.length)));
        return true;
    }

    /** Converts the value and stores it; {@code false} when the converter refuses it. */
    private static boolean set(Option option, String value) {
        Object converted;
        try {
            converted = option.converter.convert(value);
        } catch (Exception refused) {
            return false;
        }
        if (option.kind == SINGLE) {
            option.binding.set(converted);
        } else {
            List<Object> values = new ArrayList<>(option.binding.<List<?>>get());
            values.add(converted);
            option.binding.set(values);
        }
        return true;
    }
}
