"""Bytes → text in whatever common encoding a Chinese report uses (BOM, declared, UTF-8, detected)."""

from __future__ import annotations

import codecs

from fazhi.errors import ReadError

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),  # before UTF-16 LE: its BOM starts the same way
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
# Government sites often declare GB2312 or GBK yet use characters only GB18030 has;
# GB18030 decodes every text the smaller ones do, identically.
_GB_FAMILY = {"gb2312", "gbk", "gb18030", "cp936", "euc_cn"}
_SAMPLE = 1 << 16  # bytes whose readings are compared when a declaration is in doubt


def _codec(name: str) -> str:
    try:
        name = codecs.lookup(name).name
    except LookupError:
        return name
    return "gb18030" if name.replace("-", "_") in _GB_FAMILY or name in _GB_FAMILY else name


def decode(raw: bytes, where: str, declared: str | None = None) -> str:
    """Text of `raw` in whatever common encoding it uses: BOM, declared, UTF-8, detected."""
    for bom, encoding in _BOMS:
        if raw.startswith(bom):
            return _decode_as(raw, encoding, where)
    if declared:
        codec = _codec(declared)
        try:
            text = raw.decode(codec)
        except (LookupError, UnicodeDecodeError):
            text = None  # a wrong declaration is common; fall back to detection
        if text is not None:
            better = _reads_better(raw, codec, where)
            return text if better is None else _decode_as(raw, better, where)
    try:
        # Valid UTF-8 is nearly never an accident for Chinese text, and the detector
        # can misjudge short texts: take the strict decoding when it works.
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        pass
    return _decode_as(raw, _detect(raw, where), where)


def _reads_better(raw: bytes, declared: str, where: str) -> str | None:
    """What the bytes themselves say (valid UTF-8, else detection) if it reads better than
    a declared encoding that decodes `raw`; None if the declaration stands. A page may
    declare iso-8859-1 or Big5 over UTF-8 or GBK bytes: they decode, as nonsense, which
    charset-normalizer's mess ratio measures (on a sample of the page)."""
    if raw.isascii() or declared == "utf-8":
        return None
    try:
        raw.decode("utf-8")
        found = "utf-8"
    except UnicodeDecodeError:
        try:
            found = _detect(raw, where)
        except ReadError:
            return None
    if found == declared:
        return None
    from charset_normalizer.md import mess_ratio

    sample = raw[:_SAMPLE]
    mess = [mess_ratio(sample.decode(enc, errors="ignore"), maximum_threshold=1.0) for enc in (declared, found)]
    return found if mess[1] < mess[0] else None


def _detect(raw: bytes, where: str) -> str:
    """The encoding charset-normalizer finds; among equally clean readings, Chinese first.

    Short Chinese texts are valid in several East Asian encodings at once (GB18030,
    EUC-KR, Shift-JIS...) with the same score; these are Chinese reports, so a GB
    reading wins a tie, then Big5.
    """
    from charset_normalizer import from_bytes

    matches = [m for m in from_bytes(raw) if m.encoding]
    clean = [m for m in matches if m.chaos <= min((m.chaos for m in matches), default=1) + 0.01]
    for family in (_GB_FAMILY, {"big5", "big5hkscs", "cp950"}):
        for m in clean:
            if family & {c.replace("-", "_") for c in m.could_be_from_charset} | family & {m.encoding}:
                return _codec(m.encoding)
    if _plain_chinese(raw):  # too short for the detector to even try GB18030
        return "gb18030"
    if not matches:
        raise ReadError(f"{where}: undecodable text (not UTF-8, GB18030/GBK or UTF-16)")
    return _codec(matches[0].encoding)


def _plain_chinese(raw: bytes) -> bool:
    """Valid GB18030 using only GBK characters (hanzi, punctuation, ASCII), no rarities."""
    try:
        raw.decode("gb18030").encode("gbk")
    except (UnicodeDecodeError, UnicodeEncodeError):
        return False
    return True


def _decode_as(raw: bytes, encoding: str, where: str) -> str:
    try:
        return raw.decode(encoding)
    except UnicodeDecodeError as exc:
        raise ReadError(f"{where}: undecodable as {encoding} at byte {exc.start}") from None
