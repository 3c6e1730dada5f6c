"""Score the ACR fibromyalgia criteria (2010, its 2011 self-report modification, 2016).

The criteria are rules over a patient's answers: which of 19 body areas were
painful in the past week (the Widespread Pain Index, WPI), how severe four kinds
of symptoms were (the Symptom Severity scale, SS or SSS), and how long the
symptoms have lasted. This module turns answers into a :class:`Result` that says
which rules passed and whether the case meets each version.

Every threshold is read from ``data/criteria/`` (the rows reproduce Tables 3 and
4 of a review that prints the 2010/2011 and 2016 criteria); none is typed here.
If a row's wording changes so that a threshold can no longer be read from it,
:func:`load_criteria` stops with a :class:`CriteriaDataError` naming the file
and the row, rather than guessing.

What the versions ask (see the data rows for the exact wording):

* **2010** (clinician): WPI and SS over a threshold (two branches), symptoms at a
  similar level for a minimum duration, and no other disorder that would
  sufficiently explain the pain. The somatic part of SS is the clinician's
  0–3 estimate of somatic symptoms in general.
* **2011** (self-report modification): the same rules, but the somatic part is
  three yes/no items (headaches, pain or cramps in the lower abdomen,
  depression), one point each.
* **2016**: the WPI/SSS threshold (its lower branch starts one area higher),
  *generalised pain* (pain in at least a number of the five body regions, with
  jaw, chest and abdominal pain not counted towards it), the duration, and a
  diagnosis that stands whatever other diagnoses the patient has.

The 1990 classification criteria need a tender-point examination, which is not
part of the answers, so they are not scored here.
"""

from __future__ import annotations

import math
import numbers
import re
from collections.abc import Iterable
from dataclasses import dataclass, field, fields

import pandas as pd

VERSIONS = ("2010", "2011", "2016")
CORE_ITEMS = ("fatigue", "waking_unrefreshed", "cognitive_symptoms")
SELF_REPORT_ITEMS = ("headaches", "lower_abdominal_pain", "depression")
SOURCES = ("jrd_fm_criteria_review", "wolfe2010", "wolfe2011", "wolfe2016")

TABLE_2010 = "criteria/acr2010_criteria"
TABLE_2016 = "criteria/acr2016_criteria"
TABLE_AREAS = "criteria/acr2016_wpi_areas"
TABLE_EXAMPLES = "annotations/criteria_examples"

# "WPI >=7 and SS >=5, OR WPI 3-6 and SS >=9" (2010) / "... SSS ..." (2016)
_THRESHOLD = re.compile(
    r"WPI\s*>=\s*(\d+)\s+and\s+SSS?\s*>=\s*(\d+)\s*,?\s*OR\s+"
    r"WPI\s*(\d+)\s*-\s*(\d+)\s+and\s+SSS?\s*>=\s*(\d+)",
    re.I,
)


class CriteriaDataError(ValueError):
    """A criteria table no longer says what this module reads from it."""


# ---------------------------------------------------------------------------------------
# The rules, as read from the criteria tables
# ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Thresholds:
    """The rules of one version, each number read from a data row."""

    version: str
    wpi_high: int  # WPI at or above this ...
    sss_with_high_wpi: int  # ... needs SS at or above this
    wpi_low: tuple[int, int]  # WPI in this closed range ...
    sss_with_low_wpi: int  # ... needs SS at or above this
    duration_months: float  # symptoms for at least this long
    other_disorder_excludes: bool  # 2010/2011: another explanation rules it out
    somatic: str  # "clinician" (0–3 estimate) or "self-report" (three yes/no items)
    generalized_regions: int | None = None  # 2016: painful regions needed ...
    generalized_of: int | None = None  # ... out of this many
    generalized_excluded_areas: frozenset[str] = frozenset()
    rows: tuple[str, ...] = ()  # where each number was read, for messages and the book


@dataclass(frozen=True)
class Criteria:
    """The body areas, the item scales and the rules of each version."""

    areas: tuple[str, ...]
    region_of: dict[str, str]
    regions: tuple[str, ...]
    core_item_max: int
    clinician_somatic_max: int
    self_report_item_max: int
    sss_max: int
    versions: dict[str, Thresholds]
    sources: tuple[str, ...] = SOURCES


