/**
 * Not API: what {@code sandbox-exec} needs from this module to launch a run, public only because it lives in
 * another package. May change without notice in any release, with the launcher it feeds.
 *
 * <p>{@link dev.sandbox4j.namespace.internal.MountPlanner} compiles a {@link dev.sandbox4j.namespace.FilesystemView}
 * into a {@link dev.sandbox4j.namespace.internal.MountPlan} (with the run's cgroups as {@link
 * dev.sandbox4j.namespace.internal.CgroupMount}s); {@link dev.sandbox4j.namespace.internal.SubordinateIds} reads
 * the id ranges delegated to a user. Extend a view with {@link dev.sandbox4j.namespace.ViewFragment} instead.
 */
package dev.sandbox4j.namespace.internal;
