"""Travel times between the meeting point and the sites: the example matrices, overrides and a routing server."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import pytest

from planning import load_instance
from planning.travel import Point, RoutingError, build_travel

EXAMPLES = Path(__file__).resolve().parents[1] / "planning" / "examples"


def points_of(name: str) -> tuple[Point, list[Point], dict]:
    data = json.loads((EXAMPLES / name).read_text(encoding="utf-8"))
    depot = data["depot"]
    sites = [Point(s["id"], s["lat"], s["lon"]) for s in data["sites"]]
    return Point(depot["id"], depot["lat"], depot["lon"]), sites, data


@pytest.mark.parametrize("name", ["tiny.json", "rally.json"])
def test_travel_computed_from_coordinates_matches_the_example_instances(name):
    depot, sites, data = points_of(name)
    travel = build_travel(depot, sites)
    assert list(travel.nodes) == data["travel"]["nodes"]
    assert [list(row) for row in travel.car] == data["travel"]["car"]
    assert [list(row) for row in travel.transit] == data["travel"]["transit"]


def test_an_organiser_can_override_a_known_slow_trip_by_car_or_by_transit():
    depot, sites, _ = points_of("tiny.json")
    travel = build_travel(
        depot, sites, car_overrides={("depot", "S04"): 45}, transit_overrides={("S01", "S02"): 90, ("S02", "S01"): 80}
    )
    assert travel.minutes("depot", "S04", by_car=True) == 45
    assert travel.minutes("S04", "depot", by_car=True) == 19  # only the named direction changes
    assert travel.minutes("S01", "S02", by_car=False) == 90
    assert travel.minutes("S02", "S01", by_car=False) == 80
    assert travel.minutes("S01", "S02", by_car=True) == 12


def test_an_override_naming_an_unknown_place_is_refused():
    depot, sites, _ = points_of("tiny.json")
    with pytest.raises(KeyError):
        build_travel(depot, sites, car_overrides={("depot", "S99"): 10})


class _OsrmHandler(BaseHTTPRequestHandler):
    requests: list[str] = []

    def do_GET(self):  # noqa: N802 - http.server naming
        type(self).requests.append(self.path)
        coordinates = self.path.split("/table/v1/driving/")[1].split("?")[0].split(";")
        n = len(coordinates)
        durations = [[0 if i == j else 600.0 * (1 + abs(i - j)) for j in range(n)] for i in range(n)]
        body = json.dumps({"code": "Ok", "durations": durations}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def osrm_server():
    server = HTTPServer(("127.0.0.1", 0), _OsrmHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()
    thread.join()


def test_driving_times_come_from_a_routing_server_when_its_address_is_given(osrm_server):
    depot, sites, _ = points_of("tiny.json")
    _OsrmHandler.requests.clear()
    travel = build_travel(depot, sites, osrm_url=osrm_server)
    assert len(_OsrmHandler.requests) == 1
    assert "annotations=duration" in _OsrmHandler.requests[0]
    assert f"{depot.lon:.6f},{depot.lat:.6f}" in _OsrmHandler.requests[0]
    # 600 s per step of index distance, plus the 5 minutes of parking; transit = car × 1.7 + 15.
    assert travel.minutes("depot", "S01", by_car=True) == 25
    assert travel.minutes("depot", "S02", by_car=True) == 35
    assert travel.minutes("depot", "S01", by_car=False) == round(25 * 1.7 + 15)
    assert travel.minutes("S03", "S03", by_car=True) == 0


def test_an_unreachable_routing_server_is_reported_clearly():
    depot, sites, _ = points_of("tiny.json")
    with pytest.raises(RoutingError, match="routing server"):
        build_travel(depot, sites, osrm_url="http://127.0.0.1:9")


def test_generated_instances_carry_the_travel_their_coordinates_give():
    from planning.generate import generate

    data = generate(12, 5, 4, seed=3)
    instance = load_instance(data)
    depot = Point("depot", instance.depot.lat, instance.depot.lon)
    sites = [Point(s.id, s.lat, s.lon) for s in instance.sites]
    assert build_travel(depot, sites).car == instance.travel.car
    assert generate(12, 5, 4, seed=3) == data  # deterministic