def _row(df: pd.DataFrame, table: str, column: str, prefix: str) -> pd.Series:
    hits = df[df[column].astype(str).str.startswith(prefix)]
    if len(hits) != 1:
        raise CriteriaDataError(
            f"data/{table}.csv: expected one row whose {column} starts with {prefix!r}; "
            f"found {len(hits)}"
        )
    return hits.iloc[0]


def _search(pattern: str | re.Pattern, text: object, where: str) -> re.Match:
    match = re.search(pattern, str(text), re.I) if isinstance(pattern, str) else pattern.search(
        str(text)
    )
    if not match:
        raise CriteriaDataError(f"{where}: cannot read the rule from {str(text)!r}")
    return match


def _months(df: pd.DataFrame, table: str, component: str, column: str, lead: str) -> float:
    """The number of months in a duration rule (``lead`` is what precedes the number)."""
    row = _row(df, table, "component", component)
    pattern = lead + r"(\d+(?:\.\d+)?)\s*months"
    where = f"data/{table}.csv, component {component!r}"
    return float(_search(pattern, row[column], where).group(1))


def _rule_saying(df: pd.DataFrame, table: str, component: str, column: str, word: str) -> str:
    """A component's rule, lower-cased, checked to contain ``word`` (the word the scorer's
    logic relies on): a reworded rule stops the build instead of being misread."""
    text = str(_row(df, table, "component", component)[column]).lower()
    if word not in text:
        raise CriteriaDataError(
            f"data/{table}.csv, component {component!r}: expected {word!r}, got {text!r}"
        )
    return text


def _threshold_numbers(text: object, where: str) -> dict:
    m = _search(_THRESHOLD, text, where)
    high, sss_high, low_a, low_b, sss_low = (int(g) for g in m.groups())
    if low_a > low_b:
        raise CriteriaDataError(f"{where}: WPI range {low_a}-{low_b} is reversed")
    return {
        "wpi_high": high,
        "sss_with_high_wpi": sss_high,
        "wpi_low": (low_a, low_b),
        "sss_with_low_wpi": sss_low,
    }


def _range_max(text: object, where: str) -> int:
    return int(_search(r"^\s*0\s*-\s*(\d+)\s*$", text, where).group(1))


def _excluded_areas(phrase: str, areas: Iterable[str], where: str) -> frozenset[str]:
    """Map the rule's words ("jaw, chest and abdominal") to WPI area names.

    A word names the areas whose name (before any ", left"/", right") starts with
    the word's first five letters ("abdominal" -> "abdomen"). Every word must
    name at least one area, or the row is reported.
    """
    words = [w for w in re.split(r",\s*|\s+and\s+", phrase.strip()) if w]
    excluded = set()
    for word in words:
        stem = word.strip().lower()[:5]
        hits = {a for a in areas if a.split(",")[0].strip().lower().startswith(stem)}
        if not hits:
            raise CriteriaDataError(f"{where}: {word!r} names none of the WPI areas")
        excluded |= hits
    return frozenset(excluded)


