"""The vocabulary of territory_viz: controls, parties, recognition levels, and shared constants."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path

#: Geographic CRS every layer is stored and drawn in.
CRS_GEOGRAPHIC = "EPSG:4326"

#: Equal-area CRS used for every measurement: Lambert azimuthal equal-area centred on Ukraine.
CRS_EQUAL_AREA = "+proj=laea +lat_0=48.5 +lon_0=31.5 +x_0=0 +y_0=0 +ellps=WGS84 +units=m +no_defs"


def _find_data_dir() -> Path:
    """Return the repository's ``data/`` in a checkout, else the copy inside the package.

    A checkout is recognised by ``pyproject.toml`` and ``data/SOURCES.md`` beside the
    package; an installed wheel carries ``territory_viz/data/`` (copied at build time).
    """
    package = Path(__file__).resolve().parent
    checkout = package.parent
    if (checkout / "pyproject.toml").is_file() and (checkout / "data" / "SOURCES.md").is_file():
        return checkout / "data"
    return package / "data"


#: Where the committed data files live: ``data/`` of the checkout, or of the installed package.
DATA_DIR = _find_data_dir()

#: Ukraine's official area in km², the reference the regions layer is checked against.
UKRAINE_OFFICIAL_AREA_KM2 = 603_628


class Control(StrEnum):
    """Who would hold an area on the ground."""

    UKRAINE = "ukraine"
    RUSSIA = "russia"
    DEMILITARIZED = "demilitarized"
    INTERNATIONAL = "international"


class Party(StrEnum):
    """The parties whose recognition a scenario records."""

    UKRAINE = "ukraine"
    RUSSIA = "russia"
    UNITED_STATES = "united_states"
    EUROPEAN_UNION = "european_union"
    UN_GENERAL_ASSEMBLY = "un_general_assembly"

    @property
    def label(self) -> str:
        """Human-readable name of the party."""
        return _PARTY_LABELS[self]


_PARTY_LABELS = {
    Party.UKRAINE: "Ukraine",
    Party.RUSSIA: "Russia",
    Party.UNITED_STATES: "United States",
    Party.EUROPEAN_UNION: "European Union",
    Party.UN_GENERAL_ASSEMBLY: "UN General Assembly",
}


class Recognition(StrEnum):
    """What a party accepts about Russian control of an area.

    ``de_facto``: accepted as a fact on the ground, sovereignty not conceded.
    ``de_jure``: legal, official recognition of sovereignty.
    """

    DE_JURE = "de_jure"
    DE_FACTO = "de_facto"
    NONE = "none"


class RegionKind(StrEnum):
    """Ukraine's first-level administrative units by kind."""

    OBLAST = "oblast"
    AUTONOMOUS_REPUBLIC = "autonomous republic"
    CITY = "city with special status"


#: The 27 regions: ISO 3166-2 code -> English name (Ukraine's national transliteration).
REGION_NAMES: dict[str, str] = {
    "UA-05": "Vinnytsia",
    "UA-07": "Volyn",
    "UA-09": "Luhansk",
    "UA-12": "Dnipropetrovsk",
    "UA-14": "Donetsk",
    "UA-18": "Zhytomyr",
    "UA-21": "Zakarpattia",
    "UA-23": "Zaporizhzhia",
    "UA-26": "Ivano-Frankivsk",
    "UA-30": "Kyiv (city)",
    "UA-32": "Kyiv",
    "UA-35": "Kirovohrad",
    "UA-40": "Sevastopol",
    "UA-43": "Crimea",
    "UA-46": "Lviv",
    "UA-48": "Mykolaiv",
    "UA-51": "Odesa",
    "UA-53": "Poltava",
    "UA-56": "Rivne",
    "UA-59": "Sumy",
    "UA-61": "Ternopil",
    "UA-63": "Kharkiv",
    "UA-65": "Kherson",
    "UA-68": "Khmelnytskyi",
    "UA-71": "Cherkasy",
    "UA-74": "Chernihiv",
    "UA-77": "Chernivtsi",
}
