"""The demo school's people: 18 classes, about 30 teachers, 20 pupils a class, and their guardians.

Pure data (no database): the builder inserts these and links them by card number.
"""
from __future__ import annotations

import random
from dataclasses import dataclass, field

from core.demo import users
from core.demo.names import SURNAMES, adult_name, child_given_name
from core.models import ReaderType

SEED = 31
GRADES = range(1, 10)
CLASSES_PER_GRADE = 2
PUPILS_PER_CLASS = 20
TEACHER_COUNT = 30
SIBLING_PAIRS = 24  # families with two children in different classes
TWO_PARENT_SHARE = 0.35  # pupils with both parents registered
GRADE_NAMES = "一 二 三 四 五 六 七 八 九".split()


@dataclass
class ReaderSpec:
    card_no: str
    name: str
    reader_type: ReaderType
    class_name: str | None = None
    is_librarian: bool = False
    phone: str = ""


@dataclass
class ClassSpec:
    name: str
    grade: int
    teacher_card: str


@dataclass
class GuardianSpec:
    name: str
    phone: str
    children: list[tuple[str, str]] = field(default_factory=list)  # (student card, relation)


@dataclass
class School:
    classes: list[ClassSpec]
    readers: list[ReaderSpec]
    guardians: list[GuardianSpec]

    def students_of(self, class_name: str) -> list[ReaderSpec]:
        return [r for r in self.readers if r.class_name == class_name]


def class_name(grade: int, number: int) -> str:
    return f"{GRADE_NAMES[grade - 1]}年级{number}班"


def _phone(n: int) -> str:
    return f"139{n:08d}"


def _teachers(rng: random.Random) -> list[ReaderSpec]:
    fixed = {users.TEACHER_CARD: users.TEACHER_NAME, users.HEADTEACHER_CARD: users.HEADTEACHER_NAME}
    teachers, used = [], set(fixed.values())
    for n in range(1, TEACHER_COUNT + 1):
        card = f"T{n:04d}"
        name = fixed.get(card)
        while name is None or (card not in fixed and name in used):
            name = adult_name(rng)
        used.add(name)
        teachers.append(ReaderSpec(card, name, ReaderType.TEACHER, phone=_phone(n)))
    return teachers


def _classes(teachers: list[ReaderSpec]) -> list[ClassSpec]:
    # T0002 takes 三年级2班; T0001 (the demo teacher) teaches without a class of her own.
    free = [t.card_no for t in teachers if t.card_no not in (users.TEACHER_CARD, users.HEADTEACHER_CARD)]
    classes = []
    for grade in GRADES:
        for number in range(1, CLASSES_PER_GRADE + 1):
            name = class_name(grade, number)
            teacher = users.HEADTEACHER_CARD if name == users.DEMO_CLASS else free.pop(0)
            classes.append(ClassSpec(name, grade, teacher))
    return classes


def _pupils(rng: random.Random, classes: list[ClassSpec]) -> tuple[list[ReaderSpec], list[str]]:
    """Pupils and their family surnames (parallel lists)."""
    fixed = {users.DEMO_STUDENT_CARD: users.DEMO_STUDENT_NAME, users.DEMO_SIBLING_CARD: users.DEMO_SIBLING_NAME}
    pupils, surnames = [], []
    for school_class in classes:
        number = school_class.name[-2]
        names: set[str] = set()
        for seq in range(1, PUPILS_PER_CLASS + 1):
            card = f"S{school_class.grade}{int(number):02d}{seq:02d}"
            name = fixed.get(card, "")
            while not name or name in names:
                name = rng.choice(SURNAMES) + child_given_name(rng)
            names.add(name)
            pupils.append(ReaderSpec(card, name, ReaderType.STUDENT, class_name=school_class.name))
            surnames.append(name[0])
    return pupils, surnames


def _guardians(rng: random.Random, pupils: list[ReaderSpec]) -> list[GuardianSpec]:
    """One or two parents per family; SIBLING_PAIRS families have two children in different classes."""
    by_card = {p.card_no: p for p in pupils}
    sibling_of = {users.DEMO_STUDENT_CARD: users.DEMO_SIBLING_CARD}
    taken = {users.DEMO_STUDENT_CARD, users.DEMO_SIBLING_CARD}
    candidates = [p for p in pupils if p.card_no not in taken]
    rng.shuffle(candidates)
    while len(sibling_of) < SIBLING_PAIRS and len(candidates) >= 2:
        first = candidates.pop()
        second = next((c for c in candidates if c.class_name != first.class_name
                       and c.name[0] == first.name[0]), None)
        if second is None:
            continue
        candidates.remove(second)
        sibling_of[first.card_no] = second.card_no
    has_elder = set(sibling_of.values())
    guardians: list[GuardianSpec] = []
    for pupil in pupils:
        if pupil.card_no in has_elder:
            continue
        children = [pupil.card_no] + ([sibling_of[pupil.card_no]] if pupil.card_no in sibling_of else [])
        guardians.extend(_family(rng, pupil, children, by_card, family=len(guardians)))
    return guardians


def _family(rng: random.Random, pupil: ReaderSpec, children: list[str], by_card: dict[str, ReaderSpec],
            family: int) -> list[GuardianSpec]:
    """The parents of one family; `family` only makes their phone numbers unique."""
    if pupil.card_no == users.DEMO_STUDENT_CARD:
        mother = GuardianSpec(users.DEMO_PARENT_NAME, users.DEMO_PARENT_PHONE, [(c, "妈妈") for c in children])
        father = GuardianSpec(users.DEMO_OTHER_PARENT_NAME, _phone(90000 + 2 * family), [(c, "爸爸") for c in children])
        return [mother, father]
    surname = by_card[children[0]].name[0]
    father = GuardianSpec(adult_name(rng, surname, female=False), _phone(10000 + 2 * family),
                          [(c, "爸爸") for c in children])
    mother = GuardianSpec(adult_name(rng, female=True), _phone(10001 + 2 * family), [(c, "妈妈") for c in children])
    if rng.random() < TWO_PARENT_SHARE:
        return [father, mother]
    return [rng.choice((father, mother))]


def demo_school(seed: int = SEED) -> School:
    """The whole roster, identical on every call."""
    rng = random.Random(seed)
    teachers = _teachers(rng)
    classes = _classes(teachers)
    pupils, _ = _pupils(rng, classes)
    librarian = ReaderSpec(users.LIBRARIAN_CARD, users.LIBRARIAN_NAME, ReaderType.STAFF, is_librarian=True,
                           phone=_phone(99))
    return School(classes, teachers + [librarian] + pupils, _guardians(rng, pupils))
