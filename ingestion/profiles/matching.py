"""Which profile reads a landing file (glob, priority, specificity), and the version a profiled file is ingested as."""

from __future__ import annotations

import hashlib
import re
from functools import cache
from pathlib import Path, PurePosixPath

from ingestion import readers
from ingestion.profiles.schema import SELF, ProfileError, SourceProfile


@cache
def _glob_regex(pattern: str) -> re.Pattern[str]:
    """`**` any path, `*` any characters but '/', `?` one character; case-insensitive."""
    out, i = "", 0
    while i < len(pattern):
        if pattern.startswith("**/", i):
            out, i = out + "(?:.*/)?", i + 3
        elif pattern.startswith("**", i):
            out, i = out + ".*", i + 2
        elif pattern[i] == "*":
            out, i = out + "[^/]*", i + 1
        elif pattern[i] == "?":
            out, i = out + "[^/]", i + 1
        else:
            out, i = out + re.escape(pattern[i]), i + 1
    return re.compile(out + r"\Z", re.IGNORECASE)


def _specificity(pattern: str) -> int:
    return sum(1 for ch in pattern if ch not in "*?")


def match_profile(profiles: list[SourceProfile], entity: str, rel: str) -> SourceProfile | None:
    """The profile for a landing file (`rel` relative to the landing folder, `<entity>/...`): among the
    entity's profiles with a glob matching it, the highest priority, then the most specific glob (most
    literal characters). None: the built-in behaviour (canonical names + Chinese aliases) applies.
    Raises ProfileError when two profiles tie, rather than picking one silently."""
    below = PurePosixPath(rel).relative_to(entity).as_posix() if rel.startswith(entity + "/") else rel
    name = PurePosixPath(below).name
    best: list[tuple[tuple[int, int], SourceProfile]] = []
    for profile in profiles:
        if profile.entity != entity:
            continue
        scores = [
            (profile.priority, _specificity(p))
            for p in profile.files
            if _glob_regex(p).match(below if "/" in p else name)
        ]
        if scores:
            best.append((max(scores), profile))
    if not best:
        return None
    best.sort(key=lambda sp: sp[0], reverse=True)
    if len(best) > 1 and best[0][0] == best[1][0]:
        raise ProfileError(
            f"{rel} matches profiles {best[0][1].id} and {best[1][1].id} equally; give one of "
            "them a higher priority or a more specific file pattern"
        )
    return best[0][1]


def file_version(sha256: str, profile: SourceProfile, landing_dir: Path) -> str:
    """What decides "identical to the version already ingested" for a file read through a profile: the
    file's sha256 combined with the profile's content hash and its lookup files' sha256. It is stored in
    audit.ingested_files.sha256 for such files, so editing a profile or a lookup file re-ingests them."""
    parts = [sha256, profile.id, profile.version]
    for lookup in profile.lookups:
        if lookup.file != SELF:
            path = Path(landing_dir) / lookup.file
            parts.append(readers.sha256_file(path) if path.is_file() else f"missing:{lookup.file}")
    return hashlib.sha256("\n".join(parts).encode("utf-8")).hexdigest()
