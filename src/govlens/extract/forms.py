"""What a form on the page lets a citizen do: search, complain, vote in a poll, log in, write.

Interactive-service criteria (I1, I4, I5) hinge on these, and a form says what it is mostly through
its fields (a password, a textarea, radio buttons) and the words around it, not its action URL.
"""

from __future__ import annotations

import re

from selectolax.lexbor import LexborNode as Node

from govlens.types import Form

_SEARCH_NAMES = {
    "q",
    "s",
    "search",
    "cari",
    "keyword",
    "keywords",
    "query",
    "kata_kunci",
    "katakunci",
    "k",
    "term",
}
_COMPLAINT = re.compile(
    r"pengaduan|aduan|keluhan|complain|complaint|grievance|lapor|report|saran|wbs|whistle", re.I
)
_POLL = re.compile(
    r"polling|poll|jajak|survei|survey|vote|voting|pendapat|kuesioner|kuisioner|questionnaire|rating|penilaian|kepuasan",
    re.I,
)
_SUBSCRIBE = re.compile(r"subscri|langganan|berlangganan|newsletter|buletin|mailing", re.I)
_SEARCH_WORDS = re.compile(r"\b(?:search|cari|pencarian)\b", re.I)
_WS = re.compile(r"\s+")


def _collapse(s: str) -> str:
    return _WS.sub(" ", s).strip()


def _nearby_heading(form: Node) -> str:
    """The closest heading before the form, within three levels up: often its only label."""
    node = form
    for _ in range(3):
        sib = node.prev
        hops = 0
        while sib is not None and hops < 4:
            if sib.tag == "form" or (sib.is_element_node and sib.css_first("form") is not None):
                return ""  # that heading belongs to another form
            if sib.tag in ("h1", "h2", "h3", "h4", "h5", "h6", "legend", "label", "strong", "p"):
                t = _collapse(sib.text())
                if t:
                    return t[:150]
            elif sib.is_element_node:
                h = sib.css_first("h1, h2, h3, h4, h5")
                if h is not None and _collapse(h.text()):
                    return _collapse(h.text())[:150]
            if sib.is_element_node:
                hops += 1
            sib = sib.prev
        node = node.parent
        if node is None:
            break
    return ""


def classify_form(form: Node) -> Form:
    attrs = form.attributes
    action = (attrs.get("action") or "").strip()
    method = (attrs.get("method") or "get").strip().lower()
    fields: list[str] = []
    types: list[str] = []
    names: list[str] = []
    labels: list[str] = []
    for el in form.css("input, textarea, select, button"):
        a = el.attributes
        tag = el.tag
        typ = (a.get("type") or ("text" if tag == "input" else tag)).lower()
        if tag == "button":
            t = _collapse(el.text()) or a.get("value") or ""
            if t:
                labels.append(t)
            continue
        if typ in ("submit", "button", "image", "reset"):
            if a.get("value"):
                labels.append(a["value"] or "")
            continue
        name = (a.get("name") or a.get("id") or "").strip()
        types.append("textarea" if tag == "textarea" else ("select" if tag == "select" else typ))
        if typ == "hidden":
            continue
        names.append(name.lower())
        label = a.get("placeholder") or a.get("aria-label") or a.get("title") or ""
        fields.append(name or label)
        if label:
            labels.append(label)
    for lab in form.css("label, legend"):
        t = _collapse(lab.text())
        if t:
            labels.append(t)
    heading = _nearby_heading(form)
    text = _collapse(" ".join([heading, *labels, _collapse(form.text())[:300]]))[:500]
    blob = " ".join([text, action, attrs.get("id") or "", attrs.get("class") or "", attrs.get("name") or ""])
    visible = [t for t in types if t != "hidden"]

    kind = "other"
    if "password" in types:
        kind = "login"
    elif (
        "search" in types
        or (set(names) & _SEARCH_NAMES and len(visible) <= 3)
        or (attrs.get("role") or "").lower() == "search"
        or (_SEARCH_WORDS.search(blob) and len(visible) <= 2 and "textarea" not in types)
    ):
        kind = "search"
    elif "textarea" in types and _COMPLAINT.search(blob):
        kind = "complaint"
    elif ("radio" in types or "checkbox" in types or "range" in types) and _POLL.search(blob):
        kind = "poll"
    elif (
        "textarea" in types
        and ("email" in types or any("mail" in n for n in names))
        and any("nama" in n or "name" in n for n in names)
    ):
        kind = "contact"
    elif _SUBSCRIBE.search(blob) and ("email" in types or any("mail" in n for n in names)):
        kind = "subscribe"
    elif "textarea" in types and _POLL.search(blob):
        kind = "poll"
    return Form(kind=kind, action=action, method=method, fields=[f for f in fields if f], text=text)