def criteria_from_tables(
    acr2010: pd.DataFrame, acr2016: pd.DataFrame, areas: pd.DataFrame
) -> Criteria:
    """Read every rule from the three criteria tables (as loaded by ``evidence.data.load``)."""
    t10, t16, ta = TABLE_2010, TABLE_2016, TABLE_AREAS

    # The 19 areas and the 2016 regions they belong to.
    area_names = tuple(str(a).strip() for a in areas["area"])
    if len(set(area_names)) != len(area_names):
        raise CriteriaDataError(f"data/{ta}.csv: an area is listed twice")
    region_of = dict(zip(area_names, (str(r).strip() for r in areas["region"]), strict=True))
    regions = tuple(dict.fromkeys(region_of.values()))

    # 2010/2011: WPI range, thresholds, item scales, duration, exclusion.
    wpi = _row(acr2010, t10, "component", "Widespread Pain Index")
    where = f"data/{t10}.csv, component {wpi['component']!r}"
    if _range_max(wpi["score_range"], where) != len(area_names):
        raise CriteriaDataError(
            f"{where}: WPI range {wpi['score_range']!r} does not match the "
            f"{len(area_names)} areas of data/{ta}.csv"
        )
    rule10 = _threshold_numbers(wpi["threshold_or_rule"], where)
    rows10 = (f"data/{t10}.csv: {wpi['component']}",)

    core = _row(acr2010, t10, "component", "Symptom Severity (SS) - core")
    where = f"data/{t10}.csv, component {core['component']!r}"
    core_items = [i.strip() for i in str(core["items"]).split(";")]
    if len(core_items) != len(CORE_ITEMS):
        raise CriteriaDataError(f"{where}: expected {len(CORE_ITEMS)} core items: {core_items}")
    core_max = int(_search(r"each\s+0\b.*?\bto\s+(\d+)", core["scoring"], where).group(1))

    clin = _row(acr2010, t10, "component", "Symptom Severity (SS) - somatic symptoms (2010")
    clinician_max = _range_max(clin["score_range"], f"data/{t10}.csv, {clin['component']!r}")

    selfrep = _row(acr2010, t10, "component", "Symptom Severity (SS) - somatic symptoms (2011")
    where = f"data/{t10}.csv, component {selfrep['component']!r}"
    if len(str(selfrep["items"]).split(";")) != len(SELF_REPORT_ITEMS):
        raise CriteriaDataError(f"{where}: expected {len(SELF_REPORT_ITEMS)} self-report items")
    item_max = int(_search(r"(\d+)\s+point\s+each", selfrep["scoring"], where).group(1))

    total = _row(acr2010, t10, "component", "Symptom Severity (SS) total")
    where = f"data/{t10}.csv, component {total['component']!r}"
    sss_max = _range_max(total["score_range"], where)
    for label, somatic_max in [("2010", clinician_max), ("2011", item_max * 3)]:
        if core_max * len(CORE_ITEMS) + somatic_max != sss_max:
            raise CriteriaDataError(f"{where}: the {label} items do not add up to 0-{sss_max}")

    duration10 = _months(acr2010, t10, "Duration", "threshold_or_rule", r">=\s*")
    excl_text = _rule_saying(acr2010, t10, "Exclusion", "threshold_or_rule", "required")
    excl_2011 = "2011" in excl_text

    # 2016: threshold, generalised pain, duration, other diagnoses, SSS scale.
    thr = _row(acr2016, t16, "component", "WPI/SSS threshold")
    where = f"data/{t16}.csv, component {thr['component']!r}"
    rule16 = _threshold_numbers(thr["rule"], where)
    gen = _row(acr2016, t16, "component", "Generalized pain")
    where = f"data/{t16}.csv, component {gen['component']!r}"
    m = _search(r"at least\s+(\d+)\s+of\s+(\d+)\s+regions", gen["rule"], where)
    need, of = int(m.group(1)), int(m.group(2))
    if of != len(regions):
        raise CriteriaDataError(f"{where}: {of} regions, but data/{ta}.csv has {len(regions)}")
    phrase = _search(r";\s*(.+?)\s+pain\s+not\s+included", gen["rule"], where).group(1)
    excluded = _excluded_areas(phrase, area_names, where)
    duration16 = _months(acr2016, t16, "Duration", "rule", r"at least\s+")
    _rule_saying(acr2016, t16, "Other diagnoses", "rule", "irrespective")
    sss16 = _row(acr2016, t16, "component", "SSS")
    where = f"data/{t16}.csv, component 'SSS'"
    if (
        int(_search(r"each\s+0\s*-\s*(\d+)", sss16["rule"], where).group(1)) != core_max
        or int(_search(r"0\s*-\s*(\d+)\s+each", sss16["rule"], where).group(1)) != item_max
        or int(_search(r"total\s+0\s*-\s*(\d+)", sss16["rule"], where).group(1)) != sss_max
    ):
        raise CriteriaDataError(f"{where}: the 2016 SSS scale differs from the 2011 one")

    rows16 = (
        f"data/{t16}.csv: {thr['component']}",
        f"data/{t16}.csv: {gen['component']}",
    )
    versions = {
        "2010": Thresholds("2010", **rule10, duration_months=duration10,
                           other_disorder_excludes=True, somatic="clinician", rows=rows10),
        "2011": Thresholds("2011", **rule10, duration_months=duration10,
                           other_disorder_excludes=excl_2011, somatic="self-report",
                           rows=rows10),
        "2016": Thresholds("2016", **rule16, duration_months=duration16,
                           other_disorder_excludes=False, somatic="self-report",
                           generalized_regions=need, generalized_of=of,
                           generalized_excluded_areas=excluded, rows=rows16),
    }
    return Criteria(
        areas=area_names, region_of=region_of, regions=regions, core_item_max=core_max,
        clinician_somatic_max=clinician_max, self_report_item_max=item_max, sss_max=sss_max,
        versions=versions,
    )


