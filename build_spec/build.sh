#!/usr/bin/env bash
# Build the double-clickable app with PyInstaller and measure it (./run build calls this).
#   build_spec/build.sh            dist/SectionFlow/ (one folder), then its size and start-up
#   build_spec/build.sh --all-qt   the same without the Qt/module excludes, into
#                                  build/all-qt/dist (to measure what the excludes save)
#   build_spec/build.sh --onefile  one executable, dist/SectionFlow-onefile (starts slower)
# The bundle is checked by running its own --self-test (offscreen); a failing self-test
# fails the build.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
py="$root/.venv/bin/python"
dist="$root/dist"
work="$root/build/pyinstaller"
name="SectionFlow"
for arg in "$@"; do
  case "$arg" in
    --all-qt) export SECTIONFLOW_BUILD_ALL_QT=1; dist="$root/build/all-qt/dist"; work="$root/build/all-qt/work" ;;
    --onefile) export SECTIONFLOW_BUILD_ONEFILE=1; name="SectionFlow-onefile"; work="$root/build/onefile" ;;
    *) echo "build.sh: unknown option '$arg' (use --all-qt or --onefile)" >&2; exit 2 ;;
  esac
done

if [ ! -x "$py" ]; then
  "$root/tools/venv.sh" ""
fi
if ! "$py" -c 'import PyInstaller' 2>/dev/null; then
  echo "Installing PyInstaller into .venv (the 'build' extra)..." >&2
  "$py" -m pip install --quiet --disable-pip-version-check -e "$root[build]"
fi

echo "== PyInstaller $("$py" -m PyInstaller --version)"
started=$(date +%s)
(cd "$root" && "$py" -m PyInstaller --noconfirm --clean --log-level WARN \
  --distpath "$dist" --workpath "$work" "$root/build_spec/sectionflow.spec")
echo "built in $(( $(date +%s) - started )) s"

if [ -n "${SECTIONFLOW_BUILD_ONEFILE:-}" ]; then
  app="$dist/$name"
  size_target="$app"
else
  app="$dist/$name/$name"
  size_target="$dist/$name"
  # the .desktop entry beside the app, with absolute paths so this copy works as it is;
  # install it with: cp dist/SectionFlow/sectionflow.desktop ~/.local/share/applications/
  cp "$root/build_spec/sectionflow.desktop" "$dist/$name/sectionflow.desktop"
  sed -i -e "s|^Exec=.*|Exec=\"$app\" %f|" -e "s|^TryExec=.*|TryExec=$app|" \
    -e "s|^Icon=.*|Icon=$dist/$name/_internal/sectionflow.png|" "$dist/$name/sectionflow.desktop"
fi

echo "== bundle"
echo "size: $(du -sh "$size_target" | cut -f1) ($(du -sb "$size_target" | cut -f1) bytes) in $size_target"
echo "version: $("$app" --version)"

echo "== self-test of the bundle (offscreen)"
log="$(mktemp)"
t0=$(date +%s.%N)
if QT_QPA_PLATFORM=offscreen SECTIONFLOW_LAUNCHED_AT="$t0" "$app" --self-test >"$log" 2>&1; then
  t1=$(date +%s.%N)
  grep -E '^self-test (passed|FAILED)' "$log" || true
  echo "self-test wall time: $(awk "BEGIN { printf \"%.2f\", $t1 - $t0 }") s"
  rm -f "$log"
else
  cat "$log" >&2
  echo "build.sh: the bundle's self-test failed (output above)" >&2
  exit 1
fi
