"""Contacts a citizen can use, and the officials a site names (criterion E2).

Works on the page's visible text split into lines at block boundaries (so a table cell
"Faks" next to a number stays next to it) plus the links (mailto:, tel:, wa.me) and Cloudflare's
e-mail protection, which hides addresses from scrapers and from us unless decoded.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache
from urllib.parse import parse_qs, unquote, urlsplit

import phonenumbers
from email_validator import EmailNotValidError, validate_email

from govlens.types import Contact

SNIPPET = 200

# ----------------------------------------------------------------------------------- e-mail

_OB_AT = r"(?:\s*[\[({<]\s*(?:at|@|et)\s*[\])}>]\s*|@)"
_OB_DOT = r"(?:\s*[\[({<]\s*(?:dot|titik|\.)\s*[\])}>]\s*|\.|\s+dot\s+)"
_EMAIL_OB = re.compile(rf"([\w.+-]+){_OB_AT}([\w-]+(?:{_OB_DOT}[\w-]+)+)", re.I)
# "name at domain dot go dot id": a bare "at" only with bare/bracketed "dot"s, or sentences match.
_EMAIL_WORDS = re.compile(
    r"([\w.+-]+)\s+at\s+([\w-]+(?:(?:\s*[\[({<]\s*dot\s*[\])}>]\s*|\s+dot\s+)[\w-]+)+)", re.I
)
_DOT_NORM = re.compile(r"\s*[\[({<]\s*(?:dot|titik|\.)\s*[\])}>]\s*|\s+dot\s+", re.I)
_NOT_TLDS = {"png", "jpg", "jpeg", "gif", "svg", "webp", "css", "js", "php", "html", "htm", "ico"}


def normalise_email(raw: str) -> str | None:
    raw = raw.strip().strip(".,;:")
    if "@" not in raw:
        return None
    domain = raw.rsplit("@", 1)[1].lower()
    if domain.rsplit(".", 1)[-1] in _NOT_TLDS:
        return None
    try:
        info = validate_email(raw, check_deliverability=False)
    except EmailNotValidError:
        return None
    return info.normalized.lower()


def decode_cfemail(hexstr: str) -> str | None:
    """Undo Cloudflare's e-mail obfuscation: the first byte is an XOR key for the rest."""
    try:
        data = bytes.fromhex(hexstr.strip())
    except ValueError:
        return None
    if len(data) < 2:
        return None
    key = data[0]
    try:
        return bytes(b ^ key for b in data[1:]).decode("utf-8")
    except UnicodeDecodeError:
        return None


def emails_in_text(text: str) -> Iterable[tuple[str, str, int]]:
    """(normalised, raw, offset) for every e-mail written in the text, disguised or not."""
    for rx in (_EMAIL_OB, _EMAIL_WORDS):
        for m in rx.finditer(text):
            local, domain = m.group(1), m.group(2)
            domain = _DOT_NORM.sub(".", domain)
            email = normalise_email(f"{local}@{domain}")
            if email:
                yield email, m.group(0), m.start()


def email_from_mailto(href: str) -> str | None:
    addr = unquote(href.split(":", 1)[1]).split("?", 1)[0]
    # mailto:a@x.id,b@x.id : keep the first, the others come from the text anyway.
    return normalise_email(addr.split(",")[0])


# ----------------------------------------------------------------------------------- phones

_DIGITS = re.compile(r"\d[\d\s().\-/]{5,}\d")
_KW = re.compile(
    r"(?<![a-z])(?P<fax>fax|faks|faksimile|faksimili|facsimile|faximile|fx)(?![a-z])"
    r"|(?<![a-z])(?P<wa>wa|whatsapp|whats\s?app|w\.a\.)(?![a-z])"
    r"|(?<![a-z])(?P<tel>tel|telp|telpon|telepon|telephone|phone|ph|hp|ponsel|call|hotline|mobile|hubungi|cell)(?![a-z])",
    re.I,
)


