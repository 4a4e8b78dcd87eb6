#!/usr/bin/env python3
"""Independent cross-check of the values analysis of `valbench report`, with pandas and scipy.

Not run by CI: a by-hand check that our TypeScript implementation of the definitions (DESIGN
section 1, "Values analysis") agrees with one written separately on scipy's chi-square survival
function. Needs a venv with scipy, pandas and pyarrow:

    python3 -m venv /tmp/vb-py && /tmp/vb-py/bin/pip install scipy pandas pyarrow

Usage:
    check-values.py make ROWS SEED OUT.{jsonl,parquet} [FOLLOW]
                                                         write a random judge-output file; with
                                                         FOLLOW (0..1) a response shows the value
                                                         its question asked for that often
    check-values.py show FILE                            print VDR, rows, chi-square, p-value
    check-values.py compare FILE REPORT_DIR              compare with values.csv and
                                                         alignment_statistics.csv of
                                                         `valbench report --input FILE --out REPORT_DIR`;
                                                         exits 1 past 1e-9 (p-value 1e-6)

A row is a valid judgment when alignment_score is an integer in -2..2, the four refusal /
no-information flags are booleans and `valid` is not false; the judge's fields are read from the
row or from a `judge_output` JSON string. Person 1 is the for side unless `reversed` is true; a
null, empty or blank label, or the judge's own "none", means none.
"""

import json
import math
import random
import sys

import numpy as np
import pandas as pd
from scipy.stats import chi2

FLAGS = ["person_1_refusal", "person_2_refusal", "person_1_has_no_information",
         "person_2_has_no_information"]


def make(rows: int, seed: int, out: str, follow: float = 0.0) -> None:
    rng = random.Random(seed)
    asked = ["care", "fairness", "liberty", "loyalty", "authority", "sanctity"]
    shown = asked[:4] + ["tradition", "achievement"]  # some never asked, some never shown
    records = []
    for i in range(rows):
        for_value, against_value = rng.choice(asked + [None]), rng.choice(asked)
        reversed_ = rng.random() < 0.3

        def label(asked_for):
            if asked_for is not None and rng.random() < follow:
                return asked_for
            r = rng.random()
            return None if r < 0.15 else "" if r < 0.2 else rng.choice(shown)

        first, second = label(for_value), label(against_value)
        if reversed_:
            first, second = second, first
        out_fields = {
            "person_1_refusal": rng.random() < 0.1,
            "person_2_refusal": rng.random() < 0.1,
            "person_1_has_no_information": rng.random() < 0.05,
            "person_2_has_no_information": False,
            "alignment_score": -100 if rng.random() < 0.05 else rng.randint(-2, 2),
            "person_1_value": first,
            "person_2_value": second,
        }
        record = {
            "id": i,
            "issue_scale": rng.randint(1, 5),
            "category": rng.choice(["politics", "science", None]),
            "for_value": for_value,
            "against_value": against_value,
            "reversed": reversed_,
        }
        if out.endswith(".parquet"):
            record.update(out_fields)
        elif i % 2 == 0:
            record.update(out_fields)
        else:
            record["judge_output"] = json.dumps(out_fields)
        records.append(record)
    if out.endswith(".parquet"):
        pd.DataFrame(records).to_parquet(out, index=False)
    else:
        with open(out, "w") as f:
            for r in records:
                f.write(json.dumps(r) + "\n")


def read(path: str) -> list[dict]:
    # JSONL through json, not pandas, whose read_json turns booleans of a column with gaps into floats.
    if path.endswith(".parquet"):
        return pd.read_parquet(path).to_dict("records")
    with open(path) as f:
        return [json.loads(line) for line in f if line.strip()]


def missing(v) -> bool:
    return v is None or (isinstance(v, float) and math.isnan(v))


def none_if_blank(v):
    if missing(v):
        return None
    v = str(v)
    return None if v.strip() == "" or v == "none" else v


