"""Encodings and fingerprints: one streaming pass gives a file's sha256 and a CSV's encoding (BOM, UTF-8, else
charset-normalizer limited to the Chinese legacy encodings); GBK/GB18030 files are transcoded to UTF-8 for DuckDB."""

from __future__ import annotations

import codecs
import hashlib
import os
from pathlib import Path

from ingestion.readers.base import SAMPLE, LandingFileError, chunks, file_format

# Longest BOM first: the UTF-32 LE BOM starts with the UTF-16 LE one.
_BOMS = [
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
]


# Encodings DuckDB's CSV reader takes as they are (it drops a UTF-8 BOM itself).
NATIVE_ENCODINGS = {"utf-8", "utf-8-sig"}
# charset-normalizer guesses in the GB family all become GB18030, their common superset.
_GB_FAMILY = {"gb2312", "gbk", "gb18030", "hz", "cp936"}
_CANDIDATES = ("gb18030", "big5")


def _bom_encoding(head: bytes) -> str | None:
    return next((enc for bom, enc in _BOMS if head.startswith(bom)), None)


def _guess_encoding(sample: bytes) -> str:
    """charset-normalizer's guess for a non-UTF-8 sample; GB18030 when it has none or ties.

    The guess is limited to the Chinese legacy encodings: unrestricted, charset-normalizer calls a short
    GBK file cp949 (Korean) and a GBK file with one bad byte cp1251, and either would load as mojibake.
    A few GBK characters also decode as Big5 without "chaos"; on a tie the contract's GB18030 wins.
    Anything else then fails loudly in the strict GB18030 transcoding, naming the offending byte."""
    from charset_normalizer import from_bytes

    if sample.isascii():
        return "gb18030"
    # Cut at the last line break so a multi-byte character split by the sample edge is not held against
    # the right encoding.
    cut = sample.rfind(b"\n")
    matches = list(from_bytes(sample[: cut + 1] if cut > 0 else sample, cp_isolation=list(_CANDIDATES)))
    if not matches:
        return "gb18030"
    least = min(m.chaos for m in matches)
    names = [codecs.lookup(m.encoding).name for m in matches if m.chaos <= least]
    return "gb18030" if any(n in _GB_FAMILY for n in names) else names[0]


def _scan(path: Path, *, hash_it: bool) -> tuple[str | None, str]:
    """One streaming pass: (sha256 or None, encoding). The UTF-8 check stops at the first bad byte."""
    sha = hashlib.sha256() if hash_it else None
    decoder = codecs.getincrementaldecoder("utf-8")()
    head, sample = b"", b""  # the first bytes (BOM), and the text charset-normalizer looks at
    utf8_ok = True
    for chunk in chunks(path):
        if sha is not None:
            sha.update(chunk)
        if not head:
            head = chunk[:4]
        # ASCII is valid UTF-8: bytes.isascii() checks it ~20x faster than decoding (when no multi-byte
        # character is left pending from the previous chunk).
        if utf8_ok and not (chunk.isascii() and not decoder.getstate()[0]):
            try:
                decoder.decode(chunk)
            except UnicodeDecodeError as err:
                utf8_ok = False
                sample = _sample_at(chunk, err.start)
                if sha is None:
                    break  # nothing left to learn from the rest of the file
    if utf8_ok:
        try:
            decoder.decode(b"", final=True)  # a truncated multi-byte sequence at the very end
        except UnicodeDecodeError:
            utf8_ok = False
            sample = head
    encoding = _bom_encoding(head) or ("utf-8" if utf8_ok else _guess_encoding(sample))
    return (sha.hexdigest() if sha is not None else None), encoding


def _sample_at(chunk: bytes, bad: int) -> bytes:
    """~1 MB from the start of the line holding the first non-UTF-8 byte. Sampling the file's first MB
    instead would often show charset-normalizer plain ASCII, where GB18030 and Big5 tie."""
    start = chunk.rfind(b"\n", 0, bad) + 1
    return chunk[start : start + SAMPLE]


def detect_encoding(path: str | os.PathLike[str]) -> str:
    """'utf-8-sig' (or 'utf-16'/'utf-32') for a BOM, 'utf-8' when the whole file decodes as UTF-8,
    else charset-normalizer's guess on ~1 MB from the first non-UTF-8 line, defaulting to 'gb18030'
    (a superset of GBK)."""
    return _scan(Path(path), hash_it=False)[1]


def sha256_file(path: str | os.PathLike[str]) -> str:
    digest = hashlib.sha256()
    for chunk in chunks(Path(path)):
        digest.update(chunk)
    return digest.hexdigest()


def fingerprint(path: str | os.PathLike[str]) -> tuple[str, str | None]:
    """(sha256, encoding) in one read of the file; the encoding is None for XLSX and Parquet."""
    path = Path(path)
    if file_format(path) != "csv":
        return sha256_file(path), None
    sha, encoding = _scan(path, hash_it=True)
    assert sha is not None
    return sha, encoding


def transcode_to_utf8(src: Path, encoding: str, dest: Path) -> None:
    """Stream `src` from `encoding` to UTF-8 (DuckDB has no GBK reader offline). A byte the encoding
    cannot decode fails the file: guessing a replacement would silently change data."""
    decoder = codecs.getincrementaldecoder(encoding)(errors="strict")
    offset = 0
    with open(dest, "w", encoding="utf-8", newline="") as out:
        for chunk in chunks(src):
            try:
                out.write(decoder.decode(chunk))
            except UnicodeDecodeError as err:
                raise LandingFileError(
                    f"{src.name} is not valid {encoding}: undecodable byte at offset {offset + err.start}."
                ) from err
            offset += len(chunk)
        try:
            out.write(decoder.decode(b"", final=True))
        except UnicodeDecodeError as err:
            raise LandingFileError(f"{src.name} is not valid {encoding}: it ends mid-character.") from err
