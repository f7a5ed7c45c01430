"""Structured JSON logs with central redaction.

Every record passes through :class:`RedactingFormatter`, which masks card numbers,
CVCs and bearer tokens in the message and in every extra field, so a careless log call
cannot leak what a ``Secret`` would have protected. It also masks every literal secret
registered with :func:`redact_values` (the service registers each configured credential
and the id key) and the per-request credentials of the request being served, and adds
that request's id to every line written while it runs.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
import sys
from collections.abc import Iterable
from typing import Any

import msgspec

from connector_service.connectors.base import scrub_common
from connector_service.domain.payment_methods import luhn_ok
from connector_service.domain.secret import MASK
from connector_service.observability import context, tracing

_STANDARD = set(logging.LogRecord("", 0, "", 0, "", (), None).__dict__) | {
    "message",
    "asctime",
    "color_message",
}
_enc = msgspec.json.Encoder()

# Literal secrets masked in every line, longest first (a secret containing another one is
# masked whole).
_secrets: tuple[str, ...] = ()


def redact_values(values: Iterable[str]) -> None:
    """Mask these literal values (credentials, keys) in every log line from now on."""
    global _secrets
    found = {v for v in values if v and len(v) >= 4} | set(_secrets)
    _secrets = tuple(sorted(found, key=len, reverse=True))


# ------------------------------------------------------------------ the fast path
#
# ``scrub_common`` runs six regular expressions, some case-insensitive alternations, which
# cost ~90 µs on a typical 300-character access-log line: a fifth of a request's CPU
# budget. Nearly every line holds nothing they could match, and each of them needs one of
# a few tell-tale substrings to match at all. So the formatter first looks for those
# (cheap ``in`` tests on the case-folded text, and one digit-run search) and calls
# ``scrub_common`` only when one is there: the output is identical either way.
# tests/observability/test_logging.py proves the equivalence and pins the patterns this
# was derived from, so a change to ``scrub_common`` fails the test until this list is
# reviewed.

# Any 13 digits, each optionally followed by one space or dash: necessary for _PAN; also
# counting URL-encoded digits and separators (%3N, +, %20, %2D), which the pass below
# decodes.
_DIGIT_RUN = re.compile(r"(?:(?:\d|%3[0-9])(?:[ +-]|%20|%2[dD])?){12}(?:\d|%3[0-9])")
# Its alternations make it slow to scan a whole line (~20 µs); every match of it lies in a
# stretch of at least 13 of these characters, which a character class finds fast (in ASCII
# text \d is [0-9], and "d" can only belong to a match as part of "%2d").
_DIGITISH = re.compile(r"[\d%+ dD-]{13,}")
_DIGITISH_ASCII = re.compile(r"[0-9%+ dD-]{13,}")
_DIGITISH_ASCII_NO_D = re.compile(r"[0-9%+ -]{13,}")


# What kit/scrub.py masks as an IBAN when it passes mod 97 (a superset is fine here).
_IBAN = re.compile(r"\b[A-Z]{2}[0-9]{2}[A-Z0-9]{11,30}\b")


def _has_digit_run(text: str) -> bool:
    if not text.isascii():
        stretches = _DIGITISH
    elif "%2d" in text or "%2D" in text:
        stretches = _DIGITISH_ASCII
    else:
        stretches = _DIGITISH_ASCII_NO_D
    return any(_DIGIT_RUN.search(m.group()) for m in stretches.finditer(text))


# Case-folded substrings, one of which each keyword pattern needs: "cv" (cvc, cvv, cvv2,
# cvn, cvd, card_cvc, cvc2), "security" (security_code, securityCode, cardSecurityCode),
# "authorization" and "x-api-key" (auth headers), "bearer" and "basic" (auth tokens),
# "k_live_" / "k_test_" / "k_sbox_" (sk_, rk_, pk_ keys) and "whsec_" (webhook secrets);
# the keys of payment-method secrets (kit/scrub.py _METHOD_SECRET_KEYS: "accountnumber"
# covers accountNumber and bankAccountNumber, "cryptogram" tokenCryptogram).
_TELLTALES = (
    "cv",
    "security",
    "authorization",
    "x-api-key",
    "bearer",
    "basic",
    "k_live_",
    "k_test_",
    "k_sbox_",
    "whsec_",
    "iban",
    "account_number",
    "accountnumber",
    "cryptogram",
    "authentication_value",
    "authenticationvalue",
    "wallet_token",
    "blik_code",
    "cavv",
)


def might_need_scrub(text: str) -> bool:
    """False only when ``scrub_all(text)`` would return ``text`` unchanged."""
    folded = text.casefold()
    if not text.isascii():
        # Case-insensitive matching also takes U+0131 (dotless i) and U+0130 (capital I with
        # a dot, which folds to "i" + U+0307) for "i".
        folded = folded.replace("\u0131", "i").replace("\u0307", "")
    for word in _TELLTALES:
        if word in folded:
            return True
    # A bare IBAN needs no key: the same pattern scrub_common masks it with.
    return _has_digit_run(text) or _IBAN.search(text) is not None


# ------------------------------------------------------------------ beyond scrub_common
#
# A log line can quote text that is encoded once more than scrub_common expects: a
# form-encoded body holding a caller's free text (``description=card%204242…%20cvc%3D123``
# — "%20" glues digits to the card number), or JSON inside a JSON string inside the
# JSON line (``\\\"cvc\\\":\\\"123``). Two more passes catch those; both need one of the
# tell-tales above, so the fast path still decides.

_PAN_RUN = re.compile(r"(?<!\d)(?:\d[ -]?){12,18}\d(?!\d)")
_PCT_OR_PLUS = re.compile(r"%[0-9A-Fa-f]{2}|\+")
_CVC_ANY = re.compile(
    r"(?i)(?:cv[cvnd]2?|security_?code)"
    r"(?:[\\\"'\]\s:=+]|%22|%27|%5c|%5d|%20|%3a|%3d){1,24}(\d{3,4})(?!\d)"
)


def _url_decoded_pans(text: str) -> str:
    """Mask card numbers visible once ``%XX`` and ``+`` are decoded."""
    if "%" not in text and "+" not in text:
        return text
    chars: list[str] = []
    starts: list[int] = []  # where each decoded character begins in ``text``
    pos = 0
    for m in _PCT_OR_PLUS.finditer(text):
        for i in range(pos, m.start()):
            chars.append(text[i])
            starts.append(i)
        token = m.group(0)
        chars.append(" " if token == "+" else chr(int(token[1:], 16)))
        starts.append(m.start())
        pos = m.end()
    for i in range(pos, len(text)):
        chars.append(text[i])
        starts.append(i)
    starts.append(len(text))
    decoded = "".join(chars)
    out: list[str] = []
    last = 0
    for m in _PAN_RUN.finditer(decoded):
        digits = re.sub(r"\D", "", m.group(0))
        if 13 <= len(digits) <= 19 and luhn_ok(digits):
            begin, end = starts[m.start()], starts[m.end()]
            out += [text[last:begin], "[CARD]"]
            last = end
    if not out:
        return text
    out.append(text[last:])
    return "".join(out)


def _deep_cvcs(text: str) -> str:
    """Mask CVCs under their keys whatever the quoting or encoding in between."""
    return _CVC_ANY.sub(lambda m: m.group(0)[: m.start(1) - m.start()] + "[CVC]", text)


def scrub_all(text: str) -> str:
    """``scrub_common`` and the two passes above (what ``redact`` applies to a line that
    ``might_need_scrub``)."""
    return _deep_cvcs(_url_decoded_pans(scrub_common(text)))


def redact(text: str) -> str:
    """What the formatter does to every line: ``scrub_common`` plus every literal secret
    registered, plus the current request's credentials."""
    # Literal secrets first: a pattern could otherwise mask part of one and hide the rest.
    for secret in _secrets:
        if secret in text:
            text = text.replace(secret, MASK)
    info = context.current()
    if info is not None:
        for secret in info.secrets:
            if secret in text:
                text = text.replace(secret, MASK)
    if might_need_scrub(text):
        text = scrub_all(text)
    return text


