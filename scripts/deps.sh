#!/usr/bin/env bash
# Install the Debian packages of a list (scripts/packages.txt unless another
# is given) that are missing, saying which and why (each line's comment).
# As root it runs apt-get itself; otherwise through sudo.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
list=${1:-$here/packages.txt}

missing=() why=()
while IFS= read -r line; do
  pkg=${line%%#*} pkg=${pkg//[[:space:]]/}
  [[ -n $pkg ]] || continue
  status=$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null || true)
  [[ $status == "install ok installed" ]] && continue
  missing+=("$pkg")
  reason=
  [[ $line != *#* ]] || reason=${line#*#}
  reason=${reason#"${reason%%[![:space:]]*}"} # without the leading blanks
  why+=("$(printf '  %-26s %s' "$pkg" "$reason")")
done < "$list"
[[ ${#missing[@]} -eq 0 ]] && exit 0

if ! command -v apt-get >/dev/null; then
  echo "deps: these packages are missing: ${missing[*]}" >&2
  echo "deps: this machine has no apt-get; install them with your package manager." >&2
  exit 1
fi
as_root=(env DEBIAN_FRONTEND=noninteractive) # through sudo too, which resets the environment
how="apt-get"
if [[ $(id -u) -ne 0 ]]; then
  if ! command -v sudo >/dev/null; then
    echo "deps: these packages are missing: ${missing[*]}" >&2
    echo "deps: you are not root and there is no sudo; as root, run: apt-get install ${missing[*]}" >&2
    exit 1
  fi
  as_root=(sudo "${as_root[@]}")
  how="sudo apt-get (sudo may ask for your password)"
fi
echo "deps: installing with $how, from $list:"
printf '%s\n' "${why[@]}"
"${as_root[@]}" apt-get update -q
"${as_root[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}"