def load_criteria() -> Criteria:
    """Read the criteria tables from ``data/criteria/`` (logged for the executor)."""
    from . import data

    return criteria_from_tables(data.load(TABLE_2010), data.load(TABLE_2016),
                                data.load(TABLE_AREAS))


# ---------------------------------------------------------------------------------------
# A patient's answers, and the result
# ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Answers:
    """What a patient (or clinician) reports.

    ``painful_areas`` names WPI areas exactly as in ``data/criteria/acr2016_wpi_areas.csv``
    (case and surrounding spaces are ignored), e.g. ``"shoulder girdle, left"``.
    The three core symptoms are scored 0–3. The somatic part depends on the
    version: ``somatic_symptoms`` (0–3, the clinician's estimate) for 2010; the
    three yes/no items for 2011 and 2016.
    """

    painful_areas: Iterable[str]
    fatigue: int
    waking_unrefreshed: int
    cognitive_symptoms: int
    duration_months: float
    somatic_symptoms: int | None = None
    headaches: bool | int | None = None
    lower_abdominal_pain: bool | int | None = None
    depression: bool | int | None = None
    other_disorder_explains_pain: bool = False

    @classmethod
    def from_parameters(cls, namespace: dict, prefix: str = "case_") -> Answers:
        """The answers held in ``namespace`` as ``<prefix><field>`` variables (a notebook's
        papermill parameters: ``case_fatigue = 2`` ...); every field must be there."""
        names = [f.name for f in fields(cls)]
        absent = [prefix + n for n in names if prefix + n not in namespace]
        if absent:
            raise ValueError(f"the answers need the parameters {', '.join(absent)}")
        return cls(**{n: namespace[prefix + n] for n in names})


def examples() -> list[tuple[str, Answers]]:
    """The made-up example patients chapter 1 runs through every version of the criteria
    (``data/annotations/criteria_examples.csv``): (case, answers), in the table's order."""
    from . import data

    out = []
    for row in data.load(TABLE_EXAMPLES, as_printed=True).to_dict(orient="records"):
        def flag(column: str, row: dict = row) -> bool:
            return row[column] == "true"

        out.append((row["case"], Answers(
            painful_areas=[a.strip() for a in row["painful_areas"].split(";")],
            **{item: int(row[item]) for item in CORE_ITEMS},
            duration_months=int(row["duration_months"]),
            somatic_symptoms=int(row["somatic_symptoms"]),
            **{item: flag(item) for item in SELF_REPORT_ITEMS},
            other_disorder_explains_pain=flag("other_disorder_explains_pain"),
        )))
    return out


RULE_LABELS = {
    "wpi_high_branch": "WPI and SS over the higher-WPI threshold",
    "wpi_low_branch": "WPI in the lower range with SS over its threshold",
    "wpi_sss": "WPI/SS threshold (either branch)",
    "generalized_pain": "generalised pain (enough body regions)",
    "duration": "symptoms for at least the minimum duration",
    "no_other_explanation": "no other disorder explains the pain",
}


@dataclass(frozen=True)
class Result:
    """The scores of one case under one version, each rule's outcome and the verdict."""

    version: str
    wpi: int
    sss: int
    painful_regions: tuple[str, ...]  # regions counted for generalised pain
    rules: dict[str, bool]  # every rule evaluated, including the two threshold branches
    required: tuple[str, ...]  # the rules this version requires
    fibromyalgia: bool = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "fibromyalgia", all(self.rules[r] for r in self.required))

    @property
    def failed(self) -> list[str]:
        """The required rules that did not pass."""
        return [r for r in self.required if not self.rules[r]]

    def summary(self) -> str:
        verdict = "meets" if self.fibromyalgia else "does not meet"
        why = "" if self.fibromyalgia else " (fails: " + "; ".join(
            RULE_LABELS[r] for r in self.failed) + ")"
        return f"ACR {self.version}: WPI {self.wpi}, SS {self.sss}; {verdict} the criteria{why}"


def _whole_number(name: str, value: object, low: int, high: int) -> int:
    ok = isinstance(value, numbers.Integral) and not isinstance(value, bool)
    if (not ok and isinstance(value, numbers.Real) and not isinstance(value, bool)
            and float(value).is_integer()):
        ok, value = True, int(value)
    if not ok or not low <= int(value) <= high:
        raise ValueError(f"{name} must be a whole number from {low} to {high}; got {value!r}")
    return int(value)


def _yes_no(name: str, value: object, item_max: int) -> int:
    if isinstance(value, bool):
        return item_max if value else 0
    return _whole_number(name, value, 0, item_max)


