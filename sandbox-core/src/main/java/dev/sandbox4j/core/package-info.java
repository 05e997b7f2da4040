/**
 * What every sandbox4j module shares: the {@link dev.sandbox4j.core.SandboxException} family, parsing of sizes
 * ({@link dev.sandbox4j.core.Sizes}) and durations ({@link dev.sandbox4j.core.Durations}), and the
 * {@link dev.sandbox4j.core.PrivilegeMode} with its resolution ({@link dev.sandbox4j.core.ResolvedMode}).
 *
 * <p>Pure Java, no native calls. Everything here is immutable and safe to share between threads.
 */
package dev.sandbox4j.core;
