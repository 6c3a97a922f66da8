"""Cleaning of scraped documents: web boilerplate out, masking artefacts repaired.

Cleaning works line by line. Every removed line is counted under a *kind*, so that a
build can report exactly what it dropped and nothing disappears silently:

``navigation``   menu items, buttons, contact lines of the web page
``guidelines``   the site's submission guidelines and terms (everything after their marker)
``page_counter`` "共 154 页"
``date_line``    a date (and time, source) on its own line
``credit``       source, author, photographer and editor lines, copyright notices
``caption``      photo captions and infographic labels: short lines that are not sentences
``blank``        empty lines

Government work reports published as web pages (the greeting 各位代表 on a line of its own)
are cleaned by :func:`clean_report_lines`, which knows where a report starts and ends and
keeps every line of the report itself, section headings included:

``header``         title block before the greeting: title, session line, speaker, source,
                   date, photo caption, page widgets (the title is kept as metadata)
``trailer``        what follows the report on the page: related links, share and print
                   buttons, editor lines, QR-code prompts
``widget``         download/print/font-size buttons left inside the page
``photo_caption``  a photo's caption line (… 摄)
``footnote_marker`` an inline footnote reference such as ［3］ (the note itself is kept)
``rejoined``       a line broken inside a sentence by the page's markup (PM / 2.5 / 年平均浓度),
                   joined back to its neighbours
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

REMOVED_KINDS = ("navigation", "guidelines", "page_counter", "date_line", "credit", "caption", "blank",
                 "header", "trailer", "widget", "photo_caption", "footnote_marker", "rejoined")

# Words the source site wrapped in asterisks, sometimes with the characters shuffled
# (*党**, *共中** for 中共, *服务性** for 性服务 in 生产性服务业, *生活性** in 生活性服务业).
MASKED_WORDS = ("党", "中共", "共产党", "性服务", "生活性")
_MASK = re.compile(r"\*([^*\s]{1,6})\*\*")

_CJK = re.compile(r"[\u4e00-\u9fff]")
_DATE_LINE = re.compile(
    r"^\d{4}[-/年]\d{1,2}[-/月]\d{1,2}日?(\s+\d{1,2}:\d{2}(:\d{2})?)?(\s*来源[:：]\S*)?$"
)
_PAGE_COUNTER = re.compile(r"^共\s*\d+\s*页$")
_CREDIT = re.compile(
    r"^(来源|责任编辑|编辑|记者|通讯员|图片|摄影|制图|版权声明|文字)([\s:：]|$)"
)
_NAVIGATION = re.compile(r"^(•.{0,30}|联系我们|企业入驻|立即获取|关闭|确认|招商中心|免费获取.*|[\d-]{10,13})$")
_GUIDELINES_START = re.compile(r"^(有想补充的信息|投稿提示)")
_HEADING_MARK = re.compile(r"^(■|【|（[一二三四五六七八九十]+）|\([一二三四五六七八九十]+\)|[一二三四五六七八九十]+、|——)")
_SENTENCE_END = re.compile(r"[。！？!?；;]$")
CAPTION_MAX_CHARS = 25


class CorpusError(ValueError):
    """A raw document cannot be turned into corpus text."""


def read_raw(path: Path) -> str:
    """Read a raw document as UTF-8, with clear errors for unusable files."""
    data = path.read_bytes()
    if not data.strip():
        raise CorpusError(f"{path}: the file is empty.")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        hint = ""
        try:
            data.decode("gb18030")
            hint = " It decodes as GBK/GB18030: convert it with `iconv -f GB18030 -t UTF-8`."
        except UnicodeDecodeError:
            pass
        raise CorpusError(f"{path}: not UTF-8 text (byte {error.start}).{hint}") from error
    if not has_chinese(text):
        raise CorpusError(f"{path}: contains no Chinese text.")
    return text


def repair_masking(text: str) -> tuple[str, int]:
    """Undo the asterisk masking artefact; returns the text and the number of repairs.

    A masked group is replaced by the known word made of the same characters; a group
    that matches no known word is left as it is.
    """
    by_letters = {"".join(sorted(word)): word for word in MASKED_WORDS}
    repairs = 0

    def replace(match: re.Match) -> str:
        nonlocal repairs
        word = by_letters.get("".join(sorted(match.group(1))))
        if word is None:
            return match.group(0)
        repairs += 1
        return word

    return _MASK.sub(replace, text), repairs


def classify_line(line: str) -> str | None:
    """The boilerplate kind of a stripped line, or ``None`` when it is document text."""
    if not line:
        return "blank"
    if _PAGE_COUNTER.match(line):
        return "page_counter"
    if _DATE_LINE.match(line):
        return "date_line"
    if _CREDIT.match(line):
        return "credit"
    if _NAVIGATION.match(line):
        return "navigation"
    if (
        len(line) <= CAPTION_MAX_CHARS
        and not _SENTENCE_END.search(line)
        and not _HEADING_MARK.match(line)
        and " " not in line
        and "\u3000" not in line
    ):
        return "caption"
    return None


def clean_lines(lines: list[str]) -> tuple[list[str], Counter]:
    """Keep the document's own lines; count the removed ones per kind (kept + removed = lines)."""
    kept: list[str] = []
    removed: Counter = Counter()
    for index, raw in enumerate(lines):
        line = raw.strip()
        if _GUIDELINES_START.match(line):
            rest = [other.strip() for other in lines[index:]]
            removed["guidelines"] += sum(1 for other in rest if other)
            removed["blank"] += rest.count("")
            break
        kind = classify_line(line)
        if kind is None:
            kept.append(line)
        else:
            removed[kind] += 1
    return kept, removed


