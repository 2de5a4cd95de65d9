"""A badge's name stays beside its QR code, whole and inside the badge, however long it is."""

from weasyprint import CSS, HTML
from weasyprint.formatting_structure import boxes

from checkin import tickets
from core.pdf import _stylesheet_text

LONG_FIRST = "Marie-Christine-Alexandrine"
LONG_LAST = "Bouchard-Vandenberghe-Montmorency"


def _layout(rows):
    html = tickets.badges_html("Rallye pour l'emploi", rows)
    return HTML(string=html).render(stylesheets=[CSS(string=_stylesheet_text())])


def _of_class(box, name):
    return [b for b in box.descendants() if b.element is not None and b.element.get("class") == name]


def test_a_very_long_name_fits_beside_the_qr_code_whole_and_inside_the_badge():
    rows = [
        {"id": 1, "ticket_token": "tok-" + "a" * 20, "first_name": LONG_FIRST, "last_name": LONG_LAST, "team": 3},
        {"id": 2, "ticket_token": "tok-" + "b" * 20, "first_name": "Inès", "last_name": "Benali", "team": 3},
    ]
    page = _layout(rows).pages[0]._page_box
    badges = [b for b in _of_class(page, "badge") if isinstance(b, boxes.BlockContainerBox)]
    assert len(badges) == 2
    for badge, row in zip(badges, rows, strict=True):
        qr = next(b for b in badge.descendants() if b.element is not None and b.element.tag == "img")
        name = next(b for b in _of_class(badge, "name") if isinstance(b, boxes.BlockBox))
        texts = [t for t in name.descendants() if isinstance(t, boxes.TextBox)]
        # Whole: every letter is laid out (nothing cut off).
        laid_out = "".join(t.text for t in texts).replace(" ", "").replace("\u00ad", "")
        assert laid_out == (row["first_name"] + row["last_name"]).replace(" ", "")
        bottom = badge.position_y + badge.margin_height()
        for t in texts:
            assert t.position_x + t.width <= qr.position_x + 0.01, (t.text, "runs into the QR code")
            assert t.position_y + t.height <= bottom, (t.text, "falls out of the badge")
    # The short name keeps the full size; the long one is smaller.
    assert tickets.name_size(rows[1]) == 15.0 and tickets.name_size(rows[0]) < 15.0