def _kind_from_window(window: str) -> list[str]:
    """Kinds for a number from the words just before it: the nearest label wins.

    "Telp/Fax (0254) 391234" is both a phone and a fax line: the office wrote it once for both.
    """
    hits = list(_KW.finditer(window))
    if not hits:
        return ["phone"]
    last = hits[-1]
    kind = last.lastgroup or "tel"
    mapping = {"fax": "fax", "wa": "whatsapp", "tel": "phone"}
    kinds = [mapping[kind]]
    if len(hits) >= 2:
        prev = hits[-2]
        between = window[prev.end() : last.start()]
        if re.fullmatch(r"\s*[./]?\s*[/&,+]\s*|\s*(?:dan|and|&)\s*", between):
            other = mapping[prev.lastgroup or "tel"]
            if other not in kinds:
                kinds.insert(0, other)
    return kinds


@lru_cache(maxsize=64)
def _matcher_region(region: str) -> str:
    return region if region in phonenumbers.SUPPORTED_REGIONS else "ID"


def parse_phone(raw: str, region: str) -> str | None:
    try:
        num = phonenumbers.parse(raw, _matcher_region(region))
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(num):
        return None
    return phonenumbers.format_number(num, phonenumbers.PhoneNumberFormat.E164)


def phones_in_text(text: str, region: str) -> Iterable[tuple[str, str, str, int]]:
    """(kind, E.164, raw, offset) for phone/fax/WhatsApp numbers in the text.

    Only stretches that look like a number are handed to phonenumbers (it is pure Python and slow on a
    whole page). For Indonesia a number must be written with its trunk 0 or +62, as every
    Indonesian number is: that keeps dates, NIP staff numbers and counters out.
    """
    region = _matcher_region(region)
    for cand in _DIGITS.finditer(text):
        if region == "ID" and not cand.group().startswith(("0", "62")):
            continue
        start = max(0, cand.start() - 3)
        chunk = text[start : cand.end() + 1]
        for m in phonenumbers.PhoneNumberMatcher(chunk, region, leniency=phonenumbers.Leniency.VALID):
            raw = m.raw_string
            if region == "ID" and not re.match(r"^\(?\s*(?:0|\+|62)", raw):
                continue
            e164 = phonenumbers.format_number(m.number, phonenumbers.PhoneNumberFormat.E164)
            pos = start + m.start
            window = text[max(0, pos - 40) : pos]
            for kind in _kind_from_window(window):
                yield kind, e164, raw, pos


def whatsapp_from_url(url: str) -> str | None:
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    host = (parts.hostname or "").lower()
    number = ""
    if host.endswith("wa.me"):
        number = parts.path.strip("/").split("/")[0]
    elif "whatsapp.com" in host:
        number = (parse_qs(parts.query).get("phone") or [""])[0]
    number = re.sub(r"\D", "", number)
    if len(number) < 8:
        return None
    return parse_phone("+" + number if not number.startswith("0") else number, "ID")


# --------------------------------------------------------------------------------- addresses

_PLACE = r"(?:Kota|Kabupaten|Kab\.|Kecamatan|Kec\.|Kelurahan|Kel\.|Desa|Provinsi|Prov\.|Indonesia|RT|RW)"
_STREET_ID = re.compile(
    r"(?<![\w])(?:Jl|Jln|JL|JLN)\.?\s*[A-Z0-9][^\n]{0,80}?(?:\d+[A-Za-z]?(?:[-/]\d+)?)"
    r"(?=\s*,?\s*(?:[A-Z][a-z]+|RT|RW|\d{5}|" + _PLACE + r"))"
    r"|(?<![\w])Jalan\s+(?:[A-Z][\w.'-]*\s+){1,5}(?:No\.?|Nomor|Kav\.?|Km\.?|#)?\s*\d+[A-Za-z]?"
    r"(?=\s*,?\s*(?:[A-Z][a-z]+|RT|RW|\d{5}))",
)
_ADDR_LABEL = re.compile(r"(?<![\w])(?:Alamat(?:\s+Kantor)?|Address|Lokasi|Kantor)\s*[:：]\s*(\S.*)", re.I)
_POSTCODE = re.compile(
    r"\b\d{5}\b|\b[A-Z]{2}\s+\d{5}(?:-\d{4})?\b|\b[A-Z]{1,2}\d[A-Z\d]?\s*\d[A-Z]{2}\b|\b(?:NSW|VIC|QLD|SA|WA|TAS|ACT|NT)\s+\d{4}\b"
)
_STREET_EN = re.compile(
    r"\b\d{1,6}\s+(?:[NSEW]\.?\s+)?(?:[A-Z][\w.'-]*\s+){1,4}"
    r"(?:Street|St|Avenue|Ave|Road|Rd|Boulevard|Blvd|Drive|Dr|Lane|Ln|Way|Place|Pl|Court|Ct|Parkway|Pkwy|Highway|Hwy|Square|Sq)\.?"
    r"(?:[^\n]{0,80}?)(?:" + _POSTCODE.pattern + r")"
)
_ADDR_STOP = re.compile(
    r"\s*(?:\b(?:Telp|Telepon|Tel|Phone|Fax|Faks|E-?mail|Surel|HP|Website|WA|WhatsApp)\b|[|•·]).*$", re.I
)