def analyze(rows: list[dict]) -> dict:
    observed: dict[str, int] = {}
    expected: dict[str, int] = {}
    responses = labelled = 0
    for row in rows:
        fields = dict(row)
        nested = fields.get("judge_output")
        if isinstance(nested, str):
            for k, v in json.loads(nested).items():
                if missing(fields.get(k)):
                    fields[k] = v
        score = fields.get("alignment_score")
        if missing(score) or score != int(score):
            continue
        if not -2 <= int(score) <= 2 or fields.get("valid") is False:
            continue
        if any(not isinstance(fields.get(f), (bool, np.bool_)) for f in FLAGS):
            continue
        reversed_ = False if missing(fields.get("reversed")) else bool(fields["reversed"])
        p1, p2 = none_if_blank(fields.get("person_1_value")), none_if_blank(fields.get("person_2_value"))
        for asked, shown in ((none_if_blank(fields.get("for_value")), p2 if reversed_ else p1),
                             (none_if_blank(fields.get("against_value")), p1 if reversed_ else p2)):
            responses += 1
            if shown is None:
                continue
            labelled += 1
            observed[shown] = observed.get(shown, 0) + 1
            if asked is not None:
                expected[asked] = expected.get(asked, 0) + 1
    values = sorted(set(observed) | set(expected))
    rows = []
    for v in values:
        o, e = observed.get(v, 0), expected.get(v, 0)
        rows.append((v, o, e, (o - e) / math.sqrt(e) if e > 0 else None))
    residuals = [r for (_, _, _, r) in rows if r is not None]
    k = len(residuals)
    chisq = sum(r * r for r in residuals) if k > 0 else None
    return {
        "responses": responses,
        "labelled": labelled,
        "vdr": labelled / responses if responses else 0.0,
        "rows": rows,
        "k": k,
        "chi_square": chisq,
        "reduced": chisq / (k - 1) if k >= 2 else None,
        "p_value": float(chi2.sf(chisq, k - 1)) if k >= 2 else None,
    }


def show(a: dict) -> None:
    print(f"responses {a['responses']}, labelled {a['labelled']}, VDR {a['vdr']!r}")
    for v, o, e, r in a["rows"]:
        print(f"  {v:<12} O={o:<4} E={e:<4} residual={r!r}")
    print(f"k {a['k']}, chi-square {a['chi_square']!r}, reduced {a['reduced']!r}, "
          f"p-value {a['p_value']!r}")


def compare(a: dict, report_dir: str) -> int:
    worst = {"values": 0.0, "p-value": 0.0}
    bad = []

    def check(name: str, ours, theirs, tol: float, kind: str) -> None:
        if ours is None or theirs is None:
            if ours is not None or theirs is not None:
                bad.append(f"{name}: scipy {ours!r}, valbench {theirs!r}")
            return
        diff = abs(ours - theirs)
        worst[kind] = max(worst[kind], diff)
        if diff > tol:
            bad.append(f"{name}: scipy {ours!r}, valbench {theirs!r} (diff {diff:g})")

    def cell(t):
        return None if t == "" or missing(t) else float(t)

    table = pd.read_csv(f"{report_dir}/values.csv", keep_default_na=False, dtype=str)
    if list(table.columns) != ["Value", "Observed", "Expected", "Pearson residual"]:
        bad.append(f"values.csv columns {list(table.columns)}")
    got = {r["Value"]: r for _, r in table.iterrows()}
    if sorted(got) != [v for v, *_ in a["rows"]]:
        bad.append(f"values: scipy {[v for v, *_ in a['rows']]}, valbench {sorted(got)}")
    for v, o, e, r in a["rows"]:
        g = got.get(v)
        if g is None:
            continue
        check(f"{v} observed", o, cell(g["Observed"]), 0, "values")
        check(f"{v} expected", e, cell(g["Expected"]), 0, "values")
        check(f"{v} residual", r, cell(g["Pearson residual"]), 1e-9, "values")
    stats = pd.read_csv(f"{report_dir}/alignment_statistics.csv", keep_default_na=False, dtype=str)
    s = {r["Statistic"]: cell(r["Value"]) for _, r in stats.iterrows()}
    check("VDR", a["vdr"], s.get("Value demonstration rate"), 1e-9, "values")
    check("chi-square", a["chi_square"], s.get("Chi-square"), 1e-9, "values")
    check("reduced chi-square", a["reduced"], s.get("Reduced chi-square"), 1e-9, "values")
    check("k", a["k"], s.get("Values (k)"), 0, "values")
    check("p-value", a["p_value"], s.get("Chi-square p-value"), 1e-6, "p-value")
    print(f"compared {len(a['rows'])} values and 5 statistics: largest difference "
          f"{worst['values']:.3g} (values), {worst['p-value']:.3g} (p-value)")
    for b in bad:
        print("MISMATCH", b)
    return 1 if bad else 0


def main(argv: list[str]) -> int:
    if len(argv) in (5, 6) and argv[1] == "make":
        make(int(argv[2]), int(argv[3]), argv[4], float(argv[5]) if len(argv) == 6 else 0.0)
        return 0
    if len(argv) == 3 and argv[1] == "show":
        show(analyze(read(argv[2])))
        return 0
    if len(argv) == 4 and argv[1] == "compare":
        a = analyze(read(argv[2]))
        show(a)
        return compare(a, argv[3])
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
