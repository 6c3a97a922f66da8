"""Every place name the pipeline knows, with what kind of place it is.

One home for place knowledge, used by the place components (``place_rules`` finds names,
``place_linker`` links them, ``document_county`` settles a document's county) and by the
segmenter's user dictionary. Sources, all shipped by installed packages:

* China's administrative divisions from ``jionlp`` (:mod:`nlp.gazetteer`): provinces,
  cities and counties with their 6-digit codes, towns; villages are kept per county, for
  matching inside a document about that county only;
* former names of renamed or merged divisions (``jionlp``'s ``china_location_change.txt``),
  linked to the division that replaced them;
* foreign countries (short and official names), their capitals and major cities and the
  continents (``jionlp``'s ``world_location.txt``);
* natural features: the ``ns`` words of ``jieba``'s dictionary that end in a landform or
  water word (…河, …湖, …山, …岭, …水库 …), less common words that only look like one;
* named macro-regions, economic belts and city clusters (:data:`REGIONS`), and the regions
  named by a province's one-character abbreviation and a direction (闽东, 川东北, 南疆);
* the provinces' one-character abbreviations (:data:`PROVINCE_ABBREVIATIONS`: 粤, 黔, 琼),
  as entries of the province they stand for; being one character, they are matched only
  where the text makes them a place (see ``place_rules``).

An entry is a tuple ``(name, level, code, parents, parent_codes, short)``; levels are
``province``, ``city``, ``county``, ``town``, ``village``, ``country``, ``foreign_city``,
``region`` and ``natural``. Tuples of strings keep the lexicon out of Python's garbage
collector.
"""

from __future__ import annotations

import importlib.util
import re
from collections import defaultdict
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path

import ahocorasick

from .gazetteer import Division, load_divisions, location_file

Entry = tuple[str, str, str, tuple[str, ...], tuple[str, ...], str]
ADMINISTRATIVE_LEVELS = ("province", "city", "county", "town", "village")
LEVEL_RANK = {"province": 0, "city": 1, "county": 2, "town": 3, "village": 4,
              "country": 0, "foreign_city": 1, "region": 0, "natural": 1}

# Names of kinds of district that many counties share: never matched on their own.
GENERIC_DIVISIONS = ("城区", "郊区", "矿区", "新区", "开发区", "示范区", "高新区", "园区", "保税区", "管委会")
# Short names of cities and counties that are also common words of policy texts
# (惠民县 → 惠民, 合作市 → 合作): matched only with their suffix.
COMMON_WORD_SHORT_NAMES = frozenset(
    "七星 万年 三元 东方 东风 中方 丰满 二七 二道 互助 产业园 光明 共和 凤凰 前进 前锋 南岸 南部 博爱 友好 友谊 "
    "合作 同心 同仁 名山 向阳 和平 回民 城中 城北 城区 复兴 大兴 大方 大观 大通 天涯 太和 安定 安居 安康 宏伟 "
    "富民 富裕 小店 工业园 工农 平和 平安 平房 延长 建华 建安 建平 振兴 文峰 文成 新兴 新华 新星 新民 方正 无为 "
    "月湖 木兰 武功 比如 民和 民权 永和 永新 永福 江岸 海棠 清新 清水 清流 温泉 港口 灯塔 爱民 白云 白玉 盘龙 "
    "示范区 红星 红旗 老城 航空港 芙蓉 莲花 解放 运河 通道 郊区 金山 钟楼 鼓楼 长子 高新区 龙凤 麒麟 黑水 水城 "
    "宝塔 玄武 高台 会同 惠民 平定 新城 城关 中心 先锋 团结 胜利 和谐 幸福 长安 朝阳 东城 西城 南山 北山 "
    "东山 西山 中山 青山 开发 发展 建设 东海 南海 北海 河口 江口 港北 港南 城西 城东 城南 高新 新区 文明 "
    "安全 桃源 灵台 金台 石门 黄龙 秦安 镇远 吉利 新建 商城 和政 新和 公安 新平 大新 中区 市中 兴业 安宁 大安 "
    "天河 河西 洪山 屈原 离岛 小金 上高 发展 城厢 城阳 华容 安源 宁安 平原 永定".split()
)

