"""偷窃赔偿: a reader caught taking a copy pays a multiple of its price (以书价的10倍, [policy] theft_multiple)."""
from __future__ import annotations

from core.circulation.commands import ChargeTheft
from core.circulation.lookups import audit, item_by_barcode, reader_by_card
from core.circulation.results import TheftCharged, TheftPreview
from core.errors import Reason, Refused
from core.library import Library
from core.models import Charge, ChargeKind
from core.policy import MAX_THEFT_MULTIPLE

MAX_THEFT_PRICE_FEN = 100000  # 1000元: a school library's book above that is a typo (书价太高，请核对)


def _price(item_price_fen: int | None, cmd: ChargeTheft, title: str, barcode: str) -> int:
    """The price the charge multiplies: the copy's, else the one given; Refused when none or too high."""
    price = item_price_fen or cmd.price_fen or 0
    if price <= 0:
        raise Refused(Reason.NO_PRICE, title=title, barcode=barcode)
    if price > MAX_THEFT_PRICE_FEN:
        raise Refused(Reason.PRICE_TOO_HIGH, title=title, barcode=barcode, price_fen=price,
                      max_price_fen=MAX_THEFT_PRICE_FEN)
    return price


def preview_theft(library: Library, cmd: ChargeTheft) -> TheftPreview:
    """What charge_theft would charge, without charging (the console asks the librarian to confirm the
    amount first); raises the same refusals."""
    multiple = library.policy.theft_multiple
    with library.read_uow() as uow:
        reader = reader_by_card(uow.session, cmd.card_no)
        item = item_by_barcode(uow.session, cmd.barcode)
        price = _price(item.price_fen, cmd, item.title.title, item.barcode)
        return TheftPreview(reader.name, item.title.title, item.barcode, price, multiple, price * multiple)


def charge_theft(library: Library, cmd: ChargeTheft) -> TheftCharged:
    """Charge the reader `theft_multiple` × the copy's price, audited; the copy's status is left as it is.

    Raises Refused(READER_NOT_FOUND/CARD_LOST, ITEM_NOT_FOUND) for the card and barcode, and
    Refused(NO_PRICE) when the copy has no price and the command gives none, Refused(PRICE_TOO_HIGH) for
    a price above MAX_THEFT_PRICE_FEN (so price × multiple always fits the charge's integer column).
    """
    if cmd.price_fen is not None and cmd.price_fen <= 0:
        raise ValueError("a price must be positive")
    now = library.now()
    multiple = library.policy.theft_multiple
    if not 1 <= multiple <= MAX_THEFT_MULTIPLE:
        raise ValueError(f"[policy] theft_multiple must be from 1 to {MAX_THEFT_MULTIPLE}")
    with library.uow() as uow:
        session = uow.session
        reader = reader_by_card(session, cmd.card_no, lock=True)
        item = item_by_barcode(session, cmd.barcode)
        price = _price(item.price_fen, cmd, item.title.title, item.barcode)
        amount = price * multiple
        note = f"书价{price // 100}.{price % 100:02d}元×{multiple}" + (f"；{cmd.note.strip()}" if cmd.note.strip() else "")
        charge = Charge(reader_id=reader.id, item_id=item.id, kind=ChargeKind.THEFT, amount_fen=amount,
                        note=note[:200], created_at=now)
        session.add(charge)
        session.flush()
        audit(session, now, "theft", cmd.actor, reader_id=reader.id, item_id=item.id, charge_id=charge.id,
              price_fen=price, multiple=multiple, amount_fen=amount, note=cmd.note.strip())
        result = TheftCharged(charge.id, reader.id, reader.name, item.title.title, item.barcode, price, multiple,
                              amount)
        uow.commit()
        return result
