"""Canonical URLs: one key per article, whatever tracking parameters or aliases the link carried."""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

# The longest URL stored (the url columns' length, storage.models): PostgreSQL refuses a longer one, and with it
# the whole article. A page's canonical link, a headline's link or a redirect can be any length.
MAX_URL_CHARS = 2048

TRACKING_PARAMS = frozenset(
    {
        "fbclid",
        "gclid",
        "dclid",
        "gbraid",
        "wbraid",
        "msclkid",
        "yclid",
        "igshid",
        "mc_cid",
        "mc_eid",
        "ref",
        "ref_src",
        "ref_url",
        "referrer",
        "cmp",
        "cmpid",
        "ocid",
        "ito",
        "itm_source",
        "itm_medium",
        "itm_campaign",
        "itm_content",
        "smid",
        "smtyp",
        "share",
        "spm",
        "src",
        "s_cid",
        "_ga",
        "_gl",
        "ns_mchannel",
        "ns_source",
        "ns_campaign",
        "ns_linkname",
        "ns_fee",
        "mbid",
        "cid",
        "rss",
        "at_medium",
        "at_campaign",
        "at_custom1",
        "at_custom2",
        "at_custom3",
        "at_custom4",
        "xtor",
        "guccounter",
    }
)
TRACKING_PREFIXES = ("utm_", "pk_", "mtm_", "hsa_", "at_", "oly_")
DEFAULT_PORTS = {"http": 80, "https": 443}


def is_tracking(name: str) -> bool:
    key = name.lower()
    return key in TRACKING_PARAMS or key.startswith(TRACKING_PREFIXES)


def canonicalize(url: str, keep_params: frozenset[str] = frozenset()) -> str:
    """One spelling per address: lower-case scheme and host, no default port, no fragment, no tracking
    parameters (unless listed in `keep_params`), parameters sorted, no trailing slash but on the root."""
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower().rstrip(".")
    if parts.port and parts.port != DEFAULT_PORTS.get(scheme):
        host = f"{host}:{parts.port}"
    path = re.sub(r"/{2,}", "/", parts.path).rstrip("/") or "/"
    query = sorted(
        (k, v)
        for k, v in parse_qsl(parts.query, keep_blank_values=True)
        if k in keep_params or not is_tracking(k)
    )
    return urlunsplit((scheme, host, path, urlencode(query, doseq=True), ""))


def site_of(host: str) -> str:
    """The host without a leading 'www.' or 'm.'/'amp.' (the same site under another front door)."""
    host = host.lower()
    for prefix in ("www.", "m.", "amp.", "mobile."):
        if host.startswith(prefix):
            return host[len(prefix) :]
    return host


def same_site(a: str, b: str) -> bool:
    ha, hb = site_of(urlsplit(a).hostname or ""), site_of(urlsplit(b).hostname or "")
    return bool(ha) and (ha == hb or ha.endswith("." + hb) or hb.endswith("." + ha))


def choose_canonical(
    fetched_url: str, declared: str | None, keep_params: frozenset[str] = frozenset()
) -> str:
    """The page's rel=canonical/og:url when it points to the same site, else the fetched URL; canonicalized.

    A canonical naming the site's home page for a deeper URL is a template mistake, not an alias: taking
    it would store every article of the site under one URL. A canonical longer than MAX_URL_CHARS cannot
    be stored, and is not taken either.
    """
    if (
        declared
        and len(declared) <= 2 * MAX_URL_CHARS  # (its canonical form may drop tracking parameters)
        and urlsplit(declared).scheme in ("http", "https")
        and same_site(declared, fetched_url)
        and (urlsplit(declared).path not in ("", "/") or urlsplit(fetched_url).path in ("", "/"))
    ):
        canonical = canonicalize(declared, keep_params)
        if len(canonical) <= MAX_URL_CHARS:
            return canonical
    return canonicalize(fetched_url, keep_params)
