/**
 * Not API: what sandbox-exec reads of the host through this module ({@link
 * dev.sandbox4j.cgroup.internal.MountInfo}), public only because it lives in another package. May change
 * without notice in any release.
 */
package dev.sandbox4j.cgroup.internal;