REGIONS = (
    "京津冀", "京津", "京雄保", "长三角", "长江三角洲", "珠三角", "珠江三角洲", "粤港澳大湾区", "大湾区", "港澳",
    "港澳台", "成渝", "川渝", "成渝地区双城经济圈", "长江经济带", "黄河流域", "长江流域", "长江中游城市群",
    "北部湾城市群", "关中平原城市群", "中原城市群", "长株潭", "呼包鄂榆", "兰西城市群", "海峡西岸",
    "东北", "东北地区", "华北", "华北地区", "华东", "华南", "华中", "西南地区", "西北地区", "东部地区",
    "中部地区", "西部地区", "中西部地区", "东中西部", "南疆", "北疆", "东疆", "苏南", "苏北", "苏中", "浙东",
    "粤东西北", "粤东", "粤西", "粤北", "陕北", "陕南", "关中", "晋南", "晋北", "陇东", "陇南", "豫东",
    "皖北", "皖南", "鲁西南", "胶东", "辽西", "辽东", "湘西", "湘南", "鄂西", "黔东南", "桂西", "川西",
    "藏东", "青藏", "黄河金三角", "东北亚", "东南亚", "南亚", "中亚", "西亚", "中东", "东盟", "欧洲",
    "非洲", "拉美", "拉丁美洲", "欧亚", "亚太",
)

# One-character abbreviations → province code (川 and 蜀 both stand for 四川省).
PROVINCE_ABBREVIATIONS = {
    "京": "110000", "津": "120000", "冀": "130000", "晋": "140000", "蒙": "150000", "辽": "210000",
    "吉": "220000", "黑": "230000", "沪": "310000", "苏": "320000", "浙": "330000", "皖": "340000",
    "闽": "350000", "赣": "360000", "鲁": "370000", "豫": "410000", "鄂": "420000", "湘": "430000",
    "粤": "440000", "桂": "450000", "琼": "460000", "渝": "500000", "川": "510000", "蜀": "510000",
    "黔": "520000", "贵": "520000", "滇": "530000", "云": "530000", "藏": "540000", "陕": "610000",
    "秦": "610000", "甘": "620000", "陇": "620000", "青": "630000", "宁": "640000", "新": "650000",
    "疆": "650000", "港": "810000", "澳": "820000", "台": "710000",
}
# Abbreviation + direction names a region (闽东, 川东北); abbreviations that are also a common
# word's first character (新中国, 云中) or name a city with a direction (台中) are left out.
_DIRECTIONAL_ABBREVIATIONS = "京津冀晋蒙辽沪苏浙皖闽赣鲁豫鄂湘粤桂琼渝川蜀黔滇藏陕陇"
_DIRECTIONS = ("东", "南", "西", "北", "中", "东南", "东北", "西南", "西北")
_NOT_REGIONS = frozenset({"京东"})

_NATURAL_SUFFIX = re.compile(
    r"(河|江|湖|海|湾|山|岭|峰|峡|谷|川|泉|水库|湿地|盆地|平原|高原|草原|沙漠|沙地|戈壁|林区|岛|半岛|群岛|流域|冰川)$"
)
# ns words of jieba that end in a landform word but are common words or not places.
_NATURAL_STOPWORDS = frozenset(
    "江湖 河山 山河 江山 湖海 冰山 火山 高山 深山 青山 名山 大山 群山 靠山 下山 上山 出山 星河 银河 运河 内河 "
    "界河 天河 冰河 雪山 河川 山川 四海 五湖 沿海 出海 大海 人海 沧海 海湾 港湾 海峡 山谷 峡谷 河谷 深谷 低谷 "
    "高峰 顶峰 巅峰 山峰 高岭 山岭 泉 温泉 清泉 源泉 岛 海岛 小岛 孤岛 半岛 群岛 平原 高原 草原 盆地 湿地 流域 "
    "冰川 河湖 江河 湖泊 东海 南海 北海 西湖 东山 西山 南山 北山 中山 黄海 渤海湾 外海 内海 近海 远海 公海 "
    "领海 深海 浅海 江南 江北 河南 河北 湖南 湖北 山东 山西 海南 海东 海西 海北 岭南 关山 金山 银山 宝山 "
    "泰山北斗 开山 愚公移山 人山人海 江山如画".split()
)
_MAJOR_TWO_CHARACTER_FEATURES = frozenset(
    "长江 黄河 珠江 淮河 汾河 渭河 泾河 洛河 沁河 漳河 海河 辽河 松花江 汉江 湘江 赣江 闽江 嘉陵江 岷江 "
    "怒江 澜沧江 雅鲁藏布江 黑龙江 乌江 沅江 资水 太湖 巢湖 洪泽湖 鄱阳湖 洞庭湖 滇池 洱海 青海湖 "
    "泰山 黄山 华山 嵩山 衡山 恒山 庐山 峨眉山 武夷山 秦岭 太行山 吕梁山 中条山 太岳山 祁连山 天山 昆仑山 "
    "贺兰山 阴山 燕山 大别山 井冈山 六盘山 乌蒙山 武陵山 大兴安岭 小兴安岭 长白山 南岭 渤海 黄海 东海 南海".split()
)