def _add_trace_ids(entry: dict[str, Any]) -> None:
    """The current span's ids, so a log line can be found from its trace and back (the
    names and hex forms of OpenTelemetry's log data model)."""
    from opentelemetry import trace

    span_context = trace.get_current_span().get_span_context()
    if span_context.is_valid:
        entry["trace_id"] = format(span_context.trace_id, "032x")
        entry["span_id"] = format(span_context.span_id, "016x")


class RedactingFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "ts": dt.datetime.fromtimestamp(record.created, dt.UTC).isoformat(
                timespec="milliseconds"
            ),
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": record.getMessage(),
        }
        attrs = record.__dict__
        extra = attrs.keys() - _STANDARD  # in C: most attributes are the standard ones
        if extra:
            for key in [k for k in attrs if k in extra and k[0] != "_"]:  # in their order
                value = attrs[key]
                entry[key] = value if isinstance(value, int | float | bool) else str(value)
        if "request_id" not in entry:
            info = context.current()
            if info is not None and info.request_id:
                entry["request_id"] = info.request_id
        if tracing.tracer is not None:  # off: one attribute read
            _add_trace_ids(entry)
        if record.exc_info:
            entry["exc"] = self.formatException(record.exc_info)
        return redact(_enc.encode(entry).decode())


def configure_logging(level: str = "info") -> None:
    # The JSON lines show none of the caller's file, line, thread or process, and finding
    # them costs more than formatting the line (the logging docs' "Optimization" advice).
    logging._srcfile = None
    logging.logThreads = False
    logging.logProcesses = False
    logging.logMultiprocessing = False
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(RedactingFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    # Database drivers log statements with their parameters at DEBUG (cached OAuth tokens,
    # stored event documents): never below INFO, whatever the service's level.
    for noisy in ("aiosqlite", "asyncpg"):
        logging.getLogger(noisy).setLevel(max(logging.INFO, root.level))
    # uvicorn's own access log duplicates ours (without request ids): silence it.
    logging.getLogger("uvicorn.access").handlers[:] = []
    logging.getLogger("uvicorn.access").propagate = False
