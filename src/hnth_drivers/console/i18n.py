"""The console's words in English and Vietnamese: the page's, its script's, and the
server's messages (errors, refusals, verdicts).

The language comes from ``?lang=vi|en`` (kept in a cookie), else the browser's
``Accept-Language``, else English. The page's script gets its own words in a ``<meta>``
tag (JSON), so no inline script is needed. A server message is a :class:`Msg` (a key of
:data:`_MESSAGES` and its values), rendered in the page's language for the operator and
in English for the audit log.
"""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = ["LANGS", "Msg", "Word", "english_texts", "labels", "message", "messages", "pick",
           "role_name"]

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
    "superseded": ("Not run: a later request for {site} replaced it",
                   "Không thực hiện: đã được thay bằng yêu cầu sau cho {site}"),
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
    # the switch trace
    "th_phase": ("phase", "giai đoạn"), "th_mcu": ("MCU", "MCU"),
    "th_call": ("call", "lệnh gọi"), "th_at": ("at (ms)", "bắt đầu (ms)"),
    "th_ms": ("took (ms)", "thời gian (ms)"), "th_result": ("result", "kết quả"),
    "phase_act": ("act", "thực hiện"), "phase_confirm": ("confirm", "xác nhận"),
    "call_ok": ("ok", "đạt"),
    # the runbook
    "st_pending": ("not started", "chưa bắt đầu"), "st_started": ("in progress", "đang thực hiện"),
    "st_done": ("done", "đã xong"), "st_failed": ("failed", "thất bại"),
    "st_waiting": ("waiting for an operator", "chờ người vận hành"),
    "v_none": ("no deadline", "không có hạn"), "v_pending": ("not due yet", "chưa đến hạn"),
    "v_met": ("met", "đúng hạn"), "v_warned": ("warned", "sát hạn"),
    "v_missed": ("missed", "trễ hạn"),
    "run_running": ("running", "đang chạy"), "run_waiting": ("waiting", "đang chờ"),
    "run_stopped": ("stopped", "đã dừng"), "run_failed": ("failed", "thất bại"),
    "run_done": ("complete", "hoàn tất"),
    "kind_planned": ("planned meeting", "hội nghị theo kế hoạch"),
    "kind_ad-hoc": ("ad-hoc meeting", "hội nghị đột xuất"),
    "confirm_step": ("Confirm done", "Xác nhận đã xong"),
    "confirmed_by": ("confirmed by {by}: the runner takes it",
                     "{by} đã xác nhận: trình chạy quy trình sẽ tiếp nhận"),
    "step_confirmed": ("step confirmed", "đã xác nhận bước"),
    "quality_report": ("Quality report", "Báo cáo chất lượng"),
    "step_notify_units": ("Process the request and notify the units",
                          "Xử lý yêu cầu và thông báo cho các đơn vị"),
    "step_agree_connection_plan": ("Agree the connection plan with the units",
                                   "Thống nhất phương án kết nối với các đơn vị"),
    "step_rehearse": ("Internal rehearsals and test calls", "Tổng duyệt nội bộ và gọi thử"),
    "step_cascade_slave_mcus": ("Cascade the slave MCUs to the master",
                                "Kết nối phân tầng các MCU nhánh với MCU chủ"),
    "step_chair_test_calls": ("Test calls from the chair to sample sites",
                              "Điểm chủ trì gọi thử tới một số điểm cầu"),
    "step_system_ready": ("Whole system ready", "Toàn hệ thống sẵn sàng"),
    "step_serve_meeting": ("Serve the meeting", "Phục vụ hội nghị"),
    "step_quality_evaluation": ("Quality evaluation report", "Báo cáo đánh giá chất lượng"),
    # the alarm feed
    "ev_dropped": ("dropped", "rớt kết nối"), "ev_redialed": ("redialed", "đã gọi lại"),
    "ev_redial_failed": ("redial failed", "gọi lại không được"),
    "ev_recovered": ("recovered", "đã khôi phục"), "ev_gave_up": ("gave up", "ngừng gọi lại"),
    "ev_master_lost": ("master MCU lost", "mất MCU chủ"),
    "ev_master_back": ("master MCU answering again", "MCU chủ trả lời trở lại"),
    "ev_failover_step": ("failover step", "bước chuyển sang MCU dự phòng"),
    "ev_failed_over": ("failed over to the standby", "đã chuyển sang MCU dự phòng"),
    "ev_failover_failed": ("failover failed", "chuyển sang MCU dự phòng không thành công"),
    "ev_mcu_down": ("MCU not answering", "MCU không trả lời"),
    "ev_mcu_up": ("MCU answering again", "MCU trả lời trở lại"),
    "ev_snmp_down": ("SNMP not answering", "SNMP không trả lời"),
    "ev_snmp_up": ("SNMP answering again", "SNMP trả lời trở lại"),
    # the readiness table's problems (codes of meeting.readiness.Problem)
    "pr_disconnected": ("disconnected", "mất kết nối"),
    "pr_cascade_down": ("cascade path down", "đường cascade đứt"),
    "pr_mcu_error": ("MCU not answering", "MCU không trả lời"),
    "pr_quality": ("poor quality", "chất lượng kém"),
    "pr_mcu_snmp_unreachable": ("MCU not answering SNMP", "MCU không trả lời SNMP"),
    "pr_mcu_interface_down": ("MCU interface down", "cổng mạng MCU hỏng"),
    "pr_codec_unreachable": ("room codec not answering", "thiết bị đầu cuối không trả lời"),
    "pr_camera_unreachable": ("camera not answering", "camera không trả lời"),
    "pr_test_call_failed": ("test call failed", "gọi thử không đạt"),
    # roles (security.access.Role)
    "role_viewer": ("viewer", "người theo dõi"),
    "role_room_operator": ("room operator", "người vận hành phòng họp"),
    "role_mcu_technician": ("MCU technician", "kỹ thuật viên MCU"),
    "role_central_operator": ("central operator", "người vận hành trung tâm"),
}