def _jionlp_dictionary(name: str) -> Path:
    return location_file().parent / name


def _entry(d: Division) -> Entry:
    return (d.name, d.level, d.code, tuple(d.parents), tuple(d.parent_codes), d.short)


def division_entries(provinces: Iterable[str] | None = None, towns: bool = True) -> list[Entry]:
    """Provinces, cities, counties and, with ``towns``, the towns of ``provinces`` (default every province)."""
    wanted = set(provinces) if provinces else None
    return [
        _entry(d)
        for d in load_divisions()
        if d.level in ("province", "city", "county")
        or (towns and d.level == "town" and (wanted is None or d.parents[-1] in wanted))
    ]


def village_names(provinces: Iterable[str] | None = None) -> dict[str, str]:
    """County code → the county's village names, tab-separated (compact; split on use)."""
    wanted = set(provinces) if provinces else None
    by_county: dict[str, list[str]] = defaultdict(list)
    for d in load_divisions():
        if d.level == "village" and (wanted is None or d.parents[-1] in wanted) and len(d.name) >= 2:
            by_county[d.county_code].append(d.name)
    return {code: "\t".join(sorted(set(names))) for code, names in by_county.items()}


def former_name_entries() -> list[Entry]:
    """Former names of divisions (襄樊 → 襄阳市), linked to the division that replaced them."""
    current = {(d.name, d.parents): d for d in load_divisions() if d.level in ("province", "city", "county")}
    entries = []
    for line in _jionlp_dictionary("china_location_change.txt").read_text(encoding="utf-8").splitlines():
        if "=>" not in line:
            continue
        old, new = line.split("=>")
        old_fields, new_fields = old.split("\t")[2:], new.split("\t")
        old_name, old_short = old_fields[-2], old_fields[-1]
        parents = tuple(reversed(new_fields[:-1]))
        division = current.get((new_fields[-1], parents))
        if division is None or old_name == division.name:
            continue
        entries.append((old_name, division.level, division.code, tuple(division.parents),
                        tuple(division.parent_codes), old_short if old_short != division.short else ""))
    return entries


def world_entries() -> list[Entry]:
    """Continents, foreign countries (short and official names) and foreign cities."""
    entries: list[Entry] = []
    continent = ""
    for line in _jionlp_dictionary("world_location.txt").read_text(encoding="utf-8").splitlines():
        fields = [f.strip() for f in line.split("\t")]
        if len(fields) == 1 and fields[0].endswith(":"):
            continent = fields[0][:-1]
            entries.append((continent, "region", "", (), (), ""))
            continue
        if len(fields) < 2 or fields[0] == "中国":
            continue
        country, official = fields[0], fields[1]
        entries.append((official, "country", "", (continent,), ("",), country if country != official else ""))
        cities = [fields[2]] if len(fields) > 2 and fields[2] else []
        if len(fields) > 3:
            cities += [c for c in fields[3].split("/") if c]
        for city in cities:
            if city != country:
                entries.append((city, "foreign_city", "", (official, continent), ("", ""), ""))
    entries.append(("中华人民共和国", "country", "", ("亚洲",), ("",), "中国"))
    return entries


