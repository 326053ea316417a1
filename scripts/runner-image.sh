#!/usr/bin/env bash
# Builds the offline Debian image with real test runners that the preset parity
# tests and benchmarks use: Debian's python3-pytest (and -xdist), ruby-rspec,
# ruby-rspec-junit-formatter, cucumber, ruby-parallel-tests and bundler, and the
# per-worker services tests' redis-server and postgresql (with their clients), in a
# bookworm root made by debootstrap and `docker import`ed (no
# registry, no builder). The services tests make PostgreSQL's cluster themselves
# (initdb), as the package leaves none in a debootstrap root. An image already built from the same package list is
# kept: the tag carries a hash of the list.
#
# Usage: scripts/runner-image.sh    prints the image reference on stdout
set -euo pipefail

packages=(python3-pytest python3-pytest-xdist ruby-rspec ruby-rspec-junit-formatter cucumber ruby-parallel-tests bundler redis-server postgresql)
suite=bookworm
hash=$(printf '%s\n' "$suite" "${packages[@]}" | sha256sum | cut -c1-12)
image="paratest-e2e/runners:$hash"

if docker image inspect "$image" >/dev/null 2>&1; then
	echo "$image"
	exit 0
fi

if ! command -v debootstrap >/dev/null; then
	if [ "$(id -u)" != 0 ]; then
		echo "runner-image: debootstrap missing; as root: apt-get install debootstrap" >&2
		exit 1
	fi
	apt-get update -qq
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap >/dev/null
fi

# The mirror the machine's own apt sources name.
mirror=$(grep -rhoE '^(deb|URIs:) *(\[[^]]*\] *)?https?://[^ ]+/debian/?( |$)' /etc/apt/sources.list /etc/apt/sources.list.d/ 2>/dev/null |
	grep -oE 'https?://[^ ]+' | grep -v security | sed -n 1p || true)
mirror=${mirror:-http://deb.debian.org/debian}

root=$(mktemp -d "${TMPDIR:-/tmp}/paratest-runners.XXXXXX")
trap 'rm -rf -- "$root"' EXIT
start=$SECONDS
echo "runner-image: debootstrap $suite from $mirror with ${packages[*]}" >&2
list=$(IFS=,; echo "${packages[*]}")
if ! debootstrap --variant=minbase --include="$list" "$suite" "$root" "$mirror" >"$root.log" 2>&1; then
	tail -n 20 "$root.log" >&2
	rm -f "$root.log"
	exit 1
fi
rm -f "$root.log"
rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/*
tar -C "$root" --numeric-owner -c . | docker import --message "jenkins-paratest e2e runners" - "$image" >/dev/null
echo "runner-image: built $image in $((SECONDS - start))s" >&2
echo "$image"