def _addr_valid(s: str) -> bool:
    return bool(re.search(r"\d", s)) and ("," in s or bool(_POSTCODE.search(s)) or bool(re.search(_PLACE, s)))


def addresses_in_line(line: str) -> Iterable[tuple[str, int]]:
    found: list[tuple[str, int]] = []
    m = _ADDR_LABEL.search(line)
    if m:
        val = _ADDR_STOP.sub("", m.group(1)).strip(" ,;")
        if _addr_valid(val):
            found.append((val, m.start(1)))
    if not found:
        for rx in (_STREET_ID, _STREET_EN):
            for sm in rx.finditer(line):
                rest = _ADDR_STOP.sub("", line[sm.start() :])
                # End at a sentence break so a reply's next sentence is not part of the address.
                rest = re.split(r"(?<=[a-z0-9]{3})\.\s+(?=[A-Z])|\s{3,}", rest)[0]
                val = rest[:160].strip(" ,;.")
                if _addr_valid(val):
                    found.append((val, sm.start()))
                    break
            if found:
                break
    return found


# --------------------------------------------------------------------------------- officials

_HON = r"(?:Prof|Dr|Drs|Dra|Ir|H|Hj|KH|Hon|Mr|Mrs|Ms|Dr|dr|drg|Tn|Ny)\.\s*"
_WORD = r"(?:[A-Z][a-zA-Z'’\-]+|[A-Z]\.)"
# ", M.Si.", ", S.H., M.H.", ", Ph.D": degrees close a name, so one followed by another name word
# ("Camat Makale, Drs. Yohanis") is an honorific of the next name, not a degree.
_DEG = r"(?:,\s*(?:[A-Z][A-Za-z]{0,4}\.?){1,3}(?:\s?[A-Z][A-Za-z]{0,4}\.?)?(?=[\s,;)]|$)(?!\s+[A-Z][a-z]))"
_STRONG = rf"(?:(?:{_HON})+{_WORD}(?:\s+{_WORD}){{0,5}}{_DEG}*|{_WORD}(?:\s+{_WORD}){{0,5}}{_DEG}+)"
_WEAK = rf"(?:{_HON})*{_WORD}(?:\s+{_WORD}){{1,3}}"

