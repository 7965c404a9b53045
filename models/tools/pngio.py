"""Minimal PNG reading and writing with zlib + numpy (this machine has no Pillow).

Reads 8-bit (and palette 1/2/4/8-bit) non-interlaced PNGs of every colour type, which covers the
emoji-datasource sprites; writes 8-bit RGB/RGBA/grey.
"""
import struct
import zlib

import numpy as np

_SIG = b'\x89PNG\r\n\x1a\n'


def _chunks(data):
    pos = 8
    while pos < len(data):
        (length,) = struct.unpack('>I', data[pos:pos + 4])
        ctype = data[pos + 4:pos + 8]
        yield ctype, data[pos + 8:pos + 8 + length]
        pos += 12 + length


def _unfilter(raw, height, stride, bpp):
    out = np.zeros((height, stride), dtype=np.uint8)
    prev = np.zeros(stride, dtype=np.int32)
    pos = 0
    for y in range(height):
        ftype = raw[pos]
        line = np.frombuffer(raw, dtype=np.uint8, count=stride, offset=pos + 1).astype(np.int32)
        pos += stride + 1
        if ftype == 0:
            cur = line
        elif ftype == 2:
            cur = (line + prev) & 0xFF
        elif ftype in (1, 3, 4):
            # These depend on the already-decoded left neighbour: resolve bpp columns at a time.
            cur = line.copy()
            for x in range(stride):
                a = cur[x - bpp] if x >= bpp else 0
                b = prev[x]
                if ftype == 1:
                    pred = a
                elif ftype == 3:
                    pred = (a + b) >> 1
                else:
                    c = prev[x - bpp] if x >= bpp else 0
                    p = a + b - c
                    pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                    pred = a if (pa <= pb and pa <= pc) else (b if pb <= pc else c)
                cur[x] = (cur[x] + pred) & 0xFF
        else:
            raise ValueError(f'bad PNG filter type {ftype}')
        out[y] = cur
        prev = cur
    return out


def read_png(path):
    """Returns uint8 RGBA [H, W, 4]."""
    with open(path, 'rb') as fh:
        data = fh.read()
    if data[:8] != _SIG:
        raise ValueError(f'{path}: not a PNG')
    idat, palette, trns = [], None, None
    for ctype, body in _chunks(data):
        if ctype == b'IHDR':
            w, h, depth, ctype_, _, _, interlace = struct.unpack('>IIBBBBB', body)
        elif ctype == b'PLTE':
            palette = np.frombuffer(body, dtype=np.uint8).reshape(-1, 3)
        elif ctype == b'tRNS':
            trns = np.frombuffer(body, dtype=np.uint8)
        elif ctype == b'IDAT':
            idat.append(body)
        elif ctype == b'IEND':
            break
    if interlace:
        raise ValueError(f'{path}: interlaced PNGs are not supported')
    channels = {0: 1, 2: 3, 3: 1, 4: 2, 6: 4}[ctype_]
    if depth not in (8,) and not (ctype_ == 3 and depth in (1, 2, 4)):
        raise ValueError(f'{path}: bit depth {depth} with colour type {ctype_} is not supported')
    bits = channels * depth
    stride = (w * bits + 7) // 8
    rows = _unfilter(zlib.decompress(b''.join(idat)), h, stride, max(1, bits // 8))
    if ctype_ == 3:
        if depth < 8:
            rows = np.unpackbits(rows, axis=1).reshape(h, -1, depth)
            rows = (rows * (1 << np.arange(depth - 1, -1, -1))).sum(-1)[:, :w]
        idx = rows.astype(np.int64)
        alpha = np.full(len(palette), 255, dtype=np.uint8)
        if trns is not None:
            alpha[:len(trns)] = trns
        rgba = np.concatenate([palette, alpha[:, None]], axis=1)
        return rgba[idx]
    px = rows.reshape(h, w, channels)
    if ctype_ == 0:
        return np.concatenate([np.repeat(px, 3, 2), np.full((h, w, 1), 255, np.uint8)], 2)
    if ctype_ == 4:
        return np.concatenate([np.repeat(px[..., :1], 3, 2), px[..., 1:]], 2)
    if ctype_ == 2:
        a = np.full((h, w, 1), 255, np.uint8)
        if trns is not None and len(trns) == 6:
            key = np.frombuffer(trns, '>u2').astype(np.uint8)
            a[(px == key).all(-1)] = 0
        return np.concatenate([px, a], 2)
    return px


def write_png(path, img):
    """img: uint8 [H, W], [H, W, 3] or [H, W, 4]."""
    img = np.ascontiguousarray(img, dtype=np.uint8)
    if img.ndim == 2:
        img = img[..., None]
    h, w, c = img.shape
    ctype = {1: 0, 3: 2, 4: 6}[c]
    raw = b''.join(b'\x00' + img[y].tobytes() for y in range(h))

    def chunk(t, body):
        return struct.pack('>I', len(body)) + t + body + struct.pack('>I', zlib.crc32(t + body) & 0xFFFFFFFF)
    data = _SIG + chunk(b'IHDR', struct.pack('>IIBBBBB', w, h, 8, ctype, 0, 0, 0))
    data += chunk(b'IDAT', zlib.compress(raw, 9)) + chunk(b'IEND', b'')
    with open(path, 'wb') as fh:
        fh.write(data)


def to_uint8(img):
    """[-1, 1] float CHW (or NCHW grid) -> uint8 HWC."""
    img = np.asarray(img, dtype=np.float32)
    return np.clip(np.rint((img + 1) * 127.5), 0, 255).astype(np.uint8).transpose(1, 2, 0)


def grid(images, cols):
    """images: float [N, C, H, W] in [-1, 1] -> uint8 grid [rows*H, cols*W, C]."""
    images = np.asarray(images)
    n, c, h, w = images.shape
    rows = (n + cols - 1) // cols
    out = np.full((rows * h, cols * w, c), 255, np.uint8)
    for i in range(n):
        r, q = divmod(i, cols)
        out[r * h:(r + 1) * h, q * w:(q + 1) * w] = to_uint8(images[i])
    return out
