"""The check-in screens speak plain French: one person is "Présent·e", counts agree, times have no seconds."""

import html
import re

from checkin.scan import scan_strings
from core.i18n import language
from tests.factories.checkin import device, rally_under_way, scan
from tests.support import device_headers, login, post
from tests.test_checkin import pdf_text


async def test_one_person_checked_in_reads_present_on_the_attendance_page_and_sheet(client):
    r = await rally_under_way(3)
    headers = device_headers(await device(r))
    await post(client, "/api/checkin/redeem", scan(r.youths[0]["token"], r.session_list), headers)
    await login(client, r.staff.email)

    page = html.unescape((await client.get(f"/events/{r.event.id}/checkin/lists/{r.session_list}")).text)
    assert "Présent·es : 1 sur 3 attendu·es · en retard : 0 · excusé·es : 0 · absent·es : 0" in page
    assert "selected>Présent·e</option>" in page
    assert "Présents" not in page

    text = pdf_text((await client.get(f"/events/{r.event.id}/checkin/lists/{r.session_list}/sheet.pdf")).content)
    row = next(line for line in text.splitlines() if "BENALI Inès0" in line)
    assert "Présent·e" in row and "Présents" not in text
    assert re.search(r"\b\d\d:\d\d\b", row) and not re.search(r"\d\d:\d\d:\d\d", row)  # 09:30, not 09:30:00


def test_the_scan_counter_agrees_with_the_number_of_people():
    with language("fr"):
        words = scan_strings()
    assert words["present_count_one"] % {"present": 1, "expected": 8} == "1 présent·e sur 8"
    assert words["present_count_many"] % {"present": 3, "expected": 8} == "3 présent·es sur 8"
