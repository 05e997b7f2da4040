#!/usr/bin/env bash
# Builds and tests the example extensions in docs/extensions/ the way a team outside this repository would:
# each its own Maven project, depending on sandbox4j's installed artifacts. Installs this reactor's library
# modules into a private local repository first (never into ~/.m2), seeded from ~/.m2 by hard links.
# Extra arguments go to every Maven call (e.g. -o offline). Run after the build, as .ci/run does.
set -euo pipefail
cd "$(dirname "$0")"
repo="${SANDBOX4J_EXTENSIONS_REPO:-$PWD/target/extensions-m2}"
if [ ! -d "$repo" ]; then
  mkdir -p "$repo"
  if [ -d "$HOME/.m2/repository" ]; then
    cp -al "$HOME/.m2/repository/." "$repo" 2>/dev/null || cp -a "$HOME/.m2/repository/." "$repo"
  fi
  # Installed files must never be written through a hard link into ~/.m2.
  rm -rf "$repo/dev/sandbox4j"
fi
echo "extensions: installing sandbox4j into $repo"
mvn -B -q "-Dmaven.repo.local=$repo" -pl sandbox-exec -am -DskipTests install "$@"
status=0
for project in docs/extensions/*/; do
  echo "extensions: ${project%/}"
  if ! mvn -B "-Dmaven.repo.local=$repo" -f "$project/pom.xml" clean verify "$@"; then
    echo "extensions: ${project%/} FAILED"
    status=1
  fi
done
exit $status