def _canonical_areas(painful: Iterable[str], criteria: Criteria) -> list[str]:
    if isinstance(painful, str):
        raise ValueError(
            "painful_areas must be a list of area names, not one string "
            f"(got {painful!r})"
        )
    lookup = {a.lower(): a for a in criteria.areas}
    seen: list[str] = []
    for name in painful:
        if not isinstance(name, str):
            raise ValueError(f"pain area names must be text; got {name!r}")
        canon = lookup.get(" ".join(name.split()).lower())
        if canon is None:
            raise ValueError(
                f"unknown pain area {name!r}; the {len(criteria.areas)} WPI areas are: "
                + "; ".join(criteria.areas)
            )
        if canon in seen:
            raise ValueError(f"pain area {canon!r} is listed more than once")
        seen.append(canon)
    return seen


def wpi_score(painful_areas: Iterable[str], criteria: Criteria) -> int:
    """Widespread Pain Index: the number of distinct painful areas."""
    return len(_canonical_areas(painful_areas, criteria))


def painful_regions(painful_areas: Iterable[str], criteria: Criteria, version: str = "2016"):
    """Regions with pain in at least one area that counts towards generalised pain."""
    excluded = criteria.versions[version].generalized_excluded_areas
    areas = _canonical_areas(painful_areas, criteria)
    hit = {criteria.region_of[a] for a in areas if a not in excluded}
    return tuple(r for r in criteria.regions if r in hit)


def sss_score(answers: Answers, version: str, criteria: Criteria) -> int:
    """Symptom Severity score: the three core items plus the version's somatic part."""
    core = sum(
        _whole_number(item, getattr(answers, item), 0, criteria.core_item_max)
        for item in CORE_ITEMS
    )
    if criteria.versions[version].somatic == "clinician":
        if answers.somatic_symptoms is None:
            raise ValueError(
                f"the ACR {version} criteria need `somatic_symptoms` "
                f"(0-{criteria.clinician_somatic_max}, the clinician's estimate)"
            )
        somatic = _whole_number("somatic_symptoms", answers.somatic_symptoms, 0,
                                criteria.clinician_somatic_max)
    else:
        missing = [i for i in SELF_REPORT_ITEMS if getattr(answers, i) is None]
        if missing:
            raise ValueError(
                f"the ACR {version} criteria need the yes/no items {', '.join(missing)}"
            )
        somatic = sum(
            _yes_no(i, getattr(answers, i), criteria.self_report_item_max)
            for i in SELF_REPORT_ITEMS
        )
    return core + somatic


def _duration(value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or math.isnan(value):
        raise ValueError(f"duration_months must be a number of months; got {value!r}")
    if value < 0:
        raise ValueError(f"duration_months cannot be negative; got {value!r}")
    return float(value)


def classify(answers: Answers, version: str, criteria: Criteria | None = None) -> Result:
    """Score ``answers`` under one ACR version and say whether the case meets it."""
    if version not in VERSIONS:
        raise ValueError(f"unknown criteria version {version!r}; choose one of {VERSIONS}")
    criteria = criteria or load_criteria()
    t = criteria.versions[version]
    wpi = wpi_score(answers.painful_areas, criteria)
    sss = sss_score(answers, version, criteria)
    months = _duration(answers.duration_months)
    regions = painful_regions(answers.painful_areas, criteria, version)

    high = wpi >= t.wpi_high and sss >= t.sss_with_high_wpi
    low = t.wpi_low[0] <= wpi <= t.wpi_low[1] and sss >= t.sss_with_low_wpi
    rules = {
        "wpi_high_branch": high,
        "wpi_low_branch": low,
        "wpi_sss": high or low,
        "duration": months >= t.duration_months,
    }
    required = ["wpi_sss", "duration"]
    if t.generalized_regions is not None:
        rules["generalized_pain"] = len(regions) >= t.generalized_regions
        required.insert(1, "generalized_pain")
    if t.other_disorder_excludes:
        rules["no_other_explanation"] = not bool(answers.other_disorder_explains_pain)
        required.append("no_other_explanation")
    return Result(version=version, wpi=wpi, sss=sss, painful_regions=regions, rules=rules,
                  required=tuple(required))


def classify_all(answers: Answers, criteria: Criteria | None = None) -> dict[str, Result]:
    """Classify one case under every version."""
    criteria = criteria or load_criteria()
    return {v: classify(answers, v, criteria) for v in VERSIONS}
