"""Councils in Wales, Scotland and Northern Ireland: outside the ombudsman's remit, and said to be so.

An export row naming one of them is a mistake of a different kind from a misspelt English council:
suggesting the nearest English name would mislead, so the message names the nation and its ombudsman.
"""

from __future__ import annotations

import re
import unicodedata

_NATIONS = {
    "W": ("Wales", "the Public Services Ombudsman for Wales"),
    "S": ("Scotland", "the Scottish Public Services Ombudsman"),
    "N": ("Northern Ireland", "the Northern Ireland Public Services Ombudsman"),
}

# The principal councils of each nation (and the names they are also known by).
_COUNCILS = {
    "W": (
        "Isle of Anglesey", "Anglesey", "Ynys Môn", "Gwynedd", "Conwy", "Denbighshire", "Flintshire", "Wrexham",
        "Powys", "Ceredigion", "Pembrokeshire", "Carmarthenshire", "Swansea", "Neath Port Talbot", "Bridgend",
        "Vale of Glamorgan", "Cardiff", "Rhondda Cynon Taf", "Rhondda Cynon Taff", "Merthyr Tydfil", "Caerphilly",
        "Blaenau Gwent", "Torfaen", "Monmouthshire", "Newport",
    ),
    "S": (
        "Aberdeen", "Aberdeenshire", "Angus", "Argyll and Bute", "Clackmannanshire", "Dumfries and Galloway",
        "Dundee", "East Ayrshire", "East Dunbartonshire", "East Lothian", "East Renfrewshire", "Edinburgh",
        "Falkirk", "Fife", "Glasgow", "Highland", "Inverclyde", "Midlothian", "Moray", "Na h-Eileanan Siar",
        "Comhairle nan Eilean Siar", "Western Isles", "Eilean Siar", "North Ayrshire", "North Lanarkshire",
        "Orkney", "Orkney Islands", "Perth and Kinross", "Renfrewshire", "Scottish Borders", "Shetland",
        "Shetland Islands", "South Ayrshire", "South Lanarkshire", "Stirling", "West Dunbartonshire", "West Lothian",
    ),
    "N": (
        "Antrim and Newtownabbey", "Ards and North Down", "Armagh City, Banbridge and Craigavon",
        "Armagh, Banbridge and Craigavon", "Belfast", "Causeway Coast and Glens", "Derry and Strabane",
        "Derry City and Strabane", "Fermanagh and Omagh", "Lisburn and Castlereagh", "Mid and East Antrim",
        "Mid Ulster", "Newry, Mourne and Down",
    ),
}
# Words that say what kind of body, not which place.
_BODY_WORDS = {"council", "county", "borough", "city", "district", "of", "the", "cyngor", "sir", "comhairle",
               "nan", "principal", "area", "authority", "unitary"}
_GSS_CODE = re.compile(r"^([WSN])\d{8}$")


def _place_key(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    words = re.findall(r"[a-z0-9]+", ascii_text.replace("&", " and "))
    return "".join(word for word in words if word not in _BODY_WORDS)


_PLACES = {_place_key(name): nation for nation, names in _COUNCILS.items() for name in names}


def outside_england(text: str) -> str | None:
    """Why ``text`` (a council's name or GSS code) is not the ombudsman's, or ``None`` if it may be."""
    text = text.strip()
    code = _GSS_CODE.match(text.upper())
    nation = code.group(1) if code else _PLACES.get(_place_key(text))
    if nation is None:
        return None
    country, ombudsman = _NATIONS[nation]
    what = "a GSS code in" if code else "a council in"
    return (f"is {what} {country}, outside England: this ombudsman looks at English councils only "
            f"({country} has {ombudsman}); leave the row out of the export")
