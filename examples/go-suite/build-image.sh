#!/usr/bin/env bash
# Builds the worker image for the example Go suite without a registry or a
# Docker builder: the test binaries are compiled on the host and the root
# filesystem is imported with `docker import`.
#
# Usage: ./build-image.sh [IMAGE]    (default: paratest-example/go-suite:latest)
#
# Image layout (what jenkins-paratest's `preset: go` expects):
#   /paratest/go/<import path>.test   one static test binary per package
#   /tmp (1777), /etc/passwd, /etc/group
set -euo pipefail

image="${1:-paratest-example/go-suite:latest}"
here="$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)"
cd "$here"

for tool in go docker tar; do
	if ! command -v "$tool" >/dev/null 2>&1; then
		echo "build-image.sh: $tool not found in PATH" >&2
		exit 1
	fi
done

start=$SECONDS
root="$(mktemp -d "${TMPDIR:-/tmp}/go-suite-image.XXXXXX")"
trap 'rm -rf -- "$root"' EXIT

out="$root/paratest/go"
mkdir -p "$out"

# Static linux binaries: they run in an image with nothing else in it.
# GOARCH is left to the environment (default: the host's).
export CGO_ENABLED=0 GOOS=linux

# Packages with tests, by import path (go list fails the script on errors).
listing="$(go list -f '{{if or .TestGoFiles .XTestGoFiles}}{{.ImportPath}}{{end}}' ./...)"
pkgs=()
while IFS= read -r pkg; do
	if [[ -n "$pkg" ]]; then
		pkgs+=("$pkg")
	fi
done <<<"$listing"
if ((${#pkgs[@]} == 0)); then
	echo "build-image.sh: no packages with tests under $here" >&2
	exit 1
fi

for pkg in "${pkgs[@]}"; do
	bin="$out/$pkg.test"
	mkdir -p "$(dirname -- "$bin")"
	echo "build-image.sh: go test -c $pkg" >&2
	go test -c -o "$bin" "$pkg"
done

mkdir -p "$root/tmp" "$root/etc" "$root/root"
chmod 1777 "$root/tmp"
chmod 0700 "$root/root"
printf 'root:x:0:0:root:/root:/sbin/nologin\n' >"$root/etc/passwd"
printf 'root:x:0:\n' >"$root/etc/group"
chmod 0644 "$root/etc/passwd" "$root/etc/group"

# Files in the image belong to root whoever runs the build (GNU tar only;
# other tars keep the builder's ids, which is harmless for this image).
tar_owner=()
if tar --version 2>/dev/null | grep -q 'GNU tar'; then
	tar_owner=(--owner=0 --group=0 --numeric-owner)
fi

old_id="$(docker image inspect --format '{{.Id}}' "$image" 2>/dev/null || true)"

echo "build-image.sh: docker import $image" >&2
tar -C "$root" "${tar_owner[@]}" -c . |
	docker import --message "jenkins-paratest example go-suite (build-image.sh)" - "$image" >/dev/null

new_id="$(docker image inspect --format '{{.Id}}' "$image")"
# Re-running replaces the tag; drop the previous, now untagged, image.
if [[ -n "$old_id" && "$old_id" != "$new_id" ]]; then
	docker image rm "$old_id" >/dev/null 2>&1 || true
fi

echo "build-image.sh: built $image (${#pkgs[@]} test binaries) in $((SECONDS - start))s" >&2
echo "$new_id"
