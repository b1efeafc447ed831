#!/bin/sh
# Renders site/*.part into one index.html and writes /up for the health check.
set -eu
out=$1
mkdir -p "$out"
{
  cat site/header.part
  for page in site/body-*.part; do cat "$page"; done
  cat site/footer.part
} > "$out/index.html"
echo ok > "$out/up"
sha256sum "$out/index.html" | cut -d' ' -f1 > "$out/index.sha256"
