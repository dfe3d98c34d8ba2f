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


def _scores(profile: SourceProfile, entity: str, rel: str) -> list[tuple[int, int]]:
    """(priority, specificity) of each of the profile's globs matching `rel` (relative to the landing folder).
    A part of a multi-entity profile (`group`) matches below the landing folder, any other below its entity's
    folder; a glob without '/' matches the file name."""
    below = rel
    if not profile.group and rel.startswith(entity + "/"):
        below = PurePosixPath(rel).relative_to(entity).as_posix()
    name = PurePosixPath(rel).name
    return [
        (profile.priority, _specificity(p)) for p in profile.files if _glob_regex(p).match(below if "/" in p else name)
    ]


def claimed_by(profiles: list[SourceProfile], rel: str) -> set[str]:
    """The multi-entity profiles (their ids) whose globs match `rel`: such a file is read only through them,
    as each of their entities, whichever folder it lies in."""
    return {p.group for p in profiles if p.group and _scores(p, p.entity or "", rel)}


def match_profile(profiles: list[SourceProfile], entity: str, rel: str) -> SourceProfile | None:
    """The profile for a landing file (`rel` relative to the landing folder, `<entity>/...`): among the
    entity's profiles with a glob matching it, the highest priority, then the most specific glob (most
    literal characters). None: the built-in behaviour (canonical names + Chinese aliases) applies.
    Raises ProfileError when two profiles tie, rather than picking one silently."""
    best: list[tuple[tuple[int, int], SourceProfile]] = []
    for profile in profiles:
        if profile.entity != entity:
            continue
        scores = _scores(profile, entity, rel)
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
