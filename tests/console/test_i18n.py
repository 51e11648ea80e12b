"""The console's and the quality report's words: every key in both languages, the same
values to fill in, and a word for every code the page shows (roles, statuses, verdicts,
alarm kinds, readiness problems, runbook steps)."""

from __future__ import annotations

import re
import string

from hnth_drivers.cascade.watchdog import EventKind
from hnth_drivers.console.i18n import (
    LANGS,
    Msg,
    Word,
    english_texts,
    labels,
    message,
    messages,
    role_name,
)
from hnth_drivers.meeting.definition import MeetingKind
from hnth_drivers.meeting.readiness import Problem
from hnth_drivers.meeting.report_html import WORDS as REPORT_WORDS
from hnth_drivers.meeting.state import DeadlineStatus, RunStatus, StepStatus
from hnth_drivers.meeting.steps import AD_HOC, PLANNED
from hnth_drivers.security.access import Role


def _fields(text: str) -> set[str]:
    return {f for _, f, _, _ in string.Formatter().parse(text) if f}


def test_every_word_and_message_is_in_both_languages_with_the_same_values() -> None:
    assert LANGS == ("en", "vi")
    for table in (labels, messages):
        en, vi = table("en"), table("vi")
        assert en.keys() == vi.keys()
        for key in en:
            assert en[key].strip() and vi[key].strip(), key
            assert _fields(en[key]) == _fields(vi[key]), key
    for key, (en_text, vi_text) in REPORT_WORDS.items():
        assert en_text.strip() and vi_text.strip(), key
        assert _fields(en_text) == _fields(vi_text), key


def test_every_code_the_page_shows_has_its_words() -> None:
    words = labels("vi")
    codes = ([f"role_{r.value}" for r in Role] + [f"st_{s.value}" for s in StepStatus]
             + [f"v_{d.value}" for d in DeadlineStatus] + [f"run_{s.value}" for s in RunStatus]
             + [f"kind_{k.value}" for k in MeetingKind] + [f"ev_{k.value}" for k in EventKind]
             + [f"ev_{k}" for k in ("mcu_down", "mcu_up", "snmp_down", "snmp_up")]
             + [f"pr_{p.value}" for p in Problem]
             + [f"step_{n}" for n in {*PLANNED.names, *AD_HOC.names}])
    assert [c for c in codes if c not in words] == []
    assert role_name("mcu_technician", "vi") == "kỹ thuật viên MCU"
    assert role_name("mcu_technician", "en") == "MCU technician"


def test_messages_are_filled_in_each_language() -> None:
    refused = Msg("not_asking", {"step": "rehearse", "status": Word("st_done")})
    assert refused.text("en") == "step rehearse is not waiting for a confirmation (it is done)"
    assert refused.text("vi") == "bước rehearse không chờ xác nhận (trạng thái: đã xong)"
    assert message("bad_switch", "vi") == 'yêu cầu sai định dạng: cần {"site": "<mã điểm cầu>"}'
    assert message("too_large", "fr", n=5) == "request body over 5 bytes"  # unknown: English


def test_the_english_list_holds_the_words_a_vietnamese_page_must_not_show() -> None:
    english = english_texts()
    assert "Show on the chair's screen" in english and "wrong name or password" in english
    assert "MCU" not in english and "camera" not in english  # the same in both
    assert all("{" not in t for t in english)
    assert not any(re.search(r"[ăâđêôơưạảấầẩẫậắằẳẵặẹẻẽếềểễệịỉĩọỏốồổỗộớờởỡợụủứừửữựỳỷỹý]", t)
                   for t in english)