_ID_TITLE = (
    r"(?:Plt\.?\s+|Pj\.?\s+|Wakil\s+)?(?:Kepala\s+(?:Dinas|Badan|Bidang|Bagian|Seksi|Sub\s*Bagian|Subbagian|Kantor|"
    r"Pelaksana|Unit|UPTD?|Desa|Sekolah|Puskesmas|Satuan|Pusat|Biro|Lembaga|"
    # the office's own short name: "Kepala Bappeda", "Kepala Disdukcapil", "Kepala BPBD", "Kepala DPMPTSP"
    r"(?:Dis|Din|Bap|BP|BK|DP)[a-z]{1,10}|Satpol(?:\s+PP)?|Kesbangpol|Inspektorat)|"
    r"Kadis|Kaban|Kabid|Kabag|Kasubag|Kasubbag|"
    r"Kasi|Kasie|Sekretaris(?:\s+(?:Dinas|Badan|Daerah|Kecamatan|Kelurahan|Desa|DPRD|Utama))?|Sekda|Camat|Sekcam|"
    r"Lurah|Bupati|Wali\s*kota|Walikota|Gubernur|Inspektur(?:\s+Pembantu)?|Direktur(?:\s+Utama)?|Ketua|Menteri)"
)
_EN_TITLE = (
    r"(?:Deputy\s+|Acting\s+|Interim\s+|Executive\s+|Assistant\s+|Vice[\s-]|Vice\s+)?(?:Director|Commissioner|Mayor|Governor|"
    r"Chief\s+Executive(?:\s+Officer)?|Secretary|Chair(?:man|woman|person)?|Administrator|Clerk|Treasurer|"
    r"County\s+Executive|Minister|Health\s+Officer|Chief\s+Medical\s+Officer|Council\s+Leader|Leader\s+of\s+the\s+Council)"
)
_TITLE_ANY = re.compile(rf"(?i:{_ID_TITLE})|{_EN_TITLE}")
_NOT_NAME = {
    "Department",
    "Office",
    "Board",
    "Public",
    "Health",
    "City",
    "County",
    "State",
    "Council",
    "Services",
    "Service",
    "Division",
    "Bureau",
    "Agency",
    "Dinas",
    "Badan",
    "Kota",
    "Kabupaten",
    "Of",
    "The",
    "And",
    "Message",
    "News",
    "Welcome",
    "Selamat",
    "Datang",
    "Sambutan",
    "Profil",
    "Profile",
    "Pemerintah",
    "Daerah",
    "Bidang",
    "Bagian",
    "Kecamatan",
    "Kelurahan",
    "Desa",
    "Umum",
    "Program",
    "Keuangan",
    "For",
    "To",
    "In",
    "Report",
    "Plan",
    "Annual",
    "Budget",
    "General",
    "Our",
    "About",
    "Contact",
    "Team",
    "Staff",
    "Dan",
}
_P_TITLE_STRONG = re.compile(
    rf"(?P<t>(?i:{_ID_TITLE})|{_EN_TITLE})(?:\s+[\w.]+){{0,6}}?\s*[:\-–,]?\s*(?P<n>{_STRONG})"
)
_P_TITLE_SEP = re.compile(rf"(?P<t>(?i:{_ID_TITLE})|{_EN_TITLE})[^:\n]{{0,60}}?\s*[:\-–]\s*(?P<n>{_WEAK})")
_P_NAME_TITLE = re.compile(
    rf"(?P<n>{_STRONG}|{_WEAK})\s*[,(\-–]\s*(?:selaku\s+|sebagai\s+)?(?P<t>(?i:{_ID_TITLE})|{_EN_TITLE})"
)
_P_NAME_TITLE2 = re.compile(rf"(?P<n>{_STRONG})\s+(?:selaku\s+|sebagai\s+)?(?P<t>(?i:{_ID_TITLE}))")
_P_EN_TITLE_NAME = re.compile(rf"(?P<t>{_EN_TITLE})\s+(?P<n>{_WEAK})")


def _clean_name(name: str) -> str | None:
    name = re.sub(r"\s+", " ", name).strip(" ,;:-–")
    words = [w for w in re.split(r"[\s,]+", name) if w]
    plain = [w for w in words if not w.endswith(".") and len(w) > 1]
    if not plain:
        return None
    if any(w.strip(".,").capitalize() in _NOT_NAME or w.strip(".,") in _NOT_NAME for w in plain):
        return None
    caps = [w.isupper() and len(w) > 1 for w in plain]
    if any(caps) and not all(caps) and not re.search(_HON, name) and "," not in name:
        return (
            None  # "FOIA Request": an acronym beside ordinary words is a label; "AGUS BUDIRAHARJA" is a name
        )
    return name


