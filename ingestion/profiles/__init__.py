"""Source profiles: map a vendor's export onto a canonical entity (docs/source_profiles.md).

A profile file `$SALESPERF_CONFIG_DIR/sources/<name>.yml` holds `profiles:`, each naming an entity, the
files it reads (globs below the entity's landing folder), how to read them (sheet, header row, encoding,
delimiter) and, per canonical column, a DuckDB SQL expression over the file's raw header names.

How a profile is applied (called from `staging.prepare`, after the file is staged as all-VARCHAR text):
1. optional lookup files (elsewhere in the landing folder, or the file itself) are staged too and reduced to
   one row per key, so a LEFT JOIN can never multiply rows;
2. optional `unpivot` turns wide columns (一月 … 十二月) into one row per filled cell;
3. every expression is checked to be ONE plain expression (DuckDB's own parser: no subquery, no FROM, no
   second statement), then bound against the staged table (DESCRIBE): a bad one rejects the file with a
   message naming the profile, the column and DuckDB's error;
4. one SELECT builds a derived staging table: the file's own cells (so rejected rows still show what the
   file held), the expressions' results as text under private names, and `_row`. The loader then types and
   validates those texts exactly as it does a canonical file's cells, so row-level reasons keep working and
   rows read = rows accepted + rows rejected still holds.

Header names, lookup keys and file names only ever reach SQL as quoted identifiers or bound parameters;
expressions are config written by sales ops and are embedded only after the parser checks above.

Modules: `schema` (the YAML files), `matching` (which profile reads a file), `apply` (the derived staging table).
"""

from ingestion.profiles.apply import Applied, apply_profile, stage
from ingestion.profiles.matching import claimed_by, file_version, match_profile
from ingestion.profiles.schema import (
    SELF,
    SOURCES_DIR,
    EntityPart,
    Lookup,
    ProfileError,
    ProfileFile,
    SourceProfile,
    Unpivot,
    check_expression,
    load_profiles,
)

__all__ = [
    "Applied",
    "Lookup",
    "ProfileError",
    "ProfileFile",
    "EntityPart",
    "SELF",
    "SOURCES_DIR",
    "SourceProfile",
    "Unpivot",
    "apply_profile",
    "check_expression",
    "claimed_by",
    "file_version",
    "load_profiles",
    "match_profile",
    "stage",
]