_REPORT_GREETING = re.compile(r"^各位代表[：:，,！!]?$")
_REPORT_TRAILER = re.compile(
    r"^(相关报道|相关文档|相关附件|相关链接|扫一扫在手机打开当前页|责任编辑|分享到|打印本页|关闭窗口|编辑[:：]"
    r"|》》点击图片|（来源[:：])"
)
_WIDGET = re.compile(r"^(下载|打印|全屏|收藏|【字[号体][:：]?|加大|还原|减小|大|中|小|】|【|>|首页|分享[:：]?|×|-{3,})$")
_PHOTO_CAPTION = re.compile(r"(记者|摄影).{0,12}摄$")
_FOOTNOTE_MARKER = re.compile(r"(?<=\S)［\d{1,3}］")
_SENTENCE_OPEN_END = re.compile(r"[。！？!?；;：:”’」』）)》】]$")
_OPENING_ONLY = re.compile(r"^[（(“《「]+$")
BROKEN_FRAGMENT_MAX_CHARS = 6
BROKEN_LINE_MIN_CHARS = 12


def is_web_report(lines: list[str]) -> bool:
    """Whether ``lines`` hold a government work report with its greeting on a line of its own."""
    return any(_REPORT_GREETING.match(line.strip()) for line in lines)


def clean_document_lines(lines: list[str]) -> tuple[list[str], Counter]:
    """Clean the lines of one document: as a web report when it is one, else line by line."""
    return clean_report_lines(lines) if is_web_report(lines) else clean_lines(lines)


def has_chinese(text: str) -> bool:
    return bool(_CJK.search(text))


def _rejoin_broken_lines(lines: list[str], removed: Counter) -> list[str]:
    """Join ``line / short fragment / next line`` triples split inside a sentence, and a line
    holding only an opening bracket or quote to the line it opens."""
    lines = list(lines)
    joined: list[str] = []
    index = 0
    while index < len(lines):
        line = lines[index]
        while (
            index + 2 < len(lines)
            and len(line) >= BROKEN_LINE_MIN_CHARS
            and not _SENTENCE_OPEN_END.search(line)
            and 0 < len(lines[index + 1]) <= BROKEN_FRAGMENT_MAX_CHARS
            and lines[index + 2]
        ):
            line = line + lines[index + 1] + lines[index + 2]
            removed["rejoined"] += 2
            index += 2
        if _OPENING_ONLY.match(line) and index + 1 < len(lines):
            lines[index + 1] = line + lines[index + 1]
            removed["rejoined"] += 1
        else:
            joined.append(line)
        index += 1
    return joined


def clean_report_lines(lines: list[str]) -> tuple[list[str], Counter]:
    """Keep the report between its greeting and the page's trailer; count what was removed.

    Every input line is kept, removed under a kind or joined to a kept line (``rejoined``);
    ``footnote_marker`` counts markers, not lines.

    Everything before the first greeting line is the page header; everything from the first
    trailer line on is the page's trailer. Inside the report only page widgets, photo
    captions, blank lines and inline footnote markers go; headings and notes stay.
    """
    stripped = [raw.strip() for raw in lines]
    start = next(i for i, line in enumerate(stripped) if _REPORT_GREETING.match(line))
    removed: Counter = Counter()
    removed["header"] = sum(1 for line in stripped[: start + 1] if line)
    removed["blank"] = stripped[:start].count("")
    body: list[str] = []
    for index in range(start + 1, len(stripped)):
        line = stripped[index]
        if _REPORT_TRAILER.match(line):
            removed["trailer"] += sum(1 for rest in stripped[index:] if rest)
            removed["blank"] += stripped[index:].count("")
            break
        if not line:
            removed["blank"] += 1
        elif _WIDGET.match(line):
            removed["widget"] += 1
        elif _PHOTO_CAPTION.search(line):
            removed["photo_caption"] += 1
        elif _PAGE_COUNTER.match(line) or (line.isdigit() and index == len(stripped) - 1):
            removed["page_counter"] += 1
        else:
            line, markers = _FOOTNOTE_MARKER.subn("", line)
            removed["footnote_marker"] += markers
            body.append(line)
    body = _rejoin_broken_lines(body, removed)
    return body, +removed
