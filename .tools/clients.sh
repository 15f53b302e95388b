# The pastebin clients that tests/clients/run.sh drives, pinned: their versions and where
# .tools/deps.sh installs them, in one place. Sourced by both (after HOME is set).
#
#   . "$ROOT/.tools/clients.sh"
#
#   HASTE_VERSION, HASTE_PIP     haste-client and the pinned requirements of its venv
#   HASTE_BUILD_PIP              what its venv needs before HASTE_PIP can be built (wheel)
#   HASTE_DIR, HASTE_BIN         the venv (python3 -m venv) and its `haste` script
#   RPASTE_VERSION               rustypaste-cli from crates.io (`cargo install --locked`)
#   RPASTE_DIR, RPASTE_BIN       its cargo install root and the `rpaste` binary
#   PBINCLI_VERSION              pbincli, PrivateBin's command-line client (PyPI)
#   PBINCLI_BUILD_PIP            what its venv needs before PBINCLI_PIP can be built (wheel)
#   PBINCLI_PIP                  pbincli and the pinned requirements of its venv
#   PBINCLI_DIR, PBINCLI_BIN     the venv (python3 -m venv) and its `pbincli` script
#   CLIENTS_CACHE_DIR            the per-machine cache: ${XDG_CACHE_HOME:-$HOME/.cache}/pasted,
#                                the same folder as deps.sh's CACHE_DIR (FerretDB)
#
# pastebinit and nc come from Debian (APT_TEST in deps.sh): /usr/bin/pastebinit, /usr/bin/nc.
# Defines variables only.
# shellcheck shell=bash
# shellcheck disable=SC2034  # used by the scripts that source this

CLIENTS_CACHE_DIR="${XDG_CACHE_HOME:-$HOME/.cache}/pasted"

# haste-client 1.0.3 (PyPI, 2016; a script that needs requests and docopt), with every
# requirement pinned; these install on Python 3.11 (the machine's python3). haste-client and
# docopt are source distributions: pip (23.2, in Python 3.11's venv) builds them without build
# isolation with the venv's setuptools 65 only when wheel is installed, and that setuptools
# needs wheel's own bdist_wheel, which wheel 0.46 and later no longer have: so wheel 0.45.1 is
# installed first. (Without it the install fails with "invalid command 'bdist_wheel'" unless
# pip's wheel cache happens to hold wheels of both already.)
HASTE_VERSION=1.0.3
HASTE_BUILD_PIP=(wheel==0.45.1)
HASTE_PIP=(
    "haste-client==$HASTE_VERSION"
    requests==2.34.2 docopt==0.6.2
    certifi==2026.10.19.post1 charset-normalizer==3.5.3 idna==3.20 urllib3==2.8.0
)
HASTE_DIR="$CLIENTS_CACHE_DIR/haste-client-$HASTE_VERSION"
HASTE_BIN="$HASTE_DIR/bin/haste"

# rustypaste-cli: the newest release on crates.io that builds with the machine's cargo.
RPASTE_VERSION=0.10.0
RPASTE_DIR="$CLIENTS_CACHE_DIR/rustypaste-cli-$RPASTE_VERSION"
RPASTE_BIN="$RPASTE_DIR/bin/rpaste"

# pbincli 0.3.7 (PyPI, 2025-03; PrivateBin's command-line client, the newest release), with
# every requirement pinned; these install on Python 3.11. Its requirement sjcl (for PrivateBin
# v1 pastes) is a source distribution: wheel 0.45.1 first, as for haste-client.
PBINCLI_VERSION=0.3.7
PBINCLI_BUILD_PIP=(wheel==0.45.1)
PBINCLI_PIP=(
    "pbincli==$PBINCLI_VERSION"
    pycryptodome==4.4.0 base58==2.1.1 sjcl==0.2.1 argcomplete==3.7.2 pysocks==1.7.1
    requests==2.34.2 certifi==2026.10.19.post1 charset-normalizer==3.5.3 idna==3.20 urllib3==2.8.0
)
PBINCLI_DIR="$CLIENTS_CACHE_DIR/pbincli-$PBINCLI_VERSION"
PBINCLI_BIN="$PBINCLI_DIR/bin/pbincli"