_MESSAGES: dict[str, tuple[str, str]] = {
    # key: (English, Vietnamese), with {names} filled in
    "not_logged_in": ("not logged in (or the session ended): log in again",
                      "chưa đăng nhập (hoặc phiên đã hết): hãy đăng nhập lại"),
    "forged": ("request from another site refused (forged)",
               "yêu cầu từ trang khác bị từ chối (giả mạo)"),
    "too_large": ("request body over {n} bytes", "nội dung yêu cầu vượt quá {n} byte"),
    "csrf": ("missing or wrong CSRF token: reload the page",
             "thiếu hoặc sai mã CSRF: hãy tải lại trang"),
    "no_request_id": ("missing X-Request-Id header", "thiếu tiêu đề X-Request-Id"),
    "replayed": ("request already handled (replayed): refused",
                 "yêu cầu đã được xử lý (gửi lặp lại): bị từ chối"),
    "login_forged": ("login from another site refused", "đăng nhập từ trang khác bị từ chối"),
    "login_expired": ("login form expired or forged: reload the login page",
                      "biểu mẫu đăng nhập đã hết hạn hoặc bị giả mạo: hãy tải lại trang "
                      "đăng nhập"),
    "locked_for": ("locked: too many failed attempts; try again in {min} min",
                   "đã khóa: quá nhiều lần đăng nhập sai; hãy thử lại sau {min} phút"),
    "locked": ("locked: too many failed attempts", "đã khóa: quá nhiều lần đăng nhập sai"),
    "wrong_password": ("wrong name or password", "sai tên hoặc mật khẩu"),
    "logged_out": ("logged out", "đã đăng xuất"),
    "no_site": ("no site {site} in the network", "không có điểm cầu {site} trong mạng"),
    "outside_area": ("{site} is outside your area", "{site} nằm ngoài khu vực của bạn"),
    "bad_switch": ('malformed request: expected {{"site": "<site id>"}}',
                   'yêu cầu sai định dạng: cần {{"site": "<mã điểm cầu>"}}'),
    "switch_refused": ("refused: {site} is outside your area or role (recorded in the "
                       "audit log)", "bị từ chối: {site} nằm ngoài khu vực hoặc quyền của "
                       "bạn (đã ghi vào nhật ký kiểm tra)"),
    "switch_cannot": ("the switch cannot be made: {error}", "không thể chuyển hình: {error}"),
    "switch_failed": ("the switch could not start: {error}",
                      "không bắt đầu chuyển hình được: {error}"),
    "bad_preset": ('malformed request: expected {{"site": ID, "camera": N, "preset": NAME}}',
                   'yêu cầu sai định dạng: cần {{"site": mã, "camera": số, "preset": tên}}'),
    "no_preset": ("no camera {camera} with preset {preset} in {site}'s room",
                  "phòng họp {site} không có camera {camera} với vị trí {preset}"),
    "preset_refused": ("refused: {site} is outside your area or role (recorded in the "
                       "audit log)", "bị từ chối: {site} nằm ngoài khu vực hoặc quyền của "
                       "bạn (đã ghi vào nhật ký kiểm tra)"),
    "preset_failed": ("the camera did not recall the preset: {error}",
                      "camera không gọi được vị trí đặt sẵn: {error}"),
    "readiness_failed": ("the readiness check failed: {error}",
                         "kiểm tra sẵn sàng thất bại: {error}"),
    "bad_download": ("expected /readiness.csv or /readiness.json, lang vi or en",
                     "cần /readiness.csv hoặc /readiness.json, ngôn ngữ vi hoặc en"),
    "no_readiness": ("no readiness check yet: run one from the console",
                     "chưa có lần kiểm tra sẵn sàng nào: hãy chạy từ bảng điều khiển"),
    "no_runbook": ("no runbook: start the console with --runbook STATE_FILE",
                   "không có quy trình: hãy khởi động bảng điều khiển với --runbook STATE_FILE"),
    "runbook_unreadable": ("the runbook state cannot be read: {error}",
                           "không đọc được trạng thái quy trình: {error}"),
    "bad_confirm": ('malformed request: expected {{"step": "<step name>"}}',
                    'yêu cầu sai định dạng: cần {{"step": "<tên bước>"}}'),
    "no_step": ("no step {step} in this runbook", "quy trình không có bước {step}"),
    "not_asking": ("step {step} is not waiting for a confirmation (it is {status})",
                   "bước {step} không chờ xác nhận (trạng thái: {status})"),
    "already_confirmed": ("step {step} was already confirmed by {by}",
                          "bước {step} đã được {by} xác nhận"),
    "confirm_refused": ("refused: your role or area may not confirm the runbook's steps "
                        "(recorded in the audit log)",
                        "bị từ chối: vai trò hoặc khu vực của bạn không được xác nhận các "
                        "bước của quy trình (đã ghi vào nhật ký kiểm tra)"),
    "no_report": ("no quality report yet: the runbook names no meeting record",
                  "chưa có báo cáo chất lượng: quy trình chưa có biên bản hội nghị"),
    "report_refused": ("refused: the quality report covers the whole network, outside your "
                       "area (recorded in the audit log)",
                       "bị từ chối: báo cáo chất lượng bao gồm toàn mạng, ngoài khu vực của "
                       "bạn (đã ghi vào nhật ký kiểm tra)"),
    "report_failed": ("the quality report cannot be made: {error}",
                      "không lập được báo cáo chất lượng: {error}"),
    "not_found": ("no such page", "không có trang này"),
}


