"""`tremplin plan`: an organiser plans a rally from an instance file, without a database."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from app.cli import build_parser, main
from core.i18n import language
from planning import load_instance, load_solution, validate

EXAMPLES = Path(__file__).resolve().parents[1] / "planning" / "examples"


def tiny() -> dict:
    return json.loads((EXAMPLES / "tiny.json").read_text(encoding="utf-8"))


def write(tmp_path: Path, data: dict, name: str = "instance.json") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def test_planning_writes_a_solution_that_the_validator_accepts(tmp_path, capsys):
    out = tmp_path / "solution.json"
    code = main(["plan", "--instance", str(EXAMPLES / "tiny.json"), "--out", str(out), "--seconds", "0.5"])
    assert code == 0
    document = json.loads(out.read_text(encoding="utf-8"))
    assert {"instance", "solver", "seconds", "teams", "stats"} <= document.keys()
    assert document["instance"] == "tiny"
    solution = load_solution(document)
    assert validate(load_instance(tiny()), solution) == []
    assert "Plan written" in capsys.readouterr().out


def test_fields_the_planner_does_not_know_are_ignored(tmp_path):
    data = tiny()
    data["organiser_notes"] = "bring umbrellas"
    data["youths"][0]["favourite_colour"] = "blue"
    data["sites"][0]["parking"] = {"spaces": 3}
    out = tmp_path / "solution.json"
    assert main(["plan", "--instance", str(write(tmp_path, data)), "--out", str(out), "--seconds", "0.3"]) == 0
    assert validate(load_instance(data), load_solution(json.loads(out.read_text()))) == []


def test_a_malformed_instance_names_the_json_path_and_exits_2(tmp_path, capsys):
    data = tiny()
    data["sites"][2]["capacity"] = "two"
    out = tmp_path / "solution.json"
    assert main(["plan", "--instance", str(write(tmp_path, data)), "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert "sites[2].capacity" in err and "expected an integer" in err
    assert not out.exists()


def test_broken_json_and_a_missing_file_exit_2_with_a_clear_message(tmp_path, capsys):
    broken = tmp_path / "broken.json"
    broken.write_text('{"name": "tiny",', encoding="utf-8")
    assert main(["plan", "--instance", str(broken), "--out", str(tmp_path / "o.json")]) == 2
    assert "invalid JSON at line 1" in capsys.readouterr().err
    assert main(["plan", "--instance", str(tmp_path / "nope.json"), "--out", str(tmp_path / "o.json")]) == 2
    assert "no such file" in capsys.readouterr().err


def test_an_infeasible_instance_lists_the_rules_that_cannot_be_met_and_exits_3(tmp_path, capsys):
    data = tiny()
    data["companions"] = data["companions"][:2]  # three teams, two companions
    out = tmp_path / "solution.json"
    with language("en"):
        assert main(["plan", "--instance", str(write(tmp_path, data)), "--out", str(out)]) == 3
    err = capsys.readouterr().err
    assert "H03" in err and "3 teams need 3 companions but only 2 are listed" in err
    assert not out.exists()


def test_the_help_documents_the_exit_codes(capsys):
    with pytest.raises(SystemExit):
        build_parser().parse_args(["plan", "--help"])
    text = capsys.readouterr().out
    assert "--instance" in text and "--seconds" in text
    assert "2  the instance cannot be read" in text and "3  the instance is infeasible" in text