# A post and a name on adjacent lines: "<h3>Kepala Dinas</h3><p>Drs. H. Ahmad, M.Si.</p>",
# "<dt>Sekretaris</dt><dd>Budi, S.E.</dd>", or a profile card with the name first
# ("<strong>Rina, S.Kom.</strong><br>Kepala Dinas ..."). The name must be a strong one (an honorific
# or a degree) so a heading next to a menu item is not read as a person.
_TITLE_LINE = re.compile(rf"^(?P<t>(?i:{_ID_TITLE})|{_EN_TITLE})(?:[\s,]+(?:[^\W\d][\w.&/()'-]*)){{0,10}}\s*:?$")
_NAME_LINE = re.compile(rf"^(?P<n>{_STRONG})\s*(?:$|[–—|·•;-]\s|:\s)")


def _title_line(line: str) -> str | None:
    if len(line) > 120 or not any(n in line.lower() for n in _TITLE_NEEDLES):
        return None
    m = _TITLE_LINE.match(line)
    return re.sub(r"\s+", " ", m.group("t")).strip() if m else None


def _name_line(line: str, whole: bool) -> str | None:
    if len(line) > 300 or not line[:1].isupper():
        return None
    m = _NAME_LINE.match(line)
    if not m or (whole and m.group("n").strip() != line.strip(" ,;:")) or _TITLE_ANY.match(line):
        return None  # "Sekretaris Budi, S.E." is a post and a name on one line: officials_in_line reads it
    return _clean_name(m.group("n"))


def officials_across_lines(text: str) -> Iterable[tuple[str, str, int, int]]:
    """(title, name, start, end) for a post and a name on adjacent lines, read top down so that
    alternating lists pair the right way: "post / name / post / name" (a ``<dl>``) from the first
    post, "name / post / name / post" (profile cards) from the first name."""
    lines: list[tuple[int, str]] = []
    pos = 0
    for raw in text.split("\n"):
        stripped = raw.strip()
        if stripped:
            lines.append((pos, stripped))
        pos += len(raw) + 1
    i = 0
    while i + 1 < len(lines):
        (p1, a), (p2, b) = lines[i], lines[i + 1]
        title = _title_line(a)
        name = _name_line(b, whole=False) if title else None
        if title and name:
            yield title, name, p1, p2 + len(b)
            i += 2
            continue
        title = _title_line(b)
        name = _name_line(a, whole=True) if title else None
        if title and name:
            yield title, name, p1, p2 + len(b)
            i += 2
            continue
        i += 1


def officials_in_line(line: str) -> Iterable[tuple[str, str, int]]:
    """(title, name, offset) of officials named with their post in a line of text."""
    if not _TITLE_ANY.search(line):
        return []
    out: list[tuple[str, str, int]] = []
    seen: set[str] = set()
    for rx in (_P_TITLE_STRONG, _P_NAME_TITLE2, _P_TITLE_SEP, _P_NAME_TITLE, _P_EN_TITLE_NAME):
        for m in rx.finditer(line):
            name = _clean_name(m.group("n"))
            if not name or name in seen:
                continue
            seen.add(name)
            title = re.sub(r"\s+", " ", m.group("t")).strip()
            out.append((title, name, m.start()))
    return out


# ----------------------------------------------------------------------------------- driver


