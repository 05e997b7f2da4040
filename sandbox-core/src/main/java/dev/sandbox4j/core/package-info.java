/**
 * What every sandbox4j module shares: the {@link dev.sandbox4j.core.SandboxException} family, parsing of sizes
 * ({@link dev.sandbox4j.core.Sizes}) and durations ({@link dev.sandbox4j.core.Durations}), detection of what the
 * system offers ({@link dev.sandbox4j.core.SystemCapabilities}, {@link dev.sandbox4j.core.CgroupLayout}), the
 * {@link dev.sandbox4j.core.PrivilegeMode} and its resolution, and the one libc binding
 * ({@link dev.sandbox4j.core.LibC}).
 *
 * <p>Everything here is immutable and safe to share between threads. Detection reads {@code /proc} once per
 * call; every reader that takes a file-system root can be pointed at a fake tree in tests.
 */
package dev.sandbox4j.core;
