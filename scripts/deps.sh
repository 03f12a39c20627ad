#!/bin/sh
# deps.sh - make sure the Debian packages a build needs are installed.
#   sh scripts/deps.sh build   zlib and OpenSSL libcrypto headers, pkg-config;
#                              ISA-L (libisal-dev) where Debian has it
#   sh scripts/deps.sh test    the above and the Check unit test library
#   sh scripts/deps.sh tools   the reference tools and programs the tests drive
#                              (gzip, tmux, GNU parallel, man, bash-completion,
#                              and the tools stages are compared with: xxd,
#                              dos2unix, pigz, zlib-flate, python3)
#   sh scripts/deps.sh valgrind the tools above and valgrind, for make valgrind
#   sh scripts/deps.sh bench   the above build packages and what make bench
#                              runs: the same peers, GNU time and openssl
#   sh scripts/deps.sh fuzz    the build packages, clang and its libFuzzer
#                              runtime (libclang-rt-N-dev), python3 for the seeds
# As root on a Debian system it installs what is missing with apt-get;
# otherwise it prints the exact command to run and fails. ISA-L is wanted,
# not needed (gunzip, unzlib and inflate use zlib without it): it is
# installed where it can be, and never a reason to fail.
set -u
what=${1:-build}

missing=""
need() { missing="$missing $1"; }

have_pc() { command -v pkg-config >/dev/null 2>&1 && pkg-config --exists "$1"; }

command -v pkg-config >/dev/null 2>&1 || need pkg-config
have_pc zlib || need zlib1g-dev
have_pc libcrypto || need libssl-dev
wanted=""
if ! have_pc libisal; then
	# Debian builds ISA-L for these; elsewhere there is nothing to ask for
	case $(dpkg --print-architecture 2>/dev/null) in
	amd64 | arm64) wanted=libisal-dev ;;
	esac
fi
# the tools that stages are compared with, in the tests and in the bench
peers() {
	command -v gzip >/dev/null 2>&1 || need gzip
	command -v xxd >/dev/null 2>&1 || need xxd
	command -v dos2unix >/dev/null 2>&1 || need dos2unix
	command -v pigz >/dev/null 2>&1 || need pigz
	command -v zlib-flate >/dev/null 2>&1 || need qpdf
	command -v python3 >/dev/null 2>&1 || need python3
	command -v sha256sum >/dev/null 2>&1 || need coreutils
}

# The Debian package holding libFuzzer for the clang installed, found by
# the file clang would link; libclang-rt-14-dev when clang is missing too.
fuzzer_runtime() {
	if ! command -v clang >/dev/null 2>&1; then
		need clang
		need libclang-rt-14-dev
		return
	fi
	lib=$(clang -print-file-name="libclang_rt.fuzzer-$(uname -m).a" 2>/dev/null)
	case $lib in
	/*) [ -f "$lib" ] && return ;;
	esac
	major=$(clang -dumpversion 2>/dev/null | cut -d. -f1)
	need "libclang-rt-${major:-14}-dev"
}

case $what in
test) have_pc check || need check ;;
fuzz)
	fuzzer_runtime
	command -v python3 >/dev/null 2>&1 || need python3
	;;
bench)
	peers
	# the bench reads peak RSS from GNU time, not the shell keyword
	[ -x /usr/bin/time ] || need time
	command -v openssl >/dev/null 2>&1 || need openssl
	;;
tools | valgrind)
	peers
	[ "$what" = valgrind ] && { command -v valgrind >/dev/null 2>&1 || need valgrind; }
	command -v cmp >/dev/null 2>&1 || need diffutils
	command -v tmux >/dev/null 2>&1 || need tmux
	command -v groff >/dev/null 2>&1 || need groff-base
	command -v man >/dev/null 2>&1 || need man-db
	[ -f /usr/share/bash-completion/bash_completion ] || need bash-completion
	# moreutils ships another program called parallel
	parallel --version 2>/dev/null | grep -q 'GNU parallel' || need parallel
	;;
esac

[ -z "$missing$wanted" ] && exit 0

# Installs the packages named, updating the package lists first if a
# plain install fails.
apt_install() {
	# shellcheck disable=SC2086
	apt-get install -y -q "$@" >/dev/null 2>&1 ||
		{ apt-get update -q >/dev/null 2>&1 && apt-get install -y -q "$@" >/dev/null 2>&1; }
}

# Package lists that were fetched at some time (an image may ship none).
have_lists() { ls /var/lib/apt/lists/*_Packages* >/dev/null 2>&1; }

if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
	export DEBIAN_FRONTEND=noninteractive
	if [ -n "$missing" ]; then
		echo "streamx: installing missing build packages:$missing" >&2
		# shellcheck disable=SC2086
		if ! apt_install $missing; then
			echo "streamx: apt-get could not install:$missing" >&2
			exit 1
		fi
	fi
	# Where the lists are there and lack it, asking again each build
	# would only cost an update: one try, no update.
	if [ -n "$wanted" ] && ! apt-get install -y -q $wanted >/dev/null 2>&1; then
		if have_lists || ! apt_install $wanted; then
			echo "streamx: $wanted not installed: building without ISA-L" >&2
		fi
	fi
	exit 0
fi
if [ -n "$missing" ]; then
	echo "streamx: missing build packages:$missing" >&2
	echo "streamx: install them with: sudo apt-get install$missing$wanted" >&2
	exit 1
fi
exit 0