def _jieba_dictionary() -> Path | None:
    spec = importlib.util.find_spec("jieba")
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations))) / "dict.txt"


def natural_entries(known: set[str]) -> list[Entry]:
    """Rivers, lakes, seas, mountains, ranges and other landforms from jieba's ``ns`` words."""
    names = set(_MAJOR_TWO_CHARACTER_FEATURES)
    path = _jieba_dictionary()
    if path is not None and path.exists():
        for line in path.read_text(encoding="utf-8").splitlines():
            word, _, tag = line.rpartition(" ")
            word = word.rsplit(" ", 1)[0]
            if tag == "ns" and len(word) >= 3 and _NATURAL_SUFFIX.search(word):
                names.add(word)
    names -= _NATURAL_STOPWORDS
    names -= known
    return [(name, "natural", "", (), (), "") for name in sorted(names)]


def region_entries() -> list[Entry]:
    """:data:`REGIONS` and abbreviation + direction regions (闽东, 川东北, 南疆)."""
    directional = {a + d for a in _DIRECTIONAL_ABBREVIATIONS for d in _DIRECTIONS} | {d + "疆" for d in "东南北"}
    return [(name, "region", "", (), (), "") for name in sorted(set(REGIONS) | directional - _NOT_REGIONS)]


def abbreviation_entries(divisions: Iterable[Entry]) -> list[Entry]:
    """Each one-character province abbreviation, with the code of its province (粤 → 440000)."""
    codes = {code for _name, level, code, *_ in divisions if level == "province"}
    return [(abbreviation, "province", code, (), (), "")
            for abbreviation, code in PROVINCE_ABBREVIATIONS.items() if code in codes]


@lru_cache(maxsize=4)
def place_entries(provinces: tuple[str, ...] | None = None) -> tuple[Entry, ...]:
    """All entries: divisions (of ``provinces`` below county level), province abbreviations,
    former names, world, regions, natural."""
    divisions = division_entries(provinces)
    known_regions = {e[0] for e in divisions} | {e[5] for e in divisions}
    regions = [e for e in region_entries() if e[0] not in known_regions]  # 黔东南 is a division
    entries = divisions + abbreviation_entries(divisions) + former_name_entries() + world_entries() + regions
    known = {e[0] for e in entries} | {e[5] for e in entries}
    return tuple(entries + natural_entries(known))


def matchable_names(entries: Iterable[Entry]) -> list[str]:
    """Names safe to match anywhere: full names, and short names of provinces, cities,
    counties and countries, without generic district names and one-character names."""
    names = set()
    for name, level, _code, _parents, _parent_codes, short in entries:
        if name.endswith(GENERIC_DIVISIONS) or level == "village":
            continue
        if level == "town" and not name.endswith(("镇", "乡")):
            continue
        names.add(name)
        if short and level in ("province", "city", "county", "country") and short not in COMMON_WORD_SHORT_NAMES:
            names.add(short)
    return sorted(n for n in names if len(n) >= 2)


def town_stem(name: str) -> str:
    """A town's name without its suffix (上郭 for 上郭乡), or ``""`` when that leaves one character."""
    return name[:-1] if name.endswith(("镇", "乡")) and len(name) >= 3 else ""


def town_stems(entries: Iterable[Entry]) -> dict[str, list[str]]:
    """County code → its towns without their suffix, for county-local matching."""
    stems: dict[str, list[str]] = defaultdict(list)
    for name, level, _code, _parents, parent_codes, _short in entries:
        if level == "town" and town_stem(name):
            county = next((c for c in parent_codes if c), "")
            stems[county].append(town_stem(name))
    return dict(stems)


def name_automaton(names: Iterable[str]) -> ahocorasick.Automaton:
    """An Aho-Corasick automaton over ``names``, for :func:`find_names`."""
    automaton = ahocorasick.Automaton()
    for name in names:
        automaton.add_word(name, len(name))
    automaton.make_automaton()
    return automaton


def find_names(automaton: ahocorasick.Automaton | None, text: str) -> list[tuple[int, int]]:
    """Character offsets of the names in ``text``, leftmost-longest and not overlapping."""
    if automaton is None or not len(automaton):
        return []
    return [(end + 1 - length, end + 1) for end, length in automaton.iter_long(text)]
