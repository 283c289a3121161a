#!/usr/bin/env bash
# Install libcrvm from a build directory into a scratch prefix and prove that
# (1) the shared library exports only crvm_ symbols and carries its soname,
# (2) a C11 program builds with `pkg-config --cflags --libs crvm` and runs.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
build="$root/${1:-build}"
dest=$(mktemp -d)
trap 'rm -rf "$dest"' EXIT

meson install -C "$build" --destdir "$dest" >/dev/null 2>&1 || /usr/bin/meson install -C "$build" --destdir "$dest" >/dev/null
so=$(find "$dest" -name 'libcrvm.so.*.*' -type f | head -n 1)
[ -n "$so" ] || { echo "libcrvm.so not installed"; exit 1; }

foreign=$(nm -D --defined-only "$so" | awk '{print $3}' | grep -v '^crvm_' || true)
if [ -n "$foreign" ]; then
    echo "libcrvm exports symbols outside the crvm_ namespace:"; echo "$foreign"; exit 1
fi
echo "exported symbols: $(nm -D --defined-only "$so" | wc -l), all crvm_"
soname=$(objdump -p "$so" | awk '/SONAME/ {print $2}')
case "$soname" in libcrvm.so.[0-9]*) echo "soname: $soname" ;; *) echo "bad soname: $soname"; exit 1 ;; esac

pcdir=$(dirname "$(find "$dest" -name crvm.pc | head -n 1)")
export PKG_CONFIG_PATH="$pcdir" PKG_CONFIG_SYSROOT_DIR="$dest"
cc -std=c11 -Wall -Wextra -Wpedantic -Werror -o "$dest/consumer" "$root/tests/install/consumer.c" \
    $(pkg-config --cflags --libs crvm)
LD_LIBRARY_PATH=$(dirname "$so") "$dest/consumer"

# The installed command runs from its prefix without LD_LIBRARY_PATH (rpath).
crvm=$(find "$dest" -path '*/bin/crvm' -type f | head -n 1)
[ -n "$crvm" ] || { echo "crvm not installed"; exit 1; }
env -u LD_LIBRARY_PATH "$crvm" --version
