"""A demo county: clearly fictional enterprises of every kind with valid credit codes.

Every name carries the （演示） mark and the county 青禾县 does not exist, so demo data can never be
mistaken for a real enterprise on a printed page. The generator is seeded: the same demo every time.
"""
from __future__ import annotations

import random

from .domain.enterprise import KINDS, Enterprise, MajorHazardSource, uscc_check_char

COUNTY = "青禾县"
TOWNSHIPS = ["城关镇", "临江镇", "石桥镇", "白沙乡", "河口镇", "青禾化工园区"]
_WORDS = ["润达", "恒泰", "华盛", "永丰", "安源", "鑫隆", "瑞丰", "东明", "新宇", "金川", "禾盛", "天和",
          "宏远", "嘉诚", "明德", "长兴", "富源", "泰和", "远航", "聚力"]
_SUFFIX = {
    "production": "化工有限公司",
    "import": "化学品进出口有限公司",
    "storage": "仓储有限公司",
    "use": "新材料有限公司",
    "trading-storage": "化工物资有限公司",
    "trading": "化工贸易有限公司",
    "gas-filling": "气体有限公司",
    "chemical": "化学工业有限公司",
    "pharmaceutical": "制药有限公司",
}
_INDUSTRY = {
    "production": "基础化学原料制造",
    "chemical": "基础化学原料制造",
    "pharmaceutical": "化学药品原料药制造",
    "use": "合成材料制造",
    "gas-filling": "工业气体制造",
}
_PROCESSES = ["氯化工艺", "硝化工艺", "氧化工艺", "加氢工艺", "聚合工艺", "磺化工艺"]
_CHEMICALS = ["液氯", "液氨", "甲醇", "苯", "硝酸铵", "环氧乙烷", "氢气"]
_ROADS = ["青禾大道", "临江路", "化工园一路", "石桥北路", "滨河路", "工业大道"]
_SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
_GIVEN = ["建国", "海峰", "丽华", "志强", "秀英", "伟", "静", "敏", "军", "磊", "洋", "晓东"]
# 统一社会信用代码: 9 (registered with market regulation) 1 (enterprise), a six-digit region code.
_REGION = "339901"


def demo_code(rng: random.Random) -> str:
    alphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"
    body = "91" + _REGION + "".join(rng.choice(alphabet) for _ in range(9))
    return body + uscc_check_char(body)


def demo_enterprises(count: int = 48, seed: int = 2025) -> list[Enterprise]:
    rng = random.Random(seed)
    kinds = list(KINDS)
    result: list[Enterprise] = []
    codes: set[str] = set()
    for i in range(count):
        kind = kinds[i % len(kinds)]
        code = demo_code(rng)
        while code in codes:
            code = demo_code(rng)
        codes.add(code)
        word = _WORDS[i % len(_WORDS)] + ("" if i < len(_WORDS) else _WORDS[(i * 7) % len(_WORDS)])
        township = rng.choice(TOWNSHIPS)
        key = kind in ("production", "chemical", "storage", "trading-storage") and rng.random() < 0.6
        sources = []
        if key:
            sources = [MajorHazardSource(name=f"{rng.choice(_CHEMICALS)}罐区", grade=rng.choice(["一级", "二级", "三级", "四级"]))]
        person = rng.choice(_SURNAMES) + rng.choice(_GIVEN)
        result.append(
            Enterprise(
                code=code,
                name=f"（演示）{COUNTY}{word}{_SUFFIX[kind]}",
                address=f"{COUNTY}{township}{rng.choice(_ROADS)}{rng.randint(1, 399)}号",
                kind=kind,
                industry=_INDUSTRY.get(kind, "危险化学品批发"),
                township=township,
                legal_representative=person,
                contact_name=rng.choice(_SURNAMES) + rng.choice(_GIVEN),
                contact_phone=f"0000-{rng.randint(1000000, 9999999)}",
                licences=[{"kind": "安全生产许可证" if kind in ("production", "chemical", "pharmaceutical") else "危险化学品经营许可证",
                           "number": f"（青）WH安许证字〔2025〕{rng.randint(100, 999)}", "valid_until": f"{rng.randint(2026, 2028)}-12-31"}],
                major_hazard_sources=sources,
                key_processes=rng.sample(_PROCESSES, rng.randint(1, 2)) if key and kind in ("production", "chemical", "pharmaceutical") else [],
                key_chemicals=rng.sample(_CHEMICALS, rng.randint(1, 2)) if key else [],
            )
        )
    return result


DEMO_OFFICERS = [
    {"name": "李明（演示）", "cert": "DEMO-0001"},
    {"name": "王芳（演示）", "cert": "DEMO-0002"},
]
DEMO_PASSPHRASE = "demo"
# The fictional county's settings, so that demo documents print at once.
DEMO_COUNTY = {
    "county_name": "青禾县", "bureau_name": "青禾县应急管理局", "short_name": "青",
    "seal_text": "青禾县应急管理局", "reconsideration_body": "青禾县人民政府", "court": "青禾县人民法院",
}


def demo_question_bank(major_hazard_catalogue):
    """A small demo bank drawn only from the text of the 2017 standard itself (which numbered
    situation is this?), so that nothing in it is invented; a county imports its province's bank."""
    from .domain.quiz import Question, QuestionBank

    rng = random.Random(17)
    numbers = list(range(1, len(major_hazard_catalogue.items) + 1))
    questions = []
    for item in major_hazard_catalogue.items:
        choices = sorted(rng.sample([n for n in numbers if n != item.seq], 3) + [item.seq])
        letters = "ABCD"
        questions.append(Question(
            id=f"demo-mh-{item.seq}",
            text=f"下列情形是《{major_hazard_catalogue.title}》所列第几种重大事故隐患？「{item.content}」",
            options=tuple(f"{letters[i]}. 第{n}项" for i, n in enumerate(choices)),
            answer=letters[choices.index(item.seq)],
            roles=(),
            source=f"{major_hazard_catalogue.title} 第{item.seq}项（演示题，据标准原文编制）",
        ))
    return QuestionBank("demo-major-hazards", "1", "（演示）重大事故隐患判定标准题库",
                        "演示用，据 checklists/major-hazard-criteria-2017.toml 原文编制；正式使用请导入省级题库",
                        tuple(questions))
