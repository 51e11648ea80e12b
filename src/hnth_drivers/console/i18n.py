"""The console's words in English and Vietnamese.

The language comes from ``?lang=vi|en`` (kept in a cookie), else the browser's
``Accept-Language``, else English. The page's script gets its own words in a ``<meta>``
tag (JSON), so no inline script is needed.
"""

from __future__ import annotations

__all__ = ["LANGS", "labels", "pick"]

LANGS = ("en", "vi")

_WORDS: dict[str, tuple[str, str]] = {
    # key: (English, Vietnamese)
    "title": ("HNTH operator console", "Bảng điều khiển hội nghị truyền hình HNTH"),
    "log_in": ("Log in", "Đăng nhập"),
    "operator": ("Operator", "Người vận hành"),
    "password": ("Password", "Mật khẩu"),
    "log_out": ("Log out", "Đăng xuất"),
    "cascade": ("Cascade", "Sơ đồ phân tầng"),
    "master": ("Master MCU", "MCU chủ"),
    "chair": ("chair", "điểm chủ trì"),
    "find": ("Find a site", "Tìm điểm cầu"),
    "find_hint": ("e.g. xa 12 hai phong", "ví dụ: xa 12 hai phong"),
    "chair_screen": ("Chair's screen", "Màn hình chủ trì"),
    "alarms": ("Alarms", "Cảnh báo"),
    "rooms": ("Rooms and camera presets", "Phòng họp và vị trí đặt sẵn của camera"),
    "readiness": ("Readiness", "Mức sẵn sàng"),
    "check_readiness": ("Check readiness", "Kiểm tra sẵn sàng"),
    "summary_form": ("Summary form", "Mẫu tổng hợp thông tin"),
    "connected": ("connected", "đã kết nối"),
    "down": ("down", "mất kết nối"),
    "area": ("area", "khu vực"),
    "all_areas": ("all areas", "toàn quốc"),
    "runbook": ("Runbook", "Quy trình"),
    # the script's words
    "step": ("step", "bước"), "status": ("status", "trạng thái"),
    "deadline": ("deadline", "hạn"), "verdict": ("verdict", "đánh giá"),
    "show": ("Show on the chair's screen", "Hiển thị lên màn hình chủ trì"),
    "switching": ("Switching…", "Đang chuyển…"),
    "left": ("s left of 30 s", "giây còn lại trên 30 giây"),
    "confirmed": ("Confirmed on the chair's screen in", "Đã xác nhận trên màn hình chủ trì sau"),
    "seconds": ("s", "giây"),
    "hop": ("hop", "chặng"),
    "hops": ("hops", "chặng"),
    "not_confirmed": ("Not confirmed: ", "Chưa xác nhận: "),
    "no_answer": ("No answer from the console: ", "Bảng điều khiển không trả lời: "),
    "no_site": ("no site found", "không tìm thấy điểm cầu"),
    "mcu_down": ("DOWN", "MẤT KẾT NỐI"),
    "checking": ("checking every site…", "đang kiểm tra mọi điểm cầu…"),
    "all_ready": ("READY", "SẴN SÀNG"),
    "not_all_ready": ("NOT READY", "CHƯA SẴN SÀNG"),
    "n_ready": ("ready", "sẵn sàng"),
    "n_degraded": ("degraded", "suy giảm"),
    "n_not_ready": ("not ready", "chưa sẵn sàng"),
    "of_sites": ("of {n} sites", "trên {n} điểm cầu"),
    "more": ("more in the download", "điểm cầu khác trong tệp tải về"),
    "camera": ("camera", "camera"),
    "recalled": ("preset {p} recalled in {ms} ms", "đã gọi vị trí {p} sau {ms} ms"),
    "no_rooms": ("no room with a camera in your area",
                 "không có phòng họp có camera trong khu vực"),
}


def labels(lang: str) -> dict[str, str]:
    """Every word of the console in ``lang`` (``en`` or ``vi``)."""
    index = LANGS.index(lang) if lang in LANGS else 0
    return {key: pair[index] for key, pair in _WORDS.items()}


def pick(query: str | None, cookie: str | None, accept_language: str | None) -> str:
    """The language to use: the query's, the cookie's, the browser's first, English."""
    for choice in (query, cookie):
        if choice in LANGS:
            return choice
    first = (accept_language or "").split(",")[0].strip().lower()
    return "vi" if first.startswith("vi") else "en"
