"""DuckDB macros that parse the value forms docs/contract.md section 2 allows in landing exports.

`install_macros(con)` creates them as TEMP macros, so they live only in the session that loads data and
never land in the published database. Every macro returns NULL for a blank or unparseable cell; the
caller tells the two apart ("non-blank but NULL" is an error).

Public macros:
    sp_trim(s)             VARCHAR    trimmed (ASCII whitespace, NBSP, ideographic space U+3000, BOM); blank -> NULL
    sp_is_blank(s)         BOOLEAN    NULL or whitespace only
    sp_parse_date(s)       DATE       2025-03-05, 2025-3-5, 2025/3/5, 2025.3.5, 2025年3月5日 (each with an
                                      optional time), 20250305, Excel serial 1..2958465 (epoch 1899-12-30)
    sp_parse_timestamp(s)  TIMESTAMP  the same forms with a time (14:03, 14:03:00, T separator, AM/PM);
                                      a trailing UTC offset is dropped (the wall-clock time is kept)
    sp_parse_decimal(s)    DECIMAL(38,6)  1234.5, -5, 1,234.50, ¥1,234, ￥1,234, 1.2万, 12元, 1.2万元, and
                                      (1,234.00) = -1234, as accounting exports write a negative amount
    sp_parse_fraction(s)   DECIMAL(38,8)  0.5, 50%, 12.5 %
    sp_parse_integer(s)    BIGINT     3, 3.0, 1,000 (3.5 -> NULL)
Every parse macro also takes full-width digits and punctuation (１２３，４５６．７８, －5, ￥, ％, ２０２５／３／５,
（1,234）) and NBSP/ideographic spaces inside the value (2025年　3月　5日): the slow path maps them to ASCII
with one translate() (`sp__ascii`) before its regexes; clean data never reaches it.

Speed (10M rows, measured): each macro puts a plain `try_cast` first and sends only the rows it rejects
down the regex path. DuckDB evaluates COALESCE and CASE lazily, so on clean data the regexes never run:
`sp_parse_date` costs ~1.3x the bare `try_cast(s AS DATE)`; the regex path alone costs ~20x. Two traps:
- DuckDB macros are textual, and the optimizer computes a subexpression written twice once, for EVERY
  row, even inside a lazy COALESCE branch. So the slow paths bind their trimmed input once through a
  one-element `list_transform(..., lambda t: ...)` instead of repeating it (this made them 3-8x faster).
- guard clauses (range checks) wrap the whole COALESCE once rather than each branch.

Why DECIMAL(38,6) and not DOUBLE for amounts: parsing is exact (1.2万 is exactly 12000, 0.1 stays 0.1), so
the final cast to the column's DECIMAL type rounds once, from the written digits. The price: rescaling a
128-bit DECIMAL(38,6) to DECIMAL(18,2) is slow (~6 s per 10M values against 0.4 s for parsing text
straight to DECIMAL(18,2)), so the loader casts text straight to the column type first and calls these
macros only for the rows that cast rejects.

Dates outside 1899-12-31 (Excel serial 1) .. 9999-12-31 are unparseable: DuckDB's own cast accepts
`epoch`, `infinity`, BC dates and two-digit years (`25-3-5` -> year 25), none of which a sales export means.
"""

from __future__ import annotations

import duckdb

# Characters trimmed from cells: ASCII whitespace, NBSP, ideographic space (U+3000), BOM.
WHITESPACE = " \t\r\n\u00a0\u3000\ufeff"
# Full-width forms (U+FF01..U+FF5E are ASCII + 0xFEE0), the minus sign U+2212, and the spaces that
# trimming removes at the ends but a value may also hold inside it, mapped to their ASCII equivalents.
_FULL = "０１２３４５６７８９，．－＋％￥：／（）\u2212\u00a0\u3000"
_ASCII = "0123456789,.-+%¥:/()-  "
assert len(_FULL) == len(_ASCII)

# The regex path's date prefix: 2025-3-5, 2025/3/5, 2025.3.5, 2025年3月5日, rewritten to 2025-3-5.
_DATE_PREFIX = r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?\s*T?\s*"
# Amount after an optional currency sign: thousands groups must be well-formed, so `1,5` (a decimal
# comma) is an error rather than 15. At most 24 integer digits keeps `× 10000` inside DECIMAL(38,6).
_AMOUNT = r"[-+]?(\d{1,3}(,\d{3}){1,7}|\d{1,24})(\.\d+)?\s*(万元|万|元)?"

