package dev.sandbox4j.cli;

import java.util.List;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Model.PositionalParamSpec;

/**
 * Options declared into a picocli mixin, built in code rather than read from annotations: picocli reads
 * annotations by reflection, with a proxy class per annotation type, which cost more than the rest of parsing
 * on every start.
 */
final class PicocliOptions implements OptionTable {
    private final CommandSpec mixin;

    /** @param userObject the object whose fields the bindings write */
    PicocliOptions(Object userObject) {
        mixin = CommandSpec.wrapWithoutInspection(userObject, DeferredFactory.INSTANCE);
    }

    CommandSpec mixin() {
        return mixin;
    }

    @Override
    public void single(Binding binding, Class<?> type, ITypeConverter<?> converter, String paramLabel,
            String description, String... names) {
        mixin.addOption(bind(OptionSpec.builder(names).type(type).converters(converter).paramLabel(paramLabel)
                .description(description), binding).build());
    }

    @Override
    public void repeatable(Binding binding, Class<?> element, ITypeConverter<?> converter, String paramLabel,
            String description, String... names) {
        mixin.addOption(bind(OptionSpec.builder(names).type(List.class).auxiliaryTypes(element)
                .converters(converter).paramLabel(paramLabel).description(description), binding).build());
    }

    @Override
    public void flag(Binding binding, String description, String... names) {
        mixin.addOption(bind(OptionSpec.builder(names).type(boolean.class).description(description), binding)
                .build());
    }

    @Override
    public void program(Binding binding, String paramLabel, String description) {
        PositionalParamSpec.Builder program = PositionalParamSpec.builder().type(List.class)
                .auxiliaryTypes(String.class).arity("0..*").paramLabel(paramLabel).hideParamSyntax(true)
                .description(description);
        mixin.addPositional(program.getter(binding).setter(binding).initialValue(binding.get())
                .hasInitialValue(true).build());
    }

    private static OptionSpec.Builder bind(OptionSpec.Builder option, Binding binding) {
        return option.getter(binding).setter(binding).initialValue(binding.get()).hasInitialValue(true);
    }
}
