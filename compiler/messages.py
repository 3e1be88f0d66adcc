"""The report's message catalogue: one key, two languages.

Readers register their own keys (in their `messages.py`) so no reader edits another's text.
Templates use `str.format` fields named after the entry's parameters.
"""

from __future__ import annotations

from typing import Any

# key -> (Japanese, English)
CATALOGUE: dict[str, tuple[str, str]] = {
    "input.decode": (
        "文字コードを解釈できないバイトがあります: {problem}",
        "bytes that could not be decoded: {problem}",
    ),
    "input.unreadable": (
        "ファイルを読み込めません: {problem}",
        "the file could not be read: {problem}",
    ),
    "input.too_large": (
        "ファイルが大きすぎます ({size} バイト)。設定ファイルとして読み込みません",
        "the file is too large ({size} bytes) to be a settings file; not read",
    ),
    "compile.probe.none": (
        "{dialect} の読み取りは、旧サーバーの中継動作を表すプローブをまだ出力しません",
        "the {dialect} reader does not yet describe the legacy relay behaviour as probes",
    ),
    "compile.probe.summary": (
        "旧サーバーの中継動作 {total} 件を検証: 同じ {same} 件、判断・安全化で説明済みの違い {explained} 件 ({by})、"
        "説明のない違い {unexplained} 件",
        "checked {total} cells of the legacy relay behaviour: {same} the same, {explained} different as explained "
        "by decisions or upgrades ({by}), {unexplained} unexplained differences",
    ),
    "compile.probe.difference": (
        "中継動作が変わります: クライアント {client}、差出人 {sender}、宛先 {rcpt} — 旧: {legacy}、新: {now} ({rule})",
        "relay behaviour changes: client {client}, sender {sender}, recipient {rcpt} — legacy: {legacy}, "
        "now: {now} ({rule})",
    ),
    "input.unaccounted": (
        "この行は読み取られましたが、どこにも対応付けられていません",
        "this line was read but not accounted for",
    ),
}


def register(messages: dict[str, tuple[str, str]]) -> None:
    for key, texts in messages.items():
        existing = CATALOGUE.get(key)
        if existing is not None and existing != texts:
            raise ValueError(f"message key {key!r} registered twice with different texts")
        CATALOGUE[key] = texts


class _Missing(dict[str, Any]):
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def render(key: str, params: dict[str, Any], lang: str = "en") -> str:
    """Render a message; an unknown key or missing parameter never raises (it shows itself)."""
    texts = CATALOGUE.get(key)
    if texts is None:
        detail = ", ".join(f"{k}={v}" for k, v in params.items())
        return f"{key}" + (f" ({detail})" if detail else "")
    template = texts[0] if lang == "ja" else texts[1]
    try:
        return template.format_map(_Missing(params))
    except (ValueError, IndexError, AttributeError):
        return template
