"""CMS Certification Numbers: six characters, the first two a state code.

The state codes are the numeric codes CMS assigns in CCNs (01 Alabama ... 53
Wyoming, and the territories and states with more than one code).
"""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError

CCN_STATE_CODES: dict[str, str] = {
    "01": "AL",
    "02": "AK",
    "03": "AZ",
    "04": "AR",
    "05": "CA",
    "06": "CO",
    "07": "CT",
    "08": "DE",
    "09": "DC",
    "10": "FL",
    "11": "GA",
    "12": "HI",
    "13": "ID",
    "14": "IL",
    "15": "IN",
    "16": "IA",
    "17": "KS",
    "18": "KY",
    "19": "LA",
    "20": "ME",
    "21": "MD",
    "22": "MA",
    "23": "MI",
    "24": "MN",
    "25": "MS",
    "26": "MO",
    "27": "MT",
    "28": "NE",
    "29": "NV",
    "30": "NH",
    "31": "NJ",
    "32": "NM",
    "33": "NY",
    "34": "NC",
    "35": "ND",
    "36": "OH",
    "37": "OK",
    "38": "OR",
    "39": "PA",
    "40": "PR",
    "41": "RI",
    "42": "SC",
    "43": "SD",
    "44": "TN",
    "45": "TX",
    "46": "UT",
    "47": "VT",
    "48": "VI",
    "49": "VA",
    "50": "WA",
    "51": "WV",
    "52": "WI",
    "53": "WY",
    "55": "CA",
    "64": "AS",
    "65": "GU",
    "66": "MP",
    "67": "TX",
    "68": "FL",
}
_SHAPE = re.compile(r"^[0-9]{2}[0-9A-Z]{4}$")


def normalize_ccn(value: str) -> str:
    return "".join(value.split()).replace("-", "").upper()


def validate_ccn(value: str) -> None:
    """Refuse a CCN that cannot exist, saying why."""
    ccn = normalize_ccn(value)
    if len(ccn) != 6:
        raise ValidationError(
            f"A CCN has 6 characters; “{value}” has {len(ccn)}.", code="ccn_length"
        )
    if not _SHAPE.match(ccn):
        raise ValidationError(
            "A CCN starts with two digits, followed by four letters or digits.",
            code="ccn_shape",
        )
    if ccn[:2] not in CCN_STATE_CODES:
        raise ValidationError(
            f"“{ccn[:2]}” is not a state code, so {ccn} cannot be a CCN.",
            code="ccn_state",
        )


def ccn_state(ccn: str) -> str:
    return CCN_STATE_CODES[normalize_ccn(ccn)[:2]]