@dataclass(frozen=True, slots=True)
class Word:
    """A word of :data:`_WORDS` inside a message's values (rendered in its language)."""

    key: str


@dataclass(frozen=True, slots=True)
class Msg:
    """A server message: a key of the catalogue and its values."""

    key: str
    values: dict[str, object] = field(default_factory=dict)

    def text(self, lang: str) -> str:
        """The message in ``lang``."""
        return message(self.key, lang, **self.values)


def message(key: str, lang: str, **values: object) -> str:
    """The server message ``key`` in ``lang`` with ``values`` filled in (a :class:`Word`
    value is put in the same language)."""
    index = LANGS.index(lang) if lang in LANGS else 0
    filled = {k: _WORDS[v.key][index] if isinstance(v, Word) else v
              for k, v in values.items()}
    return _MESSAGES[key][index].format(**filled)


def role_name(role: str, lang: str) -> str:
    """A role's name in ``lang`` (``mcu_technician`` → "MCU technician")."""
    pair = _WORDS.get(f"role_{role}")
    return role if pair is None else pair[LANGS.index(lang) if lang in LANGS else 0]


def english_texts() -> list[str]:
    """Every English text of the catalogue that differs from its Vietnamese one (the
    words a Vietnamese page must not show), messages cut at their first value."""
    pairs = [*_WORDS.values(), *_MESSAGES.values()]
    out = {en.split("{")[0].strip(" :(") for en, vi in pairs if en != vi}
    return sorted(t for t in out if len(t) > 2)


def messages(lang: str) -> dict[str, str]:
    """Every server message in ``lang``, unfilled (for the test of completeness)."""
    index = LANGS.index(lang) if lang in LANGS else 0
    return {key: pair[index] for key, pair in _MESSAGES.items()}


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
