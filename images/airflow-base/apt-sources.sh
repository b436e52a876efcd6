#!/bin/sh
# `apt-get update` for the Debian 11 (bullseye) based Python 3.6 image. Debian moves releases whose support has
# ended to archive.debian.org; when the regular mirrors no longer serve bullseye, switch to the archive.
set -eu
if apt-get update -o Acquire::Retries=3; then
  exit 0
fi
echo "apt-sources: deb.debian.org has no bullseye any more; using archive.debian.org" >&2
sed -i \
  -e 's|http://deb.debian.org/debian-security|http://archive.debian.org/debian-security|g' \
  -e 's|http://security.debian.org/debian-security|http://archive.debian.org/debian-security|g' \
  -e 's|http://deb.debian.org/debian|http://archive.debian.org/debian|g' \
  -e '/bullseye-updates/d' \
  /etc/apt/sources.list
apt-get -o Acquire::Check-Valid-Until=false update
