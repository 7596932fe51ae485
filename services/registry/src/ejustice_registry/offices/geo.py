"""Great-circle distances and a grid index that finds the nearest offices without measuring every one.

Offices are bucketed in cells of a quarter degree of latitude by a quarter of longitude. A search walks
rings of cells outwards from the asker's cell and stops once the k-th nearest found is closer than any
office in the next ring could be, so it measures a few cells' offices, not all of them; when the ring
would have more cells than hold any office (a sparse directory, a far-off asker), it measures the offices
of the cells left instead. Each office keeps its coordinates in radians and the cosine of its latitude,
and the search compares the haversine term (which grows with the distance) rather than the distance, so
measuring an office costs two sines and a few products; only the k found are turned into kilometres.
"""

import heapq
import math
from collections.abc import Callable, Hashable, Iterable

EARTH_RADIUS_KM = 6371.0088  # mean radius (IUGG)
CELL_DEGREES = 0.25
KM_PER_DEGREE_LATITUDE = math.pi * EARTH_RADIUS_KM / 180
COLUMNS = round(360 / CELL_DEGREES)
RINGS = round(180 / CELL_DEGREES) + 1  # enough to reach every cell from any other

Cell = tuple[int, int]
# latitude, longitude (degrees), latitude, longitude (radians), cosine of the latitude
Point = tuple[float, float, float, float, float]


def great_circle_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Haversine distance in kilometres."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    dphi, dlambda = phi2 - phi1, math.radians(lon2 - lon1)
    a = math.sin(dphi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(dlambda / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(a)))


def _haversine_term(km: float) -> float:
    """The haversine term of a distance: points are compared on it, as on the distance itself."""
    return math.sin(min(km / (2 * EARTH_RADIUS_KM), math.pi / 2)) ** 2


def _cell(lat: float, lon: float) -> Cell:
    return math.floor(lat / CELL_DEGREES), _column(math.floor(lon / CELL_DEGREES))


def _column(column: int) -> int:
    """Longitude wraps around the globe."""
    return (column + COLUMNS // 2) % COLUMNS - COLUMNS // 2


def _ring_offsets(ring: int) -> tuple[Cell, ...]:
    """The (row, column) steps to the cells at Chebyshev distance `ring`, computed once per ring."""
    if ring == 0:
        return ((0, 0),)
    top_and_bottom = [(dr, dc) for dr in (-ring, ring) for dc in range(-ring, ring + 1)]
    sides = [(dr, dc) for dr in range(-ring + 1, ring) for dc in (-ring, ring)]
    return tuple(top_and_bottom + sides)


_OFFSETS = [_ring_offsets(ring) for ring in range(64)]  # the rings a dense directory's searches walk


def _offsets(ring: int) -> tuple[Cell, ...]:
    return _OFFSETS[ring] if ring < len(_OFFSETS) else _ring_offsets(ring)


def _rings_apart(a: Cell, b: Cell) -> int:
    columns = abs(a[1] - b[1])
    return max(abs(a[0] - b[0]), min(columns, COLUMNS - columns))


def _beyond_km(ring: int, cos_phi: float) -> float:
    """How near a point in ring `ring` or further out can be to an asker whose latitude has this cosine.

    Such a point is at least (ring - 1) cells away in latitude, or as many in longitude. A degree of latitude
    is the same length everywhere; one of longitude shrinks towards the poles: the nearest a point can be
    to the asker across a longitude difference d is the distance to that meridian, asin(cos(lat) sin(d)).
    """
    degrees = max(0, ring - 1) * CELL_DEGREES
    across_longitude = EARTH_RADIUS_KM * math.asin(cos_phi * math.sin(math.radians(min(degrees, 90.0))))
    return min(degrees * KM_PER_DEGREE_LATITUDE, across_longitude)


class NearestIndex:
    """Points by key; `nearest` answers the k closest to a place, with their distances."""

    def __init__(self, points: Iterable[tuple[Hashable, float, float]] = ()):
        self._cells: dict[Cell, dict[Hashable, Point]] = {}  # only cells that hold a point
        self._where: dict[Hashable, Cell] = {}
        for key, lat, lon in points:
            self.put(key, lat, lon)

    def __len__(self) -> int:
        return len(self._where)

    def put(self, key: Hashable, lat: float, lon: float) -> None:
        self.remove(key)
        cell = _cell(lat, lon)
        phi = math.radians(lat)
        self._cells.setdefault(cell, {})[key] = (lat, lon, phi, math.radians(lon), math.cos(phi))
        self._where[key] = cell

    def remove(self, key: Hashable) -> None:
        cell = self._where.pop(key, None)
        if cell is not None:
            points = self._cells[cell]
            points.pop(key, None)
            if not points:
                del self._cells[cell]

    def nearest(self, lat: float, lon: float, k: int, *, accept: Callable[[Hashable], bool] | None = None,
                max_km: float | None = None) -> list[tuple[float, Hashable]]:
        """The k accepted points closest to (lat, lon), nearest first, as (km, key)."""
        if k <= 0 or not self._where:
            return []
        row, col = here = _cell(lat, lon)
        phi, lam = math.radians(lat), math.radians(lon)
        cos_phi = math.cos(phi)
        sin, cells = math.sin, self._cells
        farthest = 2.0 if max_km is None else _haversine_term(max_km)  # a term is at most 1
        best: list[tuple[float, Hashable]] = []  # a max-heap of the k best, by negated haversine term

        def measure(points: dict[Hashable, Point]) -> None:
            for key, (_, _, p_phi, p_lam, p_cos) in points.items():
                s_phi, s_lam = sin((p_phi - phi) / 2), sin((p_lam - lam) / 2)
                term = s_phi * s_phi + cos_phi * p_cos * s_lam * s_lam
                if term > farthest or (accept is not None and not accept(key)):
                    continue
                if len(best) < k:
                    heapq.heappush(best, (-term, key))
                elif term < -best[0][0]:
                    heapq.heapreplace(best, (-term, key))

        for ring in range(RINGS):
            bound = _haversine_term(_beyond_km(ring, cos_phi))
            if len(best) == k and -best[0][0] <= bound or bound > farthest:
                break
            if 8 * ring > len(cells) or 2 * ring + 1 >= COLUMNS:  # fewer cells hold points than this ring has
                # (or it wraps around the globe): measure the points left, each once
                for cell, points in cells.items():
                    if _rings_apart(cell, here) >= ring:
                        measure(points)
                break
            for d_row, d_col in _offsets(ring):
                points = cells.get((row + d_row, _column(col + d_col)))
                if points:
                    measure(points)
        found = []
        for _, key in best:
            p_lat, p_lon = cells[self._where[key]][key][:2]
            found.append((great_circle_km(lat, lon, p_lat, p_lon), key))
        return sorted(found, key=lambda hit: hit[0])
