"""Accuracy on every held-out split: the trained pipeline against simple peers, in one run.

    python bench/accuracy.py [--model training/model-best] [--splits-to test ood-test]

Held-out splits: ``test`` (the first Shanxi documents) and ``ood-test`` (every document of
eight provinces that train and dev never see). The pipeline is scored twice per split:
each sentence with its document's county as context, and each sentence alone
("no county"), the way other code calls ``nlp(sentence)``.

Peers: jieba ``posseg`` and THULAC ``ns`` tags as place recognisers; a keyword dictionary
for themes (the typical words of the annotation guidelines); TF-IDF over character
1–3-grams + one-vs-rest logistic regression for themes, trained on the train split.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import spacy
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.multiclass import OneVsRestClassifier
from sklearn.preprocessing import MultiLabelBinarizer

from nlp.annotations import ExportReport
from nlp.evaluation import SentencePrediction, predict_sentences, score
from nlp.training.reader import read_split
from nlp.training.splits import HELD_OUT_SPLITS

ROOT = Path(__file__).resolve().parents[1]
KEYWORDS = {
    "转型": ["转型", "新兴产业", "招商引资", "项目建设", "开发区", "营商环境", "地区生产总值", "规上工业",
            "产业", "企业", "投资", "创新", "园区", "放管服", "增加值", "财政收入"],
    "生态": ["污染防治", "蓝天保卫战", "超低排放", "造林", "绿化", "河长制", "污水", "优良天数", "生态",
            "环保", "减排", "清洁取暖", "煤改气", "煤改电", "垃圾"],
    "民生": ["就业", "教育", "医疗", "社会保障", "脱贫", "养老", "老旧小区", "民生实事", "收入", "学校",
            "卫生", "社保", "住房", "救助", "疫情"],
}


def keyword_themes(texts):
    return [SentencePrediction({t for t, words in KEYWORDS.items() if any(w in text for w in words)}) for text in texts]


def tfidf_themes(train, test):
    binarizer = MultiLabelBinarizer(classes=list(KEYWORDS))
    y = binarizer.fit_transform([a.themes for a in train])
    vectorizer = TfidfVectorizer(analyzer="char", ngram_range=(1, 3), min_df=2, sublinear_tf=True)
    model = OneVsRestClassifier(LogisticRegression(max_iter=2000, C=4.0, class_weight="balanced"))
    model.fit(vectorizer.fit_transform([a.text for a in train]), y)
    predicted = model.predict(vectorizer.transform([a.text for a in test]))
    return [SentencePrediction({binarizer.classes_[j] for j in row.nonzero()[0]}) for row in predicted]


def thulac_places(texts):
    import thulac

    tagger = thulac.thulac()
    out = []
    for text in texts:
        spans, position = set(), 0
        for word, flag in tagger.cut(text):
            start = text.find(word, position)
            if start < 0:
                continue
            if flag == "ns":
                spans.add((start, start + len(word), "PLACE"))
            position = start + len(word)
        out.append(SentencePrediction(spans=spans))
    return out


def jieba_places(texts):
    import jieba
    from jieba import posseg

    jieba.setLogLevel(60)
    out = []
    for text in texts:
        spans, position = set(), 0
        for word, flag in posseg.cut(text):
            if flag == "ns":
                spans.add((position, position + len(word), "PLACE"))
            position += len(word)
        out.append(SentencePrediction(spans=spans))
    return out


def row(name, metrics, groups):
    cells = []
    for group, label in groups:
        s = metrics[group][label]
        cells.append(f"{s['p']:.3f}/{s['r']:.3f}/{s['f']:.3f}")
    return f"{name:<28}" + "".join(f"{c:>22}" for c in cells)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, default=ROOT / "training" / "model-best")
    parser.add_argument("--export", type=Path, default=ROOT / "annotations" / "exports" / "gold.json")
    parser.add_argument("--splits", type=Path, default=ROOT / "annotations" / "splits.json")
    parser.add_argument("--splits-to", nargs="+", default=list(HELD_OUT_SPLITS), metavar="SPLIT",
                        help="held-out splits to score (default: %(default)s)")
    args = parser.parse_args()
    train = read_split(args.export, "train", args.splits, ExportReport())
    nlp = spacy.load(args.model)
    for split in args.splits_to:
        gold = read_split(args.export, split, args.splits, ExportReport())
        if not gold:
            print(f"{split}: no annotated sentences, skipped.\n")
            continue
        texts = [a.text for a in gold]
        systems = {
            "pipeline": predict_sentences(nlp, gold),
            "pipeline, no county": predict_sentences(nlp, gold, with_county=False),
            "jieba posseg ns": jieba_places(texts),
            "THULAC ns": thulac_places(texts),
            "keyword dictionary": keyword_themes(texts),
            "TF-IDF char + LogReg": tfidf_themes(train, gold),
        }
        scores = {name: score(gold, predicted) for name, predicted in systems.items()}
        print(f"{split}: {len(gold)} sentences, {len({a.doc_id for a in gold})} documents. Cells are P/R/F.\n")
        ent_groups = [("entities", "PLACE"), ("entities", "PROGRAMME")]
        print(f"{'entities':<28}{'PLACE':>22}{'PROGRAMME':>22}")
        for name in ("pipeline", "pipeline, no county", "jieba posseg ns", "THULAC ns"):
            print(row(name, scores[name], ent_groups))
        theme_groups = [("themes", t) for t in KEYWORDS]
        print(f"\n{'themes':<28}" + "".join(f"{t:>21}" for t in KEYWORDS) + f"{'macro-F1':>10}{'share MAE':>11}")
        for name in ("pipeline", "pipeline, no county", "keyword dictionary", "TF-IDF char + LogReg"):
            m = scores[name]
            print(row(name, m, theme_groups) + f"{m['themes_macro_f']:>10.3f}{m['theme_share_mae']:>11.3f}")
        print()


if __name__ == "__main__":
    main()
