"""core.catalogue_admin on a real database: barcode patterns and proposals, adding copies, status changes,
bulk tags, the search index catching up with a change, the [catalogue] setting checked at start-up."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from core.catalogue import catalogue_version
from core.catalogue_admin.barcodes import BarcodePattern, highest_number, read_barcodes, suggest_barcodes
from core.catalogue_admin.detail import TitleFields
from core.catalogue_admin.editing import AddCopies, add_copies
from core.catalogue_admin.errors import CatalogueError
from core.catalogue_admin.forms import CopyFields, read_copy, read_grades
from core.catalogue_admin.status import ChangeCopyStatus, StatusChange, change_copy_status
from core.catalogue_admin.tagging import TagTitles, apply_tags, preview_tags
from core.clc import child_key, class_name, is_clc_prefix, normalise_clc
from core.library import Library
from core.models import Item, ItemStatus, ItemType, Title
from core.search import CatalogueSearch
from core.settings import SettingsError, load_settings
from tests.factories import add_title

COPY = CopyFields("I287.45/C1", "二楼", ItemType.GENERAL, 2500, "采购", "", "", "")


def _fields(title: str, isbn: str | None = None, clc: str = "") -> TitleFields:
    return TitleFields(isbn, title, "作者", "", None, clc, "", "", None, None, "")


def test_barcode_pattern_reads_prefix_and_digits_and_refuses_nonsense() -> None:
    pattern = BarcodePattern.parse("ts-#####")
    assert (pattern.prefix, pattern.digits) == ("TS-", 5)
    assert pattern.format(42) == "TS-00042" and pattern.number("TS-00042") == 42
    assert pattern.number("TS-0042") is None and pattern.number("XS-00042") is None
    with pytest.raises(ValueError):
        pattern.format(100_000)
    for bad in ("B", "B##", "#B###", "B###X", "书###"):
        with pytest.raises(SettingsError, match="barcode_pattern"):
            BarcodePattern.parse(bad)


def test_a_bad_barcode_pattern_stops_the_server_at_start_up() -> None:
    assert load_settings(environ={"SHUXIANG_CATALOGUE_BARCODE_PATTERN": "LIB#####"}).catalogue.barcode_pattern
    with pytest.raises(SettingsError, match=r"\[catalogue\] barcode_pattern"):
        load_settings(environ={"SHUXIANG_CATALOGUE_BARCODE_PATTERN": "LIB"})


def test_proposed_barcodes_follow_the_highest_of_the_pattern(library: Library) -> None:
    pattern = BarcodePattern.parse("B#######")
    assert suggest_barcodes(library, pattern, 2) == ["B0000001", "B0000002"]
    add_copies(library, AddCopies(_fields("甲"), COPY, ("B0000041", "B0000007", "B00000999", "BX000050", "C9999999")))
    with library.read_uow() as uow:
        assert highest_number(uow.session, pattern) == 41  # other lengths and shapes do not count
    assert suggest_barcodes(library, pattern, 3) == ["B0000042", "B0000043", "B0000044"]
    full = BarcodePattern.parse("Z###")
    add_copies(library, AddCopies(_fields("乙"), COPY, ("Z998",)))
    assert suggest_barcodes(library, full, 5) == ["Z999"]  # the pattern is full: the librarian types the rest
    assert read_barcodes(" b1, b2，b3\nb4 ") == ["B1", "B2", "B3", "B4"]


def test_add_copies_goes_to_the_existing_isbn_and_refuses_used_barcodes(library: Library) -> None:
    first = add_copies(library, AddCopies(_fields("草房子", "9787020024759"), COPY, ("N1", "N2")))
    assert first.new_title
    version = _version(library)
    again = add_copies(library, AddCopies(_fields("别的名字", "9787020024759"), COPY, ("N3",)))
    assert (again.title_id, again.new_title, again.title) == (first.title_id, False, "草房子")
    assert _version(library) == version + 1
    with pytest.raises(CatalogueError, match="条码 N2 已经用过了") as refused:
        add_copies(library, AddCopies(_fields("新书"), COPY, ("N9", "N2")))
    assert refused.value.field == "barcodes"
    with pytest.raises(CatalogueError, match="登录号填了1个"):
        add_copies(library, AddCopies(_fields("新书"), COPY, ("N8", "N9"), accession_numbers=("A1",)))
    with library.read_uow() as uow:
        assert uow.session.scalar(select(func.count()).select_from(Title)) == 1
        assert uow.session.scalar(select(func.count()).select_from(Item)) == 3
    assert _version(library) == version + 1  # refusals write nothing


def _version(library: Library) -> int:
    with library.read_uow() as uow:
        return catalogue_version(uow.session)


def test_forms_read_prices_in_yuan_sources_and_grades() -> None:
    copy = read_copy({"price": "¥18.50", "source": "捐赠（家委会）", "item_type": "reference"})
    assert (copy.price_fen, copy.source, copy.donor, copy.item_type) == (1850, "捐赠", "家委会", ItemType.REFERENCE)
    assert read_grades("3-5") == (3, 5) and read_grades("初中") == (7, 9) and read_grades("") == (None, None)
    with pytest.raises(CatalogueError) as bad:
        read_copy({"item_type": "magazine"})
    assert bad.value.field == "item_type"


def test_a_call_number_keeps_what_was_typed_but_its_class_letters() -> None:
    """Newcomer: "I775.45 M123 v.1" was saved as "I775.45 M123 V.1"; only the 中图法 letters are upper-cased."""
    assert read_copy({"call_number": "I775.45 M123 v.1"}).call_number == "I775.45 M123 v.1"
    assert read_copy({"call_number": "tp311.1/m123  v.2"}).call_number == "TP311.1/m123 v.2"
    assert read_copy({"call_number": "ｉ２８７．４５／Ｃ９"}).call_number == "I287.45/C9"  # full-width → ASCII
    assert read_copy({"call_number": " 索 123 "}).call_number == "索 123"


def test_clc_levels() -> None:
    assert normalise_clc(" ｉ２８７．４５ ") == "I287.45"
    assert child_key("I28", "I287.45") == "I287" and child_key("I287", "I287.45") == "I287.4"
    assert child_key("O1", "O1-49") == "O1-4" and child_key("I287.45", "I287.45") == "I287.45"
    assert is_clc_prefix("TP31") and not is_clc_prefix("W1") and not is_clc_prefix("1I")
    assert class_name("Q96") == "生物科学"


def test_status_change_of_a_lent_copy_says_to_use_the_desk(lib: Library) -> None:
    from core.circulation import CheckoutItem, checkout
    from tests.factories import add_reader

    title_id, barcodes = add_title(lib, copies=2)
    _, card = add_reader(lib)
    checkout(lib, CheckoutItem(card, barcodes[0]))
    with lib.read_uow() as uow:
        lent, shelf = uow.session.scalars(select(Item.id).where(Item.title_id == title_id).order_by(Item.barcode))
    with pytest.raises(CatalogueError, match="借还台"):
        change_copy_status(lib, ChangeCopyStatus(lent, StatusChange.WITHDRAW, "旧"))
    version = _version(lib)
    done = change_copy_status(lib, ChangeCopyStatus(shelf, StatusChange.REPAIR, "脱页"))
    assert done.status == ItemStatus.IN_REPAIR and _version(lib) > version


def test_bulk_tags_preview_then_apply_once(library: Library) -> None:
    for name, clc in (("甲", "I287.45"), ("乙", "I287.7"), ("丙", "Q96")):
        add_copies(library, AddCopies(_fields(name, clc=clc), COPY, (f"T-{name}",)))
    cmd = TagTitles(clc_prefix="i287", min_grade=3, max_grade=4, subjects="童话 童话")
    assert preview_tags(library, cmd).count == 2
    assert apply_tags(library, cmd) == 2 and apply_tags(library, cmd) == 0
    with library.read_uow() as uow:
        assert {t.title: t.subjects for t in uow.session.scalars(select(Title))} == {"甲": "童话", "乙": "童话",
                                                                                     "丙": ""}
    with pytest.raises(CatalogueError, match="年级或主题词"):
        preview_tags(library, TagTitles(clc_prefix="I"))
    with pytest.raises(CatalogueError, match="中图法"):
        preview_tags(library, TagTitles(clc_prefix="123", subjects="x"))


def test_search_catches_up_with_a_change_made_a_moment_ago(library: Library) -> None:
    add_title(library, "城南旧事", "林海音")
    search = CatalogueSearch(library.read_session_factory, recheck_seconds=3600)  # the bot's lazy re-check
    assert search.search("城南旧事").hits
    add_copies(library, AddCopies(_fields("青铜葵花"), COPY, ("Q1",)))
    assert not search.search("青铜葵花").hits  # the bot's check waits for recheck_seconds
    assert search.catch_up()
    assert [hit.title for hit in search.search("青铜葵花").hits] == ["青铜葵花"]
