"""Rebuild ``data/claims/russia-claim.geojson``: Russia's claim to Ukrainian territory.

Russia claims, de jure, six of Ukraine's regions in their full administrative borders,
including land it has never held (Zaporizhzhia and Kherson cities):

- Crimea and Sevastopol: "annexation" treaty signed 18 March 2014; the UN General Assembly
  affirmed Ukraine's territorial integrity and called the referendum invalid in resolution
  68/262 of 27 March 2014.
- Donetsk, Luhansk, Zaporizhzhia and Kherson oblasts: "annexation" proclaimed 30 September
  2022; the UN General Assembly condemned it as an attempted illegal annexation and called
  on states not to recognise it in resolution ES-11/4 of 12 October 2022.

The geometry is the regions' own geometry from ``data/regions.geojson`` (one feature per
claimed region), so the claim and the regions layer share every edge::

    python scripts/build_claims.py           # write data/claims/russia-claim.geojson
    python scripts/build_claims.py --check   # rebuild to a temp file, compare SHA-256
"""

from __future__ import annotations

import sys
from pathlib import Path

import geopandas as gpd

sys.path.insert(0, str(Path(__file__).resolve().parent))

from build_regions import (  # noqa: E402
    REPO,
    format_feature_collection,
    geometry_to_json,
    main_for,
)

OUTPUT = REPO / "data" / "claims" / "russia-claim.geojson"
REGIONS = REPO / "data" / "regions.geojson"

_2014 = {
    "claimed_on": "2014-03-18",
    "rejected_by": "UNGA resolution 68/262",
    "rejected_on": "2014-03-27",
}
_2022 = {
    "claimed_on": "2022-09-30",
    "rejected_by": "UNGA resolution ES-11/4",
    "rejected_on": "2022-10-12",
}
#: ISO 3166-2 code -> claim facts.
CLAIMS: dict[str, dict[str, str]] = {
    "UA-09": _2022,  # Luhansk
    "UA-14": _2022,  # Donetsk
    "UA-23": _2022,  # Zaporizhzhia
    "UA-40": _2014,  # Sevastopol
    "UA-43": _2014,  # Crimea
    "UA-65": _2022,  # Kherson
}


def build_claims(_package_dir: Path | None, output: Path) -> None:
    """Write the claimed regions with dates and the UNGA resolutions that rejected them."""
    regions = gpd.read_file(REGIONS)
    claimed = regions[regions["iso_code"].isin(CLAIMS)].sort_values("iso_code")
    features = [
        {
            "type": "Feature",
            "properties": {
                "iso_code": row.iso_code,
                "name_en": row.name_en,
                "claimant": "Russia",
                **CLAIMS[row.iso_code],
            },
            "geometry": geometry_to_json(row.geometry),
        }
        for row in claimed.itertuples(index=False)
    ]
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(format_feature_collection(features, name="russia-claim"), encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    """Command line entry point."""
    return main_for(build_claims, OUTPUT, __doc__, argv, uses_package=False)


if __name__ == "__main__":
    sys.exit(main())
