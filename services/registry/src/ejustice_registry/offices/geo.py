"""Great-circle distances and a grid index that finds the nearest offices without measuring every one.

Offices are bucketed in cells of one degree of latitude by one of longitude. A search walks rings
of cells outwards from the asker's cell and stops once the k-th nearest found is closer than any
office in the next ring could be, so it measures a few cells' offices, not all of them.
"""

import heapq
import math
from collections import defaultdict
from collections.abc import Hashable, Iterable

EARTH_RADIUS_KM = 6371.0088  # mean radius (IUGG)
CELL_DEGREES = 1.0
KM_PER_DEGREE_LATITUDE = math.pi * EARTH_RADIUS_KM / 180


def great_circle_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Haversine distance in kilometres."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    dphi, dlambda = phi2 - phi1, math.radians(lon2 - lon1)
    a = math.sin(dphi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(dlambda / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(a)))


def _cell(lat: float, lon: float) -> tuple[int, int]:
    return math.floor(lat / CELL_DEGREES), math.floor(lon / CELL_DEGREES)


class NearestIndex:
    """Points by key; `nearest` answers the k closest to a place, with their distances."""

    def __init__(self, points: Iterable[tuple[Hashable, float, float]] = ()):
        self._cells: dict[tuple[int, int], dict[Hashable, tuple[float, float]]] = defaultdict(dict)
        self._where: dict[Hashable, tuple[int, int]] = {}
        for key, lat, lon in points:
            self.put(key, lat, lon)

    def __len__(self) -> int:
        return len(self._where)

    def put(self, key: Hashable, lat: float, lon: float) -> None:
        self.remove(key)
        cell = _cell(lat, lon)
        self._cells[cell][key] = (lat, lon)
        self._where[key] = cell

    def remove(self, key: Hashable) -> None:
        cell = self._where.pop(key, None)
        if cell is not None:
            self._cells[cell].pop(key, None)

    def nearest(self, lat: float, lon: float, k: int, *, accept=lambda key: True,
                max_km: float | None = None) -> list[tuple[float, Hashable]]:
        """The k accepted points closest to (lat, lon), nearest first, as (km, key)."""
        if k <= 0 or not self._where:
            return []
        row, col = _cell(lat, lon)
        best: list[tuple[float, Hashable]] = []  # a max-heap of the k best, by negated distance
        columns = int(360 / CELL_DEGREES)
        for ring in range(int(180 / CELL_DEGREES) + 1):
            # Every point outside rings 0..ring-1 is at least (ring - 1) cells of latitude away, or further in
            # longitude; latitude gives the safe lower bound everywhere on the sphere.
            bound = max(0, ring - 1) * CELL_DEGREES * KM_PER_DEGREE_LATITUDE
            if len(best) == k and -best[0][0] <= bound or (max_km is not None and bound > max_km):
                break
            for r, c in _ring(row, col, ring, columns):
                for key, (plat, plon) in self._cells.get((r, c), {}).items():
                    if not accept(key):
                        continue
                    km = great_circle_km(lat, lon, plat, plon)
                    if max_km is not None and km > max_km:
                        continue
                    if len(best) < k:
                        heapq.heappush(best, (-km, key))
                    elif km < -best[0][0]:
                        heapq.heapreplace(best, (-km, key))
        return sorted(((-negated, key) for negated, key in best), key=lambda found: found[0])


def _ring(row: int, col: int, ring: int, columns: int):
    """The cells at Chebyshev distance `ring` from (row, col); longitude wraps around the globe."""
    if ring == 0:
        yield row, col
        return
    seen = set()
    for r in range(row - ring, row + ring + 1):
        step = 1 if r in (row - ring, row + ring) else 2 * ring
        for c in range(col - ring, col + ring + 1, step):
            cell = (r, (c + columns // 2) % columns - columns // 2)
            if cell not in seen:
                seen.add(cell)
                yield cell