def snippet_at(text: str, pos: int, length: int = 0) -> str:
    """The passage around a hit, within its line, at most SNIPPET characters."""
    ls = text.rfind("\n", 0, pos) + 1
    le = text.find("\n", pos + length)
    if le < 0:
        le = len(text)
    line = text[ls:le].strip()
    if len(line) <= SNIPPET:
        return line
    rel = pos - ls
    start = max(0, rel - SNIPPET // 3)
    return text[ls + start : ls + start + SNIPPET].strip()


class ContactCollector:
    """Collects contacts from several sources and keeps one per (kind, value)."""

    def __init__(self) -> None:
        self.items: list[Contact] = []
        self._seen: set[tuple[str, str]] = set()

    def add(self, kind: str, value: str, snippet: str, raw: str = "") -> None:
        key = (kind, value.lower())
        if key in self._seen:
            return
        self._seen.add(key)
        self.items.append(Contact(kind=kind, value=value, snippet=snippet[:SNIPPET], raw=raw))


_EMAIL_NEEDLES = ("@", "at]", "at)", "at}", "at>", "et]", "et)", " dot ")
_ADDR_NEEDLES = ("jl", "jalan", "alamat", "address", "lokasi", "kantor")
_TITLE_NEEDLES = (
    "kepala",
    "kadis",
    "kaban",
    "kabid",
    "kabag",
    "kasub",
    "kasi",
    "sekretaris",
    "sekda",
    "camat",
    "sekcam",
    "lurah",
    "bupati",
    "walikota",
    "wali kota",
    "gubernur",
    "inspektur",
    "direktur",
    "ketua",
    "menteri",
    "director",
    "commissioner",
    "mayor",
    "governor",
    "chief",
    "secretary",
    "chair",
    "administrator",
    "clerk",
    "treasurer",
    "executive",
    "minister",
    "officer",
    "leader",
)
_FIVE_DIGITS = re.compile(r"\d{4,5}\b|\b[A-Z]{1,2}\d[A-Z\d]?\s*\d[A-Z]{2}\b")


def _lines_with(
    text: str, lowered: str, needles: tuple[str, ...], rx: re.Pattern[str] | None = None
) -> list[tuple[int, str]]:
    """(offset, line) of each line containing a needle: the costly patterns run on those lines only.

    ``str.find`` per needle is C speed; one big case-insensitive alternation over a 200 KB text is not.
    """
    starts: set[int] = set()
    for needle in needles:
        i = lowered.find(needle)
        while i >= 0:
            ls = lowered.rfind("\n", 0, i) + 1
            starts.add(ls)
            nl = lowered.find("\n", i)
            if nl < 0:
                break
            i = lowered.find(needle, nl)
    if rx is not None:
        for m in rx.finditer(text):
            starts.add(text.rfind("\n", 0, m.start()) + 1)
    out = []
    for ls in sorted(starts):
        le = text.find("\n", ls)
        out.append((ls, text[ls : le if le >= 0 else len(text)]))
    return out


def contacts_from_text(text: str, region: str, out: ContactCollector) -> None:
    lowered = text.lower()
    if len(lowered) != len(text):  # 'İ' lower-cases to two characters: keep offsets aligned
        lowered = "".join(c if len(c.lower()) != 1 else c.lower() for c in text)
    for off, line in _lines_with(text, lowered, _EMAIL_NEEDLES):
        for email, raw, pos in emails_in_text(line):
            out.add("email", email, snippet_at(text, off + pos, len(raw)), raw)
    for kind, e164, raw, pos in phones_in_text(text, region):
        out.add(kind, e164, snippet_at(text, pos, len(raw)), raw)
    for off, line in _lines_with(text, lowered, _ADDR_NEEDLES, _FIVE_DIGITS):
        if len(line) < 2000:
            for addr, pos in addresses_in_line(line):
                out.add("address", addr, snippet_at(text, off + pos, len(addr)), addr)
    found: list[tuple[int, str, str, str]] = []  # (offset, value, snippet, name), added in page order
    for off, line in _lines_with(text, lowered, _TITLE_NEEDLES):
        # Long lines (a whole article without breaks) are cut to windows around each title.
        windows = (
            [(0, line)]
            if len(line) <= 600
            else [
                (max(0, m.start() - 200), line[max(0, m.start() - 200) : m.end() + 200])
                for m in _TITLE_ANY.finditer(line)
            ]
        )
        for woff, window in windows:
            for title, name, pos in officials_in_line(window):
                found.append((off + woff + pos, f"{title}: {name}", snippet_at(text, off + woff + pos), name))
    if found or any(n in lowered for n in _TITLE_NEEDLES):
        for title, name, start, end in officials_across_lines(text):
            found.append((start, f"{title}: {name}", " ".join(text[start:end].split())[:SNIPPET], name))
    for _, value, snip, name in sorted(found, key=lambda f: f[0]):
        out.add("official", value, snip, name)
