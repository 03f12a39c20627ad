#!/usr/bin/env python3
"""fuzz-seeds.py - write the seed inputs of the libFuzzer targets: python3 scripts/fuzz-seeds.py DIR

Each target gets DIR/TARGET/seed-N files laid out as its source in
tests/fuzz/ reads them: the bytes that pick a command and a stream run's
shape, then the data. The data are generated here, the same every time
(a fixed seed): text and log lines, gzip (single and multi-member, stored
blocks, a name and comment, trailing zeros), zlib and raw deflate streams,
base64 and hex text, pipeline specs and stage arguments.
"""
import base64
import gzip
import os
import random
import sys
import zlib

rng = random.Random(20261204)
WORDS = ["error", "warn", "GET", "POST", "/index.html", "200", "404", "user",
         "abc", "x", "y", "0x10", "-5", "42", "\t", "ERROR", "aa", "ab"]


def text(lines):
    out = []
    for i in range(lines):
        n = rng.randint(0, 8)
        out.append(" ".join(rng.choice(WORDS) for _ in range(n)))
    return ("\n".join(out) + rng.choice(["\n", "", "\r\n"])).encode()


def logs(lines):
    out = []
    for i in range(lines):
        out.append("2026-12-04T10:%02d:%02d %s %s %d" % (
            i % 60, rng.randint(0, 59), rng.choice(["INFO", "WARN", "ERROR"]),
            rng.choice(WORDS), rng.randint(0, 99999)))
    return ("\n".join(out) + "\n").encode()


def raw_deflate(data, level=6, strategy=zlib.Z_DEFAULT_STRATEGY):
    c = zlib.compressobj(level, zlib.DEFLATED, -15, 8, strategy)
    return c.compress(data) + c.flush()


def gzip_member(data, level=6, name=None, comment=None):
    flags = (8 if name else 0) | (16 if comment else 0)
    head = bytes([0x1f, 0x8b, 8, flags, 0, 0, 0, 0, 0, 3])
    if name:
        head += name + b"\0"
    if comment:
        head += comment + b"\0"
    trailer = (zlib.crc32(data).to_bytes(4, "little") +
               (len(data) & 0xffffffff).to_bytes(4, "little"))
    return head + raw_deflate(data, level) + trailer


def samples():
    """Plain data of every kind the stages read."""
    yield b""
    yield b"a"
    yield b"\n"
    yield text(5)
    yield text(60)
    yield logs(40)
    yield bytes(rng.randrange(256) for _ in range(300))
    yield b"x" * 5000 + b"\n"


def shape():
    return bytes(rng.randrange(256) for _ in range(3))


def decoder_data(kind):
    for d in samples():
        if kind == "gunzip":
            yield gzip.compress(d, 6, mtime=0)
            yield gzip_member(d, 0)  # stored blocks
            yield gzip_member(d, 9, b"name.txt", b"a comment")
            yield gzip.compress(d, 1, mtime=0) + gzip.compress(d[::-1], 6, mtime=0)
            yield gzip.compress(d, 6, mtime=0) + b"\0" * 7
        elif kind == "unzlib":
            yield zlib.compress(d, 6)
            yield zlib.compress(d, 0)
            yield zlib.compress(d, 9)
        elif kind == "inflate":
            yield raw_deflate(d)
            yield raw_deflate(d, 0)
            yield raw_deflate(d, 9, zlib.Z_HUFFMAN_ONLY)
            yield raw_deflate(d, 6, zlib.Z_FIXED)
        elif kind == "base64":
            yield base64.b64encode(d)
            yield base64.encodebytes(d)
        elif kind == "hex":
            yield d.hex().encode()
            yield (d.hex() + "\n").upper().encode()


def write(dir_, name, seeds):
    path = os.path.join(dir_, name)
    os.makedirs(path, exist_ok=True)
    for i, s in enumerate(seeds):
        with open(os.path.join(path, "seed-%d" % i), "wb") as f:
            f.write(s)


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: fuzz-seeds.py DIR")
    top = sys.argv[1]
    for target, kind in [("gunzip_zlib", "gunzip"), ("gunzip_isal", "gunzip"),
                         ("inflate", "inflate"), ("unzlib", "unzlib"),
                         ("base64_d", "base64"), ("hex_d", "hex")]:
        write(top, target, [shape() + d for d in decoder_data(kind)])

    # tests/fuzz/fuzz_lines.c: command, shape, words ending at newlines, lines
    words = [b"error", b"ERROR\n0", b"^[0-9]+ x", b"a|b$", b"(ab)*c", b"[[:alpha:]]+",
             b"a-z\nA-Z", b"[:digit:]\nx", b"\\n\n\\t", b"abc\n", b"\\x41\nB",
             b"[=a=]\n[b*]", b"\\0-\\177\nx", b"a-c\n[x*3]"]
    lines = []
    for cmd in range(16):
        for _ in range(3):
            lines.append(bytes([cmd]) + shape() + rng.choice(words) + b"\n" +
                         rng.choice([text(20), logs(30), b"b\na\nb\n10\n9\n-1\n"]))
    write(top, "lines", lines)

    write(top, "spec", [
        b"gunzip | grep x | gzip", b"grep \"a b\" | tr 'a-z' 'A-Z'",
        b"replace \\| '\\n'", b"cat", b"  head -n 5\t|\ttail -c 3 ",
        b"grep -e \"say \\\"hi\\\"\" | wc -l", b"'' | \"\"", b"a || b", b"'open",
        b"sort -S 1K -u | uniq -c | nl", b"x\\ y z\\", b"\r\n|\n"])

    # tests/fuzz/fuzz_opts.c: stage index, NUL-separated arguments
    args = [b"", b"-n\x003", b"-c\x00100", b"-5", b"--lines=+3", b"-w\x000",
            b"-d", b"-9", b"--fast", b"-S\x001K\x00-u\x00-r\x00-n", b"-lwc",
            b"-E\x00-e\x00^a.*b", b"-v\x00-i\x00x", b"a-z\x00A-Z", b"-cs\x00a\x00b",
            b"from\x00to", b"-b\x00a", b"--\x00-x", b"-x", b"--bogus=1",
            b"-n\x0099999999999T", b"-c\x00-1", b"--window=5", b"-k", b"-r",
            b"--count", b"--cols=7", b"--wrap=0", b"--buffer-size=64M"]
    write(top, "opts", [bytes([i]) + a for i in range(40) for a in rng.sample(args, 4)])

    # tests/fuzz/fuzz_diff.c: chain length, stage choices, shape, data
    diff = []
    for _ in range(80):
        n = rng.randrange(3)
        diff.append(bytes([n]) + bytes(rng.randrange(256) for _ in range(n + 1)) +
                    shape() + rng.choice(list(samples()) +
                                         list(decoder_data("gunzip"))[:6]))
    write(top, "diff", diff)

    # tests/fuzz/fuzz_digest.c: starting CRC, piece lengths, data
    write(top, "digest", [bytes(rng.randrange(256) for _ in range(12)) + d
                          for d in list(samples()) + [os.urandom(0) + bytes(range(256)) * 300]])


if __name__ == "__main__":
    main()
