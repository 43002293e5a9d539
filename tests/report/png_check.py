#!/usr/bin/env python3
"""Says whether a PNG screenshot shows something: decodes it with the standard library alone
(zlib + the PNG row filters) and prints the share of pixels that are not the page background and
the number of distinct colours. Exit 0 when at least MIN_INK of the pixels are ink and there are
MIN_COLOURS colours or more; 1 when the picture is blank; 2 when it is not a PNG it can read."""
import struct
import sys
import zlib

MIN_INK = 0.01
MIN_COLOURS = 8


def read_png(path):
    data = open(path, "rb").read()
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        raise ValueError("not a PNG")
    pos, idat, width, height, ctype, depth = 8, b"", 0, 0, 0, 0
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos:pos + 4])
        kind = data[pos + 4:pos + 8]
        body = data[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            width, height, depth, ctype = struct.unpack(">IIBB", body[:10])
        elif kind == b"IDAT":
            idat += body
        pos += 12 + length
    if depth != 8 or ctype not in (2, 6):
        raise ValueError(f"unsupported PNG (bit depth {depth}, colour type {ctype})")
    bpp = 3 if ctype == 2 else 4
    raw = zlib.decompress(idat)
    stride = width * bpp
    rows, prev, i = [], bytearray(stride), 0
    for _ in range(height):
        f = raw[i]
        line = bytearray(raw[i + 1:i + 1 + stride])
        i += 1 + stride
        for x in range(stride):
            a = line[x - bpp] if x >= bpp else 0
            b = prev[x]
            c = prev[x - bpp] if x >= bpp else 0
            if f == 1:
                line[x] = (line[x] + a) & 255
            elif f == 2:
                line[x] = (line[x] + b) & 255
            elif f == 3:
                line[x] = (line[x] + (a + b) // 2) & 255
            elif f == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                pr = a if pa <= pb and pa <= pc else (b if pb <= pc else c)
                line[x] = (line[x] + pr) & 255
        rows.append(bytes(line))
        prev = line
    return width, height, bpp, rows


def main():
    try:
        width, height, bpp, rows = read_png(sys.argv[1])
    except (OSError, ValueError, zlib.error) as e:
        print(f"png_check: '{sys.argv[1]}': {e}")
        return 2
    background = rows[0][:3]
    ink, colours, total = 0, set(), 0
    for r in rows[::2]:
        for x in range(0, width * bpp, bpp * 2):
            px = r[x:x + 3]
            total += 1
            colours.add(px)
            if px != background:
                ink += 1
    share = ink / max(total, 1)
    print(f"png_check: {width}x{height}, ink {100 * share:.2f}% of pixels, {len(colours)} colours")
    return 0 if share >= MIN_INK and len(colours) >= MIN_COLOURS else 1


sys.exit(main())
