"""How often ``document_county`` finds the place a whole document is about.

    python bench/document_county.py [--documents annotations/corpus/documents.jsonl]

Every corpus document is passed whole, with no ``doc._.county``, to the component as the
pipeline builds it; its answer is compared with the document's own place (its metadata):
right, a place inside the document's place (a county of a city report), none, or wrong.
"""

from __future__ import annotations

import argparse
from collections import Counter
from pathlib import Path

from nlp.components.county import DocumentCounty
from nlp.corpus.documents import read_documents
from nlp.place_names import division_entries

ROOT = Path(__file__).resolve().parents[1]
OUTCOMES = ("right", "inside", "none", "wrong")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--documents", type=Path, default=ROOT / "annotations" / "corpus" / "documents.jsonl")
    args = parser.parse_args()
    component = DocumentCounty("document_county", min_mentions=2)
    component.initialize()
    ancestors = {code: parent_codes for _n, _l, code, _p, parent_codes, _s in division_entries(towns=False)}
    outcomes: Counter[tuple[str, str]] = Counter()
    for document in read_documents(args.documents):
        found, expected = component.infer(document.text), document.place_code
        if found == expected:
            outcome = "right"
        elif not found:
            outcome = "none"
        else:
            outcome = "inside" if expected in ancestors.get(found, ()) else "wrong"
            if outcome == "wrong":
                print(f"wrong: {document.id} ({document.place}) → {found}")
        outcomes[(document.level, outcome)] += 1
    print(f"\n{'document level':<16}" + "".join(f"{o:>8}" for o in OUTCOMES))
    for level in sorted({level for level, _ in outcomes}):
        print(f"{level:<16}" + "".join(f"{outcomes[(level, o)]:>8}" for o in OUTCOMES))


if __name__ == "__main__":
    main()
