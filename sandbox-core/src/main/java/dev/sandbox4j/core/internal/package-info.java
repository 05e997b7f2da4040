/**
 * Not API: helpers the other sandbox4j modules share, public only because they live in other packages. May
 * change without notice in any release.
 */
package dev.sandbox4j.core.internal;
