#!/usr/bin/env bash
# The release check: the README's two commands on a fresh machine. Builds a
# minimal Debian 12 root (debootstrap: only git, make and ca-certificates
# added), clones this repository's committed HEAD into /root/course inside
# it, and runs `make start` and `make test` there as root, as a learner
# would. It installs every package and runs every test, so it takes a long
# while: a release check, not part of CI.
#
# The base system is cached as build/fresh-machine/debian12-minbase.tar, so
# a rerun skips debootstrap. Logs: build/fresh-machine/{start,test}.log.
# FRESH_MIRROR overrides the Debian mirror (default: the one this machine's
# apt uses); TIMEOUT_FACTOR, when set, is passed on to the tests.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
cache=$repo/build/fresh-machine
base=$cache/debian12-minbase.tar
limit=${FRESH_LIMIT:-3h} # per command: a stuck step must not hold the machine

[ "$(id -u)" -eq 0 ] || { echo "fresh-machine-check: needs root (debootstrap, chroot, mount)" >&2; exit 2; }
# In a mount namespace of its own: no mount made here is ever seen outside,
# even if this script is killed before its trap runs.
[ -n "${FRESH_IN_NAMESPACE:-}" ] ||
  exec unshare --mount --propagation private env FRESH_IN_NAMESPACE=1 bash "$0" "$@"
git -C "$repo" diff --quiet HEAD -- || echo "fresh-machine-check: uncommitted changes are not tested (it clones HEAD)"

# The mirror this machine's apt uses (deb822 first, then the one-line form).
host_mirror() {
  sed -n 's/^URIs:[[:space:]]*\([^[:space:]]*\).*/\1/p' /etc/apt/sources.list.d/debian.sources 2>/dev/null |
    grep -v security | head -1
  sed -n 's/^deb[[:space:]]\+\(\[[^]]*\][[:space:]]\+\)\?\([^[:space:]]*\)[[:space:]]\+bookworm[[:space:]].*/\2/p' \
    /etc/apt/sources.list 2>/dev/null | head -1
  true # a file missing is not a failure
}
mirror=${FRESH_MIRROR:-$(host_mirror | head -1)}

root=$(mktemp -d /var/tmp/fresh-machine.XXXXXX)
chmod 755 "$root"

mounts_under() { awk -v r="$root" '$2 == r || index($2, r "/") == 1 {print $2}' /proc/self/mounts | sort -r; }
cleanup() {
  set +e
  local pid
  # Whatever the tests left running in the root (a server, a daemon) first.
  for pid in $(ls /proc | grep -E '^[0-9]+$'); do
    [ "$(readlink "/proc/$pid/root" 2>/dev/null)" = "$root" ] && kill -9 "$pid" 2>/dev/null
  done
  local m
  for m in $(mounts_under); do umount -l "$m" 2>/dev/null || true; done
  if [ -n "$(mounts_under)" ]; then
    echo "fresh-machine-check: still mounted under $root, left in place:" $(mounts_under) >&2
  else
    rm -rf --one-file-system "$root"
  fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

mkdir -p "$cache"
if [ -f "$base" ]; then
  echo "fresh-machine-check: base system from $base"
  tar -C "$root" -xf "$base"
else
  echo "fresh-machine-check: debootstrap of Debian 12 into $root (cached afterwards)"
  debootstrap --variant=minbase --include=git,make,ca-certificates bookworm "$root" ${mirror:+"$mirror"} \
    > "$cache/debootstrap.log" 2>&1 || { tail -20 "$cache/debootstrap.log"; exit 1; }
  tar -C "$root" -cf "$base.tmp" . && mv "$base.tmp" "$base"
fi
# What an installed machine has and the base system lacks: name resolution.
cp /etc/resolv.conf "$root/etc/resolv.conf"
[ -s "$root/etc/hosts" ] || printf '127.0.0.1 localhost\n::1 localhost ip6-localhost\n' > "$root/etc/hosts"

mount -t proc proc "$root/proc"
mount --rbind /dev "$root/dev"
mount --make-rslave "$root/dev"
mkdir -p "$root/mnt/course"
mount --bind "$repo" "$root/mnt/course"
mount -o remount,bind,ro "$root/mnt/course"

in_root() {
  # In the background, so that a signal to this script runs its trap at once
  # (bash defers traps while a foreground child runs).
  timeout "$limit" chroot "$root" /usr/bin/env -i HOME=/root LANG=C.UTF-8 TERM=dumb \
    PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    ${TIMEOUT_FACTOR:+TIMEOUT_FACTOR=$TIMEOUT_FACTOR} bash -c "$1" &
  wait $!
}
in_root 'git clone -q /mnt/course /root/course'

run() { # NAME COMMAND: run it in /root/course, log it, say how it ended
  local rc=0 t0=$SECONDS
  in_root "cd /root/course && $2" > "$cache/$1.log" 2>&1 || rc=$?
  # The test runner's closing count, else the grader's score, else the last line.
  local said
  said=$(grep -E '^([0-9]+ passed, [0-9]+ failed|Score: )' "$cache/$1.log" | tail -1 || true)
  printf '%-12s exit %d after %d s: %s\n' "$2" "$rc" $((SECONDS - t0)) "${said:-$(tail -1 "$cache/$1.log")}"
  [ $rc -eq 0 ] || grep -E '^(FAIL|failing targets)' "$cache/$1.log" | head -20
  return $rc
}
echo "fresh-machine-check: make start, then make test, in /root/course (logs in $cache)"
status=0
run start 'make start' || status=1
run test 'make test' || status=1
[ $status -eq 0 ] && echo "fresh-machine-check: passed" || echo "fresh-machine-check: FAILED (see the logs)"
exit $status
