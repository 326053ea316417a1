#!/bin/sh
# The `sh` script of the paratest step (vars/paratest.groovy) that installs a
# pinned release of jenkins-paratest. Values come from the environment only:
#
#   JENKINS_PARATEST_URL      where to download the binary
#   JENKINS_PARATEST_SHA256   its pinned sha256 (64 hex digits, checked by the step)
#   JENKINS_PARATEST_DIR      the directory to install it in (under pwd(tmp: true))
#
# A binary already there whose sha256 matches is reused. The download goes to a
# temporary name and is renamed into place only after `sha256sum -c` passed, so a
# half-written or tampered file is never run.
set -eu

dir=$JENKINS_PARATEST_DIR
bin=$dir/jenkins-paratest
url=$JENKINS_PARATEST_URL
sum=$JENKINS_PARATEST_SHA256

verify() {
  printf '%s  %s\n' "$sum" "$1" | sha256sum -c -
}

if [ -f "$bin" ] && verify "$bin" >/dev/null 2>&1; then
  echo "paratest: using $bin (sha256 $sum)"
else
  mkdir -p "$dir"
  tmp=$bin.download.$$
  trap 'rm -f "$tmp"' EXIT
  echo "paratest: downloading $url"
  if command -v curl >/dev/null 2>&1; then
    curl -fsSL --retry 3 -o "$tmp" "$url"
  elif command -v wget >/dev/null 2>&1; then
    wget -q -O "$tmp" "$url"
  else
    echo "paratest: neither curl nor wget is installed on this agent" >&2
    exit 1
  fi
  if ! verify "$tmp"; then
    echo "paratest: $url does not have the pinned sha256 $sum" >&2
    exit 1
  fi
  chmod 755 "$tmp"
  mv -f "$tmp" "$bin"
fi
"$bin" version
