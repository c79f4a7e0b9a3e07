#!/usr/bin/env bash
# Installs the Debian/Ubuntu packages the app needs, only those that are missing.
#   scripts/system-deps.sh run   -> WeasyPrint's libraries and fonts for names in every script
#   scripts/system-deps.sh test  -> the above plus Chromium for browser tests and pg_dump
set -euo pipefail

packages=(
  python3-venv
  libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0  # WeasyPrint (STACK-NOTES "Installing")
  fonts-dejavu-core fonts-dejavu-extra                  # Latin, Greek, Cyrillic with real italics
  fonts-noto-core fonts-noto-cjk fonts-noto-color-emoji # Arabic, CJK, emoji and more
)
if [[ "${1:-run}" == "test" ]]; then
  packages+=(chromium postgresql-client)
fi

missing=()
for pkg in "${packages[@]}"; do
  # python3-venv is only needed when the system Python cannot make a venv by itself.
  if [[ "$pkg" == python3-venv ]] && "${PYTHON:-python3}" -c "import ensurepip, venv" 2>/dev/null; then
    continue
  fi
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
[[ ${#missing[@]} -eq 0 ]] && exit 0

if [[ $(id -u) -eq 0 ]]; then
  sudo=()
elif command -v sudo >/dev/null; then
  sudo=(sudo)
else
  echo "Missing system packages: ${missing[*]}. Install them as root (apt-get install ${missing[*]})." >&2
  exit 1
fi
echo "Installing system packages: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get update -qq
"${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" </dev/null
