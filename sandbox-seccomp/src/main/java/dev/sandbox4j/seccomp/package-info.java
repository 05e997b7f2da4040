/**
 * What a sandboxed program may call: syscall tables, built-in profiles, {@link
 * dev.sandbox4j.seccomp.SeccompFilter} rules with argument conditions, a compiler to the kernel's
 * classic BPF, and an interpreter that runs such programs in Java.
 *
 * <pre>{@code
 * SeccompFilter filter = SeccompFilter.fromProfile(SeccompProfile.MINIMAL).toBuilder()
 *         .block("kill")
 *         .rule("openat", SeccompAction.errno(13), ArgCondition.arg32(2).maskedNe(3, 0)) // read-only opens
 *         .build();
 * byte[] sockFilter = filter.compile(Architecture.current()).toBytes(); // what seccomp(2) loads
 * }</pre>
 *
 * <p>Pure Java; loading a program into the kernel is the launcher's job ({@code sandbox-exec}).
 */
package dev.sandbox4j.seccomp;
