#!/usr/bin/env bash
# Tests `make dist` against the library's install path: builds the release
# archives into a temporary directory, checks SHA256SUMS, then runs the paratest
# step's install.sh (jenkins/resources/jenkins-paratest) on them, with the test
# fixtures standing in for curl (no network) and uname (any architecture). Prints
# one "ok   …" or "FAIL …" line per check (scripts/test-jenkins.sh counts them);
# exits 1 when one failed. Without go (or make) it prints "skip …" and exits 0.
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1

failed=0
ok() { echo "ok   dist: $1"; }
fail() { failed=1; echo "FAIL dist: $1"; }

if ! command -v go >/dev/null || ! command -v make >/dev/null; then
  echo "skip dist: go or make is not installed"
  exit 0
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
version=v0.0.0-harness
dist=$tmp/dist
if make -s dist VERSION=$version DIST="$dist" >"$tmp/make.log" 2>&1; then
  ok "make dist VERSION=$version"
else
  fail "make dist VERSION=$version"
  cat "$tmp/make.log"
  exit 1
fi

want="SHA256SUMS jenkins-paratest-0.0.0-harness-linux-amd64.tar.gz jenkins-paratest-0.0.0-harness-linux-arm64.tar.gz"
got=$(cd "$dist" && echo *)
if [ "$got" = "$want" ]; then ok "the files are $want"; else fail "the files are $got, want $want"; fi
if (cd "$dist" && sha256sum --quiet -c SHA256SUMS); then ok "sha256sum -c SHA256SUMS"; else fail "sha256sum -c SHA256SUMS"; fi
listing=$(tar -tzf "$dist/jenkins-paratest-0.0.0-harness-linux-amd64.tar.gz" | sort | tr '\n' ' ')
if [ "$listing" = "jenkins-paratest-0.0.0-harness-linux-amd64/ jenkins-paratest-0.0.0-harness-linux-amd64/README.md jenkins-paratest-0.0.0-harness-linux-amd64/jenkins-paratest " ]; then
  ok "the amd64 archive holds one directory with the binary and README.md"
else
  fail "the amd64 archive holds: $listing"
fi

sum() { awk -v a="linux-$1.tar.gz" 'index($2, a) { print $1 }' "$dist/SHA256SUMS"; }
amd64=$(sum amd64)
arm64=$(sum arm64)

fakes=$tmp/fakes
mkdir -p "$fakes"
for f in jenkins/test/fixtures/fake-curl/curl jenkins/test/fixtures/fake-uname/uname; do
  cp "$f" "$fakes/" && chmod 755 "$fakes/$(basename "$f")"
done

# install MACHINE SHA256_AMD64 SHA256_ARM64: runs install.sh as the step does
# (the step has replaced {version}; install.sh replaces {arch}), output in $tmp/out.
install() {
  rm -rf "$tmp/inst" "$tmp/curl.log"
  env -i PATH="$fakes:/usr/bin:/bin" HOME="$tmp" FAKE_UNAME_M="$1" \
    FAKE_DOWNLOAD_FROM="$dist" FAKE_CURL_LOG="$tmp/curl.log" \
    JENKINS_PARATEST_URL="https://releases.example.com/$version/jenkins-paratest-0.0.0-harness-linux-{arch}.tar.gz" \
    JENKINS_PARATEST_SHA256_AMD64="$2" JENKINS_PARATEST_SHA256_ARM64="$3" \
    JENKINS_PARATEST_DIR="$tmp/inst" \
    sh jenkins/resources/jenkins-paratest/install.sh >"$tmp/out" 2>&1
}

if install x86_64 "$amd64" "$arm64" && grep -qx "jenkins-paratest $version" "$tmp/out"; then
  ok "install.sh installs the amd64 archive and its binary says jenkins-paratest $version"
else
  fail "install.sh on x86_64: $(cat "$tmp/out")"
fi
if grep -q 'linux-amd64.tar.gz$' "$tmp/curl.log" 2>/dev/null; then ok "x86_64 downloads linux-amd64"; else fail "x86_64 downloaded $(cat "$tmp/curl.log")"; fi

# arm64: the right archive is checked and unpacked (its binary cannot run here:
# install.sh's last step, "jenkins-paratest version", fails on this machine unless it is arm64)
install aarch64 "$amd64" "$arm64"
elf=$(od -An -tx1 -j18 -N2 "$tmp/inst/bin/jenkins-paratest" 2>/dev/null | tr -d ' \n')
if grep -q 'linux-arm64.tar.gz$' "$tmp/curl.log" && [ "$elf" = b700 ]; then
  ok "aarch64 downloads linux-arm64 and installs an aarch64 binary"
else
  fail "aarch64: downloaded $(cat "$tmp/curl.log" 2>/dev/null), ELF machine $elf: $(cat "$tmp/out")"
fi

wrong=$(printf '%064d' 0)
if ! install x86_64 "$wrong" "$arm64" && grep -q "not the pinned $wrong: FAILED" "$tmp/out" && [ ! -e "$tmp/inst/bin/jenkins-paratest" ]; then
  ok "a wrong sha256 is refused and nothing is installed"
else
  fail "a wrong sha256: $(cat "$tmp/out")"
fi
# the sum of the other architecture's archive is a wrong one too
if ! install x86_64 "$arm64" "$amd64" && grep -q FAILED "$tmp/out"; then
  ok "the arm64 archive's sum does not install the amd64 archive"
else
  fail "swapped sums: $(cat "$tmp/out")"
fi
if ! install riscv64 "$amd64" "$arm64" && grep -q "architecture is riscv64" "$tmp/out" && [ ! -e "$tmp/curl.log" ]; then
  ok "another architecture is refused before any download"
else
  fail "riscv64: $(cat "$tmp/out")"
fi
exit "$failed"
