# Shared by scripts/demo and scripts/test (sourced, not run): install what is
# missing, then build. Safe to run again: every step skips work already done.

CRVM_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# Meson, SWIG, cmocka and the compilers come from Debian; Python packages go
# into a virtual environment inside the checkout.
MESON=/usr/bin/meson
VENV="$CRVM_ROOT/.venv"
# clang and its runtime libraries build the libFuzzer targets (scripts/fuzz);
# headless chromium renders the HTML report in tests/python/test_report_html.py;
# the Java runtime runs the local Spark of crvm.spark's tests.
DEBIAN_PACKAGES="meson ninja-build swig libcmocka-dev pkg-config gcc binutils python3-dev valgrind
                 clang libclang-rt-dev chromium default-jre-headless"

# Each step is stamped with the seconds since the script started (CI has 30
# minutes for the whole of scripts/test).
log() { printf '\n== %s   [%d s]\n' "$*" "$SECONDS"; }

ensure_debian_packages() {
    local missing=()
    for pkg in $DEBIAN_PACKAGES; do
        dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
    done
    if [ ${#missing[@]} -gt 0 ]; then
        log "installing Debian packages: ${missing[*]}"
        local sudo=""
        [ "$(id -u)" -eq 0 ] || sudo="sudo"
        $sudo apt-get update -qq
        DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
    fi
}

# Configure (once) and build a meson build directory: build_c DIR [meson options...]
build_c() {
    local dir="$1"; shift
    if [ ! -f "$CRVM_ROOT/$dir/build.ninja" ]; then
        "$MESON" setup "$CRVM_ROOT/$dir" "$CRVM_ROOT" "$@" >/dev/null
    fi
    ninja -C "$CRVM_ROOT/$dir" >/dev/null
}

ensure_venv() {
    if [ ! -x "$VENV/bin/python" ]; then
        log "creating the Python virtual environment in .venv"
        python3 -m venv "$VENV"
    fi
    local req="$CRVM_ROOT/tests/python/requirements.txt"
    local stamp="$VENV/.requirements.sha"
    local want
    want=$(sha256sum "$req" | cut -d' ' -f1)
    if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
        log "installing Python packages (tests/python/requirements.txt)"
        "$VENV/bin/python" -m pip install -q --disable-pip-version-check -r "$req"
        echo "$want" > "$stamp"
    fi
}

# The wheel is built once into build/wheel (tests/python/test_cli_wheel.py
# installs it again into a new virtual environment) and installed into .venv:
# the same as `pip install .`, which puts the crvm command on the PATH.
install_python_package() {
    log "pip install . (builds libcrvm, the SWIG extension and the crvm command)"
    rm -rf "$CRVM_ROOT/build/wheel"
    "$VENV/bin/python" -m pip wheel -q --disable-pip-version-check --no-deps -w "$CRVM_ROOT/build/wheel" "$CRVM_ROOT"
    "$VENV/bin/python" -m pip install -q --disable-pip-version-check --force-reinstall --no-deps \
        "$CRVM_ROOT"/build/wheel/crvm-*.whl
}
