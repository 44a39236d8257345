#!/usr/bin/env bash
# The Debian packages Consortium needs beyond Python: Pango for WeasyPrint, fonts for the PDF,
# poppler-utils to look at PDFs, Chromium for the browser tests and wrk for the load benchmarks.
# Installs only what is missing.
set -euo pipefail
packages=(libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core fonts-noto-core poppler-utils chromium wrk)
missing=()
for package in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
[ ${#missing[@]} -eq 0 ] && exit 0
echo "Installing Debian packages: ${missing[*]}"
if [ "$(id -u)" -ne 0 ]; then
  echo "Run as root, or install them yourself: apt-get install -y ${missing[*]}" >&2
  exit 1
fi
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
