#!/bin/sh
# The `sh` script of the paratest step (vars/paratest.groovy) that installs a
# pinned release of jenkins-paratest, an archive `make dist` made. Values come from
# the environment only:
#
#   JENKINS_PARATEST_URL      the archive's URL; {arch} is replaced by amd64 or arm64
#   JENKINS_PARATEST_SHA256_AMD64, JENKINS_PARATEST_SHA256_ARM64
#                             the pinned sha256 of each architecture's archive (64
#                             hex digits, checked by the step); an architecture
#                             without one is refused
#   JENKINS_PARATEST_DIR      the directory to install in (under pwd(tmp: true)):
#                             the archive is kept there, the binary goes to DIR/bin
#
# The architecture is the agent's (uname -m): x86_64 is amd64, aarch64 and arm64
# are arm64; anything else is an error. The archive is downloaded to a temporary
# name and kept only once `sha256sum -c` passed; a kept archive is checked again
# before each use. The binary is always unpacked from a checked archive, and moved
# into place only when whole, so a half-written or tampered file is never run.
set -eu

dir=$JENKINS_PARATEST_DIR
template=$JENKINS_PARATEST_URL

machine=$(uname -m)
case $machine in
x86_64 | amd64) arch=amd64 sum=${JENKINS_PARATEST_SHA256_AMD64:-} ;;
aarch64 | arm64) arch=arm64 sum=${JENKINS_PARATEST_SHA256_ARM64:-} ;;
*)
  echo "paratest: this agent's architecture is $machine; jenkins-paratest is released for linux amd64 (x86_64) and arm64 (aarch64): build it for this one and put it on PATH" >&2
  exit 1
  ;;
esac
if [ -z "$sum" ]; then
  echo "paratest: this agent is linux-$arch, and the paratest step has no sha256 for it: give sha256: [$arch: '<its line in SHA256SUMS>']" >&2
  exit 1
fi

# Every {arch} in the template becomes the architecture; the rest is kept as given.
url=
rest=$template
while :; do
  case $rest in
  *'{arch}'*)
    url=$url${rest%%'{arch}'*}$arch
    rest=${rest#*'{arch}'}
    ;;
  *)
    url=$url$rest
    break
    ;;
  esac
done

archive=$dir/jenkins-paratest-linux-$arch.tar.gz
bindir=$dir/bin
mkdir -p "$bindir"
tmp=$dir/.download.$$
unpack=$dir/.unpack.$$
trap 'rm -rf "$tmp" "$unpack"' EXIT

verify() {
  printf '%s  %s\n' "$sum" "$1" | sha256sum -c - >/dev/null 2>&1
}

if [ -f "$archive" ] && verify "$archive"; then
  echo "paratest: using $archive (linux-$arch, sha256 $sum)"
else
  echo "paratest: downloading $url (linux-$arch)"
  if command -v curl >/dev/null 2>&1; then
    curl -fsSL --retry 3 -o "$tmp" "$url"
  elif command -v wget >/dev/null 2>&1; then
    wget -q -O "$tmp" "$url"
  else
    echo "paratest: neither curl nor wget is installed on this agent" >&2
    exit 1
  fi
  got=$(sha256sum "$tmp" | cut -d' ' -f1)
  if [ "$got" != "$sum" ]; then
    echo "paratest: $url has sha256 $got, not the pinned $sum: FAILED" >&2
    exit 1
  fi
  mv -f "$tmp" "$archive"
fi

# The archive holds one directory, jenkins-paratest-<version>-linux-<arch>/.
mkdir -p "$unpack"
tar -xzf "$archive" -C "$unpack"
found=
for f in "$unpack"/*/jenkins-paratest "$unpack"/jenkins-paratest; do
  if [ -f "$f" ]; then
    found=$f
    break
  fi
done
if [ -z "$found" ]; then
  echo "paratest: $url holds no jenkins-paratest binary" >&2
  exit 1
fi
chmod 755 "$found"
mv -f "$found" "$bindir/jenkins-paratest"
"$bindir/jenkins-paratest" version
