#!/bin/sh
# Writes target/sandbox-ctl.jsa, the class-data-sharing archive ./sandbox-ctl starts the JVM with: the classes a
# training run of `sandbox-ctl -- /bin/true` and of `sandbox-ctl --help` loaded, parsed and laid out once at build
# time instead of at every start. Best effort: without an archive sandbox-ctl only starts slower.
#
# A static archive (-Xshare:dump), not -XX:ArchiveClassesAtExit: JDK 17's dynamic archive leaves out picocli's
# Java 5 class files and every class linked against them.
#
# Usage: write-cds-archive.sh JAVA TARGET_DIR JAR
set -u -f
java=$1
target=$2
jar=$3
archive="$target/sandbox-ctl.jsa"
list="$target/sandbox-ctl.classlist"
main=dev.sandbox4j.cli.SandboxCtl
# The options ./sandbox-ctl runs with: an archive records some of them and is refused under others.
options="-XX:TieredStopAtLevel=1 -XX:+UseSerialGC -XX:-UsePerfData -Dpicocli.converters.excludes=java\.(sql|time)\..*"
rm -f "$archive" "$list" "$list.1" "$list.2"
# ./sandbox-ctl rebuilds when a source is newer than this mark; the jar's own time must stay as the archive records it.
trap 'touch "$target/.sandbox-ctl-built"' EXIT

# Class files older than Java 6 (picocli's, jffi's) made Java 8 ones first, so that the archive holds them verified and
# linked (UpgradeClassFiles.java says how), with ASM from the jar itself (jnr-ffi's).
if ! "$java" -cp "$jar" "${0%/*}/UpgradeClassFiles.java" "$jar" >"$target/sandbox-ctl.upgrade.log" 2>&1; then
    echo "sandbox-ctl's class files not upgraded (see $target/sandbox-ctl.upgrade.log): the archive holds fewer" >&2
fi

# In /: nothing of the build's directory is bound into the sandbox. A training run that fails still lists what it
# loaded.
(cd / && "$java" $options -XX:DumpLoadedClassList="$list.1" -cp "$jar" $main -- /bin/true) </dev/null >/dev/null 2>&1
(cd / && "$java" $options -XX:DumpLoadedClassList="$list.2" -cp "$jar" $main --help) </dev/null >/dev/null 2>&1
# Two lists made one: the ids only matter to classes of custom loaders, which sandbox-ctl has none of.
cat "$list.1" "$list.2" 2>/dev/null | sed 's/ id: [0-9]*$//' | awk '!seen[$0]++' >"$list"
rm -f "$list.1" "$list.2"
if [ ! -s "$list" ]; then
    echo "sandbox-ctl's class-data archive not written: the training runs listed no classes" >&2
    exit 0
fi
# Written aside and renamed: the JVM may crash on a truncated archive rather than ignore it.
if "$java" $options -Xshare:dump -XX:SharedClassListFile="$list" -XX:SharedArchiveFile="$archive.partial" -cp "$jar" \
        >"$target/sandbox-ctl.jsa.log" 2>&1; then
    mv -f "$archive.partial" "$archive"
else
    rm -f "$archive.partial"
    echo "sandbox-ctl's class-data archive not written (see $target/sandbox-ctl.jsa.log)" >&2
fi
exit 0
