"""The librarian's words for class collections (集体借阅/班级图书角/漂流), shared by the CLI and the console.

Plain Chinese lines from core results (core/circulation/collections.py); refusals use the desk's
own wording (core/desk_words.py), so a copy refused in a batch reads as it would at the desk.
"""
from __future__ import annotations

from core import desk_words as words
from core.circulation.collections import BarcodeOutcome, ClassBatch, ClassCollection, CollectionMoved
from core.circulation.results import LoanCreated, LoanReturned

BUSY_MOVE = "这个班的书正在另一台电脑上处理，什么都没有改，请稍等再试一次。"


DUPLICATE = "重复扫描，已忽略"


def _line(outcome: BarcodeOutcome, action: str, *, money: bool) -> str:
    if outcome.duplicate:
        return f"· {outcome.barcode} {DUPLICATE}"
    if outcome.failed is not None:
        return f"✗ {outcome.barcode} 这本书正在另一台电脑上处理，这次没有改动，请再扫一次。"
    if outcome.refused is not None:
        return f"✗ {outcome.barcode} {words.refusal(action, outcome.refused, money=money)}"
    done = outcome.done
    if isinstance(done, LoanCreated):
        return f"✓ {done.barcode}《{done.title}》借出，{words.day(done.due_date)}前归还"
    assert isinstance(done, LoanReturned)
    first, *rest = words.returned(done, money=money)
    return " ".join([f"{done.barcode} {first}", *rest])


def _repeats(batch: ClassBatch) -> str:
    return f"，{batch.duplicates}本重复扫描已忽略" if batch.duplicates else ""


def lent(batch: ClassBatch, *, money: bool = True) -> list[str]:
    """Head line (who, how many lent and refused), then one line per barcode in the order scanned."""
    assert batch.borrower is not None
    who = f"{batch.borrower.class_name}班级图书角（{batch.borrower.card_no}）"
    tail = f"，{batch.refused}本没有借出（见下）" if batch.refused else ""
    return [f"{who}：借出{batch.done}本{tail}{_repeats(batch)}。"] + [_line(o, "checkout", money=money) for o in batch.outcomes]


def returned(batch: ClassBatch, *, money: bool = True) -> list[str]:
    """Head line, then one line per barcode; a class with nothing out says so."""
    who = f"{batch.borrower.class_name}班级图书角" if batch.borrower is not None else "集体归还"
    if not batch.outcomes:
        return [f"{who}：现在没有借着的书。"]
    tail = f"，{batch.refused}本没有归还（见下）" if batch.refused else ""
    return [f"{who}：归还{batch.done}本{tail}{_repeats(batch)}。"] + [_line(o, "checkin", money=money) for o in batch.outcomes]


def moved(result: CollectionMoved) -> str:
    """✓ 三年级2班的12本书已转到三年级3班（漂流），还书日不变。"""
    if not result.barcodes:
        return f"{result.source.class_name}现在没有集体借阅的书，没有可转的。"
    return (f"✓ {result.source.class_name}的{len(result.barcodes)}本书已转到{result.target.class_name}（漂流），"
            "还书日不变；两个班的借阅记录都保留。")


def holdings(collection: ClassCollection, limit: int) -> list[str]:
    """What a class holds: head line, then one line per copy."""
    if not collection.loans:
        return [f"{collection.class_name}现在没有集体借阅的书（上限{limit}本）。"]
    head = (f"{collection.class_name}班级图书角（{collection.card_no}）共{len(collection.loans)}本（上限{limit}本），"
            f"{words.day(collection.due_date)}前归还：")
    return [head] + [f"  {loan.barcode}《{loan.title}》{words.day(loan.due_date)}"
                     + ("（已催还）" if loan.recalled else "") for loan in collection.loans]
