package dev.sandbox4j.cli;

/**
 * The {@code -P/--profile} presets: how much a program is trusted. Each preset will choose a seccomp profile
 * and default limits once the executor is wired; an explicit {@code --seccomp}, {@code --memory}… overrides
 * the preset's choice.
 */
enum SecurityPreset {
    STRICT,
    MODERATE,
    PERMISSIVE
}
