#!/usr/bin/env bash
# Install the Debian packages listed in scripts/packages.txt that are missing.
# As root it runs apt-get itself; otherwise it asks sudo and says why first.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
list=${1:-$here/packages.txt}

wanted=$(sed -e 's/#.*//' -e '/^[[:space:]]*$/d' "$list" | awk '{print $1}')
missing=()
for pkg in $wanted; do
  status=$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null || true)
  [[ $status == "install ok installed" ]] || missing+=("$pkg")
done
[[ ${#missing[@]} -eq 0 ]] && exit 0

if ! command -v apt-get >/dev/null; then
  echo "deps: these packages are missing: ${missing[*]}" >&2
  echo "deps: this machine has no apt-get; install them with your package manager." >&2
  exit 1
fi
sudo=()
if [[ $(id -u) -ne 0 ]]; then
  echo "deps: installing ${missing[*]} with sudo apt-get (the course builds and tests with them)."
  sudo=(sudo)
fi
echo "deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get update -q
"${sudo[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}"