_MACROS: list[tuple[str, str, str]] = [
    # (name, parameters, body)
    # Fast test first: a string starting with a character <= ' ', ending in a space or tab, or holding
    # any non-ASCII character (strlen counts bytes, length characters: NBSP, the ideographic space and
    # the BOM are all non-ASCII) takes the exact trim; any other string is returned as is. The exact
    # `trim(s, chars)` costs ~0.45 us a value; the test ~0.015 us (measured; testing for each non-ASCII
    # space by its own suffix cost 3x as much, ~20% of typing a clean orders file).
    (
        "sp_trim",
        "s",
        f"""CASE WHEN s < '!' OR s LIKE '% ' OR s LIKE '%\t' OR strlen(s) <> length(s)
                             THEN nullif(trim(s, '{WHITESPACE}'), '') ELSE s END""",
    ),
    # Spelled differently from sp_trim on purpose, so that the optimizer does not merge the two (see the
    # first trap above) when a loader expression uses both on one cell.
    ("sp_is_blank", "s", f"s IS NULL OR trim(s, '{WHITESPACE}') = ''"),
    # Slow paths only: a trimmed value with full-width digits/punctuation and inner wide spaces as ASCII.
    ("sp__ascii", "t", f"translate(t, '{_FULL}', '{_ASCII}')"),
    # -- dates ----------------------------------------------------------------------------------------
    # The range guard wraps the whole coalesce, once: guarding inside each branch measured 2x slower.
    # The lower bound is Excel serial 1.
    ("sp__date_ok", "d", "CASE WHEN d BETWEEN DATE '1899-12-31' AND DATE '9999-12-31' THEN d END"),
    (
        "sp__ts_ok",
        "t",
        """CASE WHEN t >= TIMESTAMP '1899-12-31' AND t < TIMESTAMP '9999-12-31' + INTERVAL 1 DAY
                             THEN t END""",
    ),
    ("sp__norm_dt", "t", f"rtrim(regexp_replace(t, '{_DATE_PREFIX}', '\\1-\\2-\\3 '))"),
    # Excel serial: days since 1899-12-30 (Excel's 1900 leap-year bug makes serials < 61 one day off).
    ("sp__serial_date", "x", "CASE WHEN x >= 1 AND x < 2958466 THEN DATE '1899-12-30' + floor(x)::INTEGER END"),
    (
        "sp__serial_ts",
        "x",
        """CASE WHEN x >= 1 AND x < 2958466
                                  THEN TIMESTAMP '1899-12-30' + to_milliseconds(round(x * 86400000)::BIGINT) END""",
    ),
    # The slow paths run on a trimmed value bound through a one-element list_transform: DuckDB macros
    # are textual, so a parameter used three times would be a subexpression that the optimizer hoists
    # out of COALESCE and computes for every row, which undoes the fast path (measured 3-8x slower).
    (
        "sp__date_slow",
        "t",
        r"""CASE
        WHEN t IS NULL THEN NULL
        WHEN regexp_full_match(t, '\d{8}') THEN try_strptime(t, '%Y%m%d')::DATE
        WHEN regexp_full_match(t, '\d{1,7}(\.\d*)?') THEN sp__serial_date(try_cast(t AS DOUBLE))
        WHEN ascii(t) BETWEEN 48 AND 57 THEN try_cast(sp__norm_dt(t) AS DATE) END""",
    ),
    # Fast path only for strings starting with a digit (a byte comparison, cheaper than ascii()): that
    # keeps `epoch`/`infinity` out, and leading spaces go to the slow path, which trims them.
    (
        "sp_parse_date",
        "s",
        """sp__date_ok(coalesce(
        CASE WHEN s >= '0' AND s < ':' THEN try_cast(s AS DATE) END,
        CASE WHEN s IS NOT NULL THEN list_transform([sp__ascii(sp_trim(s))], lambda t: sp__date_slow(t))[1] END))""",
    ),
    # DuckDB's cast ignores an AM/PM suffix (2:03 PM -> 02:03), so those go through strptime.
    (
        "sp__ts_text",
        "x",
        r"""CASE
        WHEN regexp_matches(x, '[AaPp][Mm]$')
            THEN try_strptime(x, ['%Y-%m-%d %I:%M %p', '%Y-%m-%d %I:%M:%S %p', '%Y-%m-%d %I:%M%p'])
        ELSE try_cast(x AS TIMESTAMP) END""",
    ),
    (
        "sp__ts_slow",
        "t",
        r"""CASE
        WHEN t IS NULL THEN NULL
        WHEN regexp_full_match(t, '\d{8}') THEN try_strptime(t, '%Y%m%d')
        WHEN regexp_full_match(t, '\d{14}') THEN try_strptime(t, '%Y%m%d%H%M%S')
        WHEN regexp_full_match(t, '\d{1,7}(\.\d*)?') THEN sp__serial_ts(try_cast(t AS DOUBLE))
        WHEN ascii(t) BETWEEN 48 AND 57 THEN list_transform([sp__norm_dt(t)], lambda x: sp__ts_text(x))[1] END""",
    ),
    (
        "sp_parse_timestamp",
        "s",
        """sp__ts_ok(coalesce(
        CASE WHEN s >= '0' AND s < ':' AND strpos(s, 'M') = 0 AND strpos(s, 'm') = 0
             THEN try_cast(s AS TIMESTAMP) END,
        CASE WHEN s IS NOT NULL THEN list_transform([sp__ascii(sp_trim(s))], lambda t: sp__ts_slow(t))[1] END))""",
    ),
    # -- numbers --------------------------------------------------------------------------------------
    (
        "sp__dec_num",
        "t",
        f"""CASE WHEN regexp_full_match(t, '{_AMOUNT}') THEN
        try_cast(replace(regexp_replace(t, '\\s*(万元|万|元)$', ''), ',', '') AS DECIMAL(38,6))
        * CASE WHEN contains(t, '万') THEN 10000 ELSE 1 END END""",
    ),
    # (1,234.00) -> -1,234.00 (an accounting negative), then the currency sign goes: ¥-5, -¥5, (¥5).
    (
        "sp__dec_slow",
        "t",
        r"""list_transform([regexp_replace(regexp_replace(t, '^\(\s*(.*?)\s*\)$', '-\1'),
        '^([-+]?)\s*[¥￥]\s*', '\1')], lambda x: sp__dec_num(x))[1]""",
    ),
    (
        "sp_parse_decimal",
        "s",
        """CAST(coalesce(try_cast(s AS DECIMAL(38,6)), CASE WHEN s IS NOT NULL
        THEN list_transform([sp__ascii(sp_trim(s))], lambda t: sp__dec_slow(t))[1] END) AS DECIMAL(38,6))""",
    ),
    (
        "sp__frac_slow",
        "t",
        """CASE WHEN ends_with(t, '%')
        THEN try_cast(try_cast(sp_parse_decimal(left(t, length(t) - 1)) AS DECIMAL(30,6)) * 0.01 AS DECIMAL(38,8))
        ELSE try_cast(sp_parse_decimal(t) AS DECIMAL(38,8)) END""",
    ),
    (
        "sp_parse_fraction",
        "s",
        """coalesce(try_cast(s AS DECIMAL(38,8)), CASE WHEN s IS NOT NULL
        THEN list_transform([sp__ascii(sp_trim(s))], lambda t: sp__frac_slow(t))[1] END)""",
    ),
    ("sp__int_of", "d", "CASE WHEN d = trunc(d) THEN try_cast(d AS BIGINT) END"),
    # Fast path through the 64-bit DECIMAL(18,6); larger values fall through to the 128-bit parse.
    (
        "sp_parse_integer",
        "s",
        """coalesce(sp__int_of(try_cast(s AS DECIMAL(18,6))), CASE WHEN s IS NOT NULL
        THEN list_transform([sp_parse_decimal(s)], lambda d: sp__int_of(d))[1] END)""",
    ),
]

MACRO_NAMES: list[str] = [name for name, _, _ in _MACROS if not name.startswith("sp__")]


def install_macros(con: duckdb.DuckDBPyConnection) -> None:
    """Create (or replace) the parsing macros as TEMP macros on this connection."""
    for name, params, body in _MACROS:
        con.execute(f"CREATE OR REPLACE TEMP MACRO {name}({params}) AS ({body})")
